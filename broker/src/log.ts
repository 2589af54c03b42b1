// Logging through winston in nats-server's formats. To stderr or a file, each line reads
// `[pid] 2006/01/02 15:04:05.000000 [INF] text` (-T=false drops the time; on a terminal the label is
// coloured as nats-server colours it). A file is opened for append (mode 0640) and, with
// log_size_limit, rotated as nats-server rotates: the full file is renamed to
// `<file>.YYYY.MM.DD.HH.MM.SS.NNNNNNNNN` and the new file starts with `Rotated log, backup saved as`.
// Syslog lines are nats-server's (Go log/syslog) lines, see syslog.ts.
// As in nats-server, one destination is used: log_file, else remote_syslog, else syslog, else stderr.

import { closeSync, fstatSync, openSync, renameSync, writeSync } from "node:fs";
import winston from "winston";
import { goPathError } from "./process-files.js";
import { LocalSyslog, LogSetupError, RemoteSyslog, type Level, type SyslogSink } from "./syslog.js";

export { LogSetupError, type Level } from "./syslog.js";

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
  logFile?: string;
  /** Bytes; rotate the log file when it grows past this. 0 = never. */
  logSizeLimit?: number;
  syslog?: boolean;
  /** udp://host:port, tcp://host:port or unix:///path */
  remoteSyslog?: string;
  /** Called when a destination fails for good (e.g. the syslog TCP connection is refused). */
  onFatal?: (msg: string) => void;
}


// winston's Transport base class (winston-transport), which winston re-exports at run time.
type TransportClass = typeof import("winston-transport");
type Transport = InstanceType<TransportClass>;
const Transport = (winston as unknown as { Transport: TransportClass }).Transport;

const LEVELS: Record<Level, number> = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 };
const LABELS: Record<Level, string> = {
  fatal: "FTL", error: "ERR", warn: "WRN", info: "INF", debug: "DBG", trace: "TRC",
};
// nats-server's ANSI colours per label, used only when stderr is a terminal.
const COLORS: Record<Level, string> = {
  fatal: "31", error: "31", warn: "0;93", info: "32", debug: "36", trace: "33",
};

function pad(n: number, w: number): string {
  return String(n).padStart(w, "0");
}

