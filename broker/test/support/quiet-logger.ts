// A Logger that keeps lines in memory instead of printing them, for in-process servers in tests.

import type { Logger } from "../../src/log.js";

export interface QuietLogger extends Logger {
  lines: string[];
}

export function quietLogger(): QuietLogger {
  const lines: string[] = [];
  const keep = (tag: string) => (m: string): void => { lines.push(`${tag} ${m}`); };
  return {
    lines,
    fatal: keep("[FTL]"), error: keep("[ERR]"), warn: keep("[WRN]"), notice: keep("[INF]"),
    info: keep("[INF]"), debug: keep("[DBG]"), trace: keep("[TRC]"), close: () => undefined,
  };
}
