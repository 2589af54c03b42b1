// The operator's logger: winston, one line per entry, as JSON or logfmt, always with level, time and
// msg; reconcile lines add `cluster` (namespace/name). Logs go to stderr unless a stream is given.
import winston from "winston";
import type { Writable } from "node:stream";

export type LogFormat = "json" | "logfmt";
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; default stderr. */
  stream?: Writable;
}

/** Fields every entry may carry besides the message. */
export interface LogFields { cluster?: string; [key: string]: unknown }

function logfmtValue(v: unknown): string {
  const s = typeof v === "string" ? v : v instanceof Error ? v.message : JSON.stringify(v) ?? "";
  return /^[^\s"=\\]+$/.test(s) ? s : JSON.stringify(s);
}

const renameFields = winston.format((info) => {
  const rec = info as Record<string | symbol, unknown>;
  rec.time = new Date().toISOString();
  rec.msg = info.message;
  delete rec.message;
  return info;
});

const jsonLine = winston.format.printf((info) => {
  const { level, time, msg, ...rest } = info as Record<string, unknown>;
  return JSON.stringify({ level, time, msg, ...rest });
});

const logfmtLine = winston.format.printf((info) => {
  const { level, time, msg, ...rest } = info as Record<string, unknown>;
  const parts = [`level=${logfmtValue(level)}`, `time=${logfmtValue(time)}`, `msg=${logfmtValue(msg)}`];
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) parts.push(`${k}=${logfmtValue(v)}`);
  return parts.join(" ");
});

export function createLogger(opts: LoggerOptions = {}): winston.Logger {
  const format = opts.format ?? "json";
  if (format !== "json" && format !== "logfmt") throw new Error(`log format must be json or logfmt, got ${String(format)}`);
  const level = opts.level ?? "info";
  if (!LOG_LEVELS.includes(level)) throw new Error(`log level must be one of ${LOG_LEVELS.join(", ")}, got ${String(level)}`);
  const transport = opts.stream
    ? new winston.transports.Stream({ stream: opts.stream })
    : new winston.transports.Console({ stderrLevels: [...LOG_LEVELS] });
  return winston.createLogger({
    level,
    levels: { error: 0, warn: 1, info: 2, debug: 3 },
    format: winston.format.combine(renameFields(), format === "json" ? jsonLine : logfmtLine),
    transports: [transport],
  });
}

export type Logger = winston.Logger;