/** Go's log.LstdFlags|log.Lmicroseconds, in local time: `2006/01/02 15:04:05.000000`. */
export function timestamp(d: Date, micros = d.getMilliseconds() * 1000): string {
  const us = pad(micros, 6);
  return `${d.getFullYear()}/${pad(d.getMonth() + 1, 2)}/${pad(d.getDate(), 2)} ` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${us}`;
}

/** The suffix of a rotated log file: `.2006.01.02.15.04.05.000000000` (local time, nanoseconds). */
export function rotationSuffix(d: Date, nanos: number): string {
  return `.${d.getFullYear()}.${pad(d.getMonth() + 1, 2)}.${pad(d.getDate(), 2)}.` +
    `${pad(d.getHours(), 2)}.${pad(d.getMinutes(), 2)}.${pad(d.getSeconds(), 2)}.${pad(nanos, 9)}`;
}

/** The process-wide nanosecond part of now, from the high resolution clock (for unique names). */
function nowNanos(d: Date): number {
  return d.getMilliseconds() * 1_000_000 + Number(process.hrtime.bigint() % 1_000_000n);
}

interface LogInfo {
  level: string;
  message: unknown;
}

/** Formats `[pid] time [LBL] msg` lines. */
class LineFormat {
  constructor(private readonly logtime: boolean, private readonly colors: boolean) {}

  line(level: Level, msg: string): string {
    let time = "";
    if (this.logtime) {
      const t = performance.timeOrigin + performance.now();
      time = `${timestamp(new Date(Math.floor(t)), Math.floor((t % 1000) * 1000))} `;
    }
    const label = this.colors ? `[\x1b[${COLORS[level]}m${LABELS[level]}\x1b[0m]` : `[${LABELS[level]}]`;
    return `[${process.pid}] ${time}${label} ${msg}\n`;
  }
}

class StderrTransport extends Transport {
  constructor(private readonly fmt: LineFormat) {
    super();
  }

  override log(info: LogInfo, next: () => void): void {
    // process.stderr writes synchronously to files, pipes and terminals on Linux.
    process.stderr.write(this.fmt.line(info.level as Level, String(info.message)));
    next();
  }
}

/** Appends to a file with synchronous writes; rotates past the size limit; reopens on request. */
export class FileTransport extends Transport {
  private fd: number;
  private size: number;

  constructor(readonly path: string, private readonly fmt: LineFormat, private readonly limit: number) {
    super();
    this.fd = FileTransport.open(path);
    this.size = fstatSync(this.fd).size;
  }

  private static open(path: string): number {
    try {
      return openSync(path, "a", 0o640);
    } catch (e) {
      throw new LogSetupError(`error opening file: ${goPathError("open", path, e)}`);
    }
  }

  override log(info: LogInfo, next: () => void): void {
    this.append(this.fmt.line(info.level as Level, String(info.message)));
    next();
  }

  private append(line: string): void {
    if (this.fd < 0) return;
    const buf = Buffer.from(line);
    writeSync(this.fd, buf);
    this.size += buf.length;
    if (this.limit > 0 && this.size > this.limit) this.rotate();
  }

  private rotate(): void {
    const now = new Date();
    const backup = this.path + rotationSuffix(now, nowNanos(now));
    closeSync(this.fd);
    this.fd = -1;
    try {
      renameSync(this.path, backup);
    } catch (e) {
      process.stderr.write(`unable to rename log file: ${(e as Error).message}\n`);
    }
    this.fd = FileTransport.open(this.path);
    this.size = fstatSync(this.fd).size;
    // nats-server ends this one line with CRLF.
    this.append(this.fmt.line("info", `Rotated log, backup saved as ${JSON.stringify(backup)}`).replace(/\n$/, "\r\n"));
  }

  /** Closes and opens the file again by its name (after logrotate moved it away). */
  reopen(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = FileTransport.open(this.path);
    this.size = fstatSync(this.fd).size;
  }

  override close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

class SyslogTransport extends Transport {
  constructor(private readonly sink: SyslogSink) {
    super();
  }

  override log(info: LogInfo, next: () => void): void {
    this.sink.send(info.level as Level, String(info.message));
    next();
  }

  flush(): Promise<void> {
    return this.sink.flush();
  }

  override close(): void {
    this.sink.close();
  }
}

/**
 * The server's logger. `configure` swaps the destination and levels (config reload); `reopen` opens
 * the log file again (SIGUSR1).
 */
export class ServerLogger implements Logger {
  private readonly w: winston.Logger;
  private opts: LogOptions;
  private current: Transport | null = null;

  constructor(o: LogOptions) {
    this.opts = o;
    this.w = winston.createLogger({ levels: LEVELS, level: "trace", transports: [] });
    this.configure(o);
  }

  /** Opens the destination the options name; throws LogSetupError when it cannot be used. */
  configure(o: LogOptions): void {
    const next = ServerLogger.transportFor(o);
    if (this.current !== null) {
      this.w.remove(this.current);
      this.current.close?.();
    }
    this.opts = o;
    this.current = next;
    this.w.add(next);
  }

  private static transportFor(o: LogOptions): Transport {
    if (o.logFile) return new FileTransport(o.logFile, new LineFormat(o.logtime, false), o.logSizeLimit ?? 0);
    const fatal = o.onFatal ?? ((m: string): void => { process.stderr.write(`${m}\n`); });
    if (o.remoteSyslog) return new SyslogTransport(new RemoteSyslog(o.remoteSyslog, fatal));
    if (o.syslog) return new SyslogTransport(new LocalSyslog(fatal));
    return new StderrTransport(new LineFormat(o.logtime, process.stderr.isTTY === true));
  }

  get isFileLogger(): boolean {
    return this.current instanceof FileTransport;
  }

  /** SIGUSR1: reopen the log file, as nats-server does, with its notices. */
  reopen(): void {
    if (!(this.current instanceof FileTransport)) {
      this.info("File log re-open ignored, not a file logger");
      return;
    }
    this.current.reopen();
    this.info("File log re-opened");
  }

  /** Waits until the lines logged so far have left the process (syslog sends are asynchronous). */
  async flush(): Promise<void> {
    if (this.current instanceof SyslogTransport) await this.current.flush();
  }

  fatal(m: string): void { this.w.log("fatal", m); }
  error(m: string): void { this.w.log("error", m); }
  warn(m: string): void { this.w.log("warn", m); }
  notice(m: string): void { this.w.log("info", m); }
  info(m: string): void { this.w.log("info", m); }
  debug(m: string): void { if (this.opts.debug) this.w.log("debug", m); }
  trace(m: string): void { if (this.opts.trace) this.w.log("trace", m); }

  close(): void {
    if (this.current !== null) {
      this.w.remove(this.current);
      this.current.close?.();
      this.current = null;
    }
    this.w.close();
  }
}

export function createLogger(o: LogOptions): ServerLogger {
  return new ServerLogger(o);
}

/** The log options of the server options. */
export function logOptionsOf(o: {
  debug: boolean; trace: boolean; logtime: boolean; logFile: string; logSizeLimit: number; syslog: boolean; remoteSyslog: string;
}, onFatal?: (msg: string) => void): LogOptions {
  const lo: LogOptions = {
    debug: o.debug, trace: o.trace, logtime: o.logtime, logFile: o.logFile, logSizeLimit: o.logSizeLimit,
    syslog: o.syslog, remoteSyslog: o.remoteSyslog,
  };
  if (onFatal) lo.onFatal = onFatal;
  return lo;
}

/** Go's log package line for fatal setup errors: `2006/01/02 15:04:05 text`. */
export function goLogLine(msg: string): string {
  const t = timestamp(new Date());
  return `${t.slice(0, t.indexOf("."))} ${msg}\n`;
}
