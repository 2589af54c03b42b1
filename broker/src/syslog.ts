// Syslog destinations with the lines nats-server sends (Go's log/syslog):
// - remote_syslog udp://host:port or tcp://host:port: `<PRI>2006-01-02T15:04:05Z07:00 HOST TAG[PID]: msg\n`
//   with facility 0 (PRI is the severity alone);
// - remote_syslog unix:///path (a stream socket): `<PRI>Jan _2 15:04:05 TAG[PID]: msg\n`, facility 0;
// - syslog (local): facility daemon, to the first of /dev/log, /var/run/syslog, /var/run/log that is a
//   socket. Those are datagram sockets, which Node cannot open, so the lines go through util-linux's
//   `logger --prio-prefix -u SOCKET`, which writes the same local-format datagrams
//   (`<PRI>Jan _2 15:04:05 TAG[PID]: msg`).
// Severities as nats-server maps them: fatal=crit, error=err, warn=warning, info and trace=notice,
// debug=debug. TAG is the program name (see programName()).

import { spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { statSync } from "node:fs";
import net from "node:net";
import { hostname } from "node:os";
import { basename } from "node:path";

export type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";

/** A logging destination could not be set up (nats-server exits 1 with this text). */
export class LogSetupError extends Error {
  override readonly name = "LogSetupError";
}

export interface SyslogSink {
  send(level: Level, msg: string): void;
  /** Resolves once what was sent has left the process (or after a second). */
  flush(): Promise<void>;
  close(): void;
}

/** Counts sends in flight so that flush() can wait for them before the process exits. */
class InFlight {
  private n = 0;
  private waiters: (() => void)[] = [];

  start(): () => void {
    this.n++;
    return () => {
      if (--this.n === 0) for (const w of this.waiters.splice(0)) w();
    };
  }

  drained(): Promise<void> {
    if (this.n === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 1000);
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }
}

const SEVERITY: Record<Level, number> = { fatal: 2, error: 3, warn: 4, info: 5, debug: 7, trace: 5 };
const LOG_DAEMON = 3 << 3;
const LOCAL_SOCKETS = ["/dev/log", "/var/run/syslog", "/var/run/log"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * The name this program goes by in syslog tags, ports file names and process lookups: the name it
 * was started as (so a `nats-server` symlink to it is `nats-server`), or `skein-server` when it runs
 * as `node .../main.js`.
 */
export function programName(): string {
  const script = process.argv[1] ?? "";
  const name = basename(script);
  return name === "" || /\.(c|m)?(j|t)s$/.test(name) ? "skein-server" : name;
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** Go's time.RFC3339 in local time. */
export function rfc3339(d: Date): string {
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? "Z" : `${off > 0 ? "+" : "-"}${two(Math.floor(Math.abs(off) / 60))}:${two(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}${zone}`;
}

/** Go's time.Stamp in local time: `Jan _2 15:04:05`. */
export function stamp(d: Date): string {
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function withNewline(msg: string): string {
  return msg.endsWith("\n") ? msg : `${msg}\n`;
}

/** remote_syslog: UDP datagrams, or lines on a TCP or unix stream connection. */
export class RemoteSyslog implements SyslogSink {
  private readonly tag = `${programName()}[${process.pid}]`;
  private readonly host = hostname();
  private readonly local: boolean;
  private udp: dgram.Socket | null = null;
  private stream: net.Socket | null = null;
  private port = 0;
  private addr = "";
  private readonly inFlight = new InFlight();

  /** Throws LogSetupError for an address nats-server would refuse. */
  constructor(fqn: string, onFatal: (msg: string) => void) {
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/.exec(fqn);
    if (!m) {
      if (fqn.includes(":")) throw new LogSetupError(`parse ${JSON.stringify(fqn)}: first path segment in URL cannot contain colon`);
      throw new LogSetupError(`error invalid network type: ""`);
    }
    const scheme = m[1] ?? "";
    const rest = (m[2] ?? "").replace(/^\/\//, "");
    this.local = scheme === "unix";
    if (scheme === "unix") {
      const path = rest.startsWith("/") ? rest : `/${rest}`;
      this.stream = net.connect({ path });
      this.watch(this.stream, `dial unix ${path}`, onFatal);
      return;
    }
    if (scheme !== "udp" && scheme !== "tcp") throw new LogSetupError(`error invalid network type: ${JSON.stringify(scheme)}`);
    const hp = rest.split("/")[0] ?? "";
    const colon = hp.lastIndexOf(":");
    if (colon < 0) {
      throw new LogSetupError(`error connecting to syslog: ${JSON.stringify(`dial ${scheme}: address ${hp}: missing port in address`)}`);
    }
    this.addr = hp.slice(0, colon).replace(/^\[|\]$/g, "");
    this.port = Number(hp.slice(colon + 1));
    if (scheme === "udp") {
      this.udp = dgram.createSocket(net.isIPv6(this.addr) ? "udp6" : "udp4");
      this.udp.on("error", () => undefined);
      this.udp.unref();
    } else {
      this.stream = net.connect({ host: this.addr, port: this.port });
      this.watch(this.stream, `dial tcp ${hp}`, onFatal);
    }
  }

  private watch(s: net.Socket, what: string, onFatal: (msg: string) => void): void {
    let connected = false;
    s.on("connect", () => { connected = true; });
    s.on("error", (e: NodeJS.ErrnoException) => {
      if (!connected) onFatal(`error connecting to syslog: ${JSON.stringify(`${what}: connect: ${describe(e)}`)}`);
    });
    s.unref();
  }

  send(level: Level, msg: string): void {
    const pri = SEVERITY[level];
    const now = new Date();
    const line = this.local
      ? `<${pri}>${stamp(now)} ${this.tag}: ${withNewline(msg)}`
      : `<${pri}>${rfc3339(now)} ${this.host} ${this.tag}: ${withNewline(msg)}`;
    if (this.udp) this.udp.send(line, this.port, this.addr, this.inFlight.start());
    else if (this.stream && !this.stream.destroyed) this.stream.write(line, this.inFlight.start());
  }

  flush(): Promise<void> {
    return this.inFlight.drained();
  }

  close(): void {
    // Called again when winston closes its transports.
    const udp = this.udp;
    this.udp = null;
    udp?.close();
    this.stream?.end();
  }
}

function describe(e: NodeJS.ErrnoException): string {
  if (e.code === "ECONNREFUSED") return "connection refused";
  if (e.code === "ENOENT") return "no such file or directory";
  return e.message;
}

/** syslog: the local syslog daemon, through `logger`. */
export class LocalSyslog implements SyslogSink {
  private readonly child: ChildProcess;

  /** Throws LogSetupError when there is no local syslog socket, as nats-server fails then. */
  constructor(onFatal: (msg: string) => void) {
    const socket = LOCAL_SOCKETS.find((p) => {
      try {
        return statSync(p).isSocket();
      } catch {
        return false;
      }
    });
    if (socket === undefined) throw new LogSetupError(`error connecting to syslog: "Unix syslog delivery error"`);
    this.child = spawn("logger", ["--prio-prefix", `--id=${process.pid}`, "-t", programName(), "-u", socket], {
      stdio: ["pipe", "ignore", "inherit"],
    });
    this.child.on("error", (e) => onFatal(`error connecting to syslog: ${JSON.stringify(`logger: ${e.message}`)}`));
    this.child.stdin?.on("error", () => undefined);
    this.child.unref();
    (this.child.stdin as net.Socket | null)?.unref?.();
  }

  send(level: Level, msg: string): void {
    const pri = LOG_DAEMON | SEVERITY[level];
    // logger takes one entry per line; continuation lines keep the priority.
    const lines = msg.split("\n").filter((l, i, a) => l !== "" || i < a.length - 1);
    this.child.stdin?.write(lines.map((l) => `<${pri}>${l}\n`).join(""));
  }

  /** Ends logger's input and waits (up to a second) for it to send the rest and exit. */
  flush(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 1000);
      this.child.once("exit", () => { clearTimeout(t); resolve(); });
      this.child.stdin?.end();
    });
  }

  close(): void {
    this.child.stdin?.end();
  }
}
