// Logging through winston in nats-server's line format: `[pid] 2006/01/02 15:04:05.000000 [INF] text`.
// -D enables debug lines, -V trace lines, and -T=false drops the timestamp.

import winston from "winston";

export interface Logger {
  fatal(msg: string): void;
  error(msg: string): void;
  warn(msg: string): void;
  notice(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  trace(msg: string): void;
  close(): void;
}

export interface LogOptions {
  debug: boolean;
  trace: boolean;
  logtime: boolean;
  /** Extra winston transports (file, syslog); stderr when none is given. */
  transports?: winston.transport[];
}

const LEVELS = { fatal: 0, error: 1, warn: 2, notice: 3, info: 4, debug: 5, trace: 6 } as const;
const TAGS: Record<string, string> = {
  fatal: "[FTL]", error: "[ERR]", warn: "[WRN]", notice: "[INF]", info: "[INF]", debug: "[DBG]", trace: "[TRC]",
};

function pad(n: number, w: number): string {
  return String(n).padStart(w, "0");
}

export function timestamp(d: Date): string {
  const us = pad(d.getMilliseconds() * 1000, 6);
  return `${d.getFullYear()}/${pad(d.getMonth() + 1, 2)}/${pad(d.getDate(), 2)} ` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${us}`;
}

export function createLogger(o: LogOptions): Logger {
  const prefix = `[${process.pid}] `;
  const line = winston.format.printf((info) => {
    const tag = TAGS[info.level] ?? "[INF]";
    const time = o.logtime ? `${timestamp(new Date())} ` : "";
    return `${prefix}${time}${tag} ${String(info.message)}`;
  });
  const level = o.trace ? "trace" : o.debug ? "debug" : "info";
  const w = winston.createLogger({
    levels: LEVELS,
    level,
    format: line,
    transports: o.transports ?? [new winston.transports.Console({ stderrLevels: Object.keys(LEVELS) })],
  });
  return {
    fatal: (m) => w.log("fatal", m),
    error: (m) => w.log("error", m),
    warn: (m) => w.log("warn", m),
    notice: (m) => w.log("notice", m),
    info: (m) => w.log("info", m),
    debug: (m) => { if (o.debug) w.log("debug", m); },
    trace: (m) => { if (o.trace) w.log("trace", m); },
    close: () => w.close(),
  };
}
