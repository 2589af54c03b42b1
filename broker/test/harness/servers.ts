// Starts the server under test: skein (in-process, or as a child process) or the reference
// nats-server 2.9 (always a child process, configured through a temporary config file).
// Durations are in milliseconds and sizes in bytes, as in broker/src/options.ts.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export type ServerKind = "skein" | "nats-server";
export const SERVER_KINDS: readonly ServerKind[] = ["nats-server", "skein"];

export interface TestServerOptions {
  port?: number; // a fixed port; default: a free one
  maxPayload?: number;
  maxControlLine?: number;
  maxConnections?: number;
  maxSubscriptions?: number;
  maxPending?: number;
  pingInterval?: number;
  pingMax?: number;
  writeDeadline?: number;
  user?: string;
  pass?: string;
  token?: string;
  authTimeout?: number;
  serverName?: string;
  clientAdvertise?: string;
  httpPort?: number; // monitoring port on 127.0.0.1 (a fixed one: use freePort())
}

export interface RunningServer {
  kind: ServerKind;
  host: string;
  port: number;
  url: string; // nats://host:port
  stop(): Promise<void>;
  /** The last lines the server logged, for failure messages. */
  log(): string;
}

const HOST = "127.0.0.1";
const BROKER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SKEIN_SERVER_TS = join(BROKER_DIR, "src/server.ts");
const SKEIN_OPTIONS_TS = join(BROKER_DIR, "src/options.ts");
const SKEIN_MAIN_TS = join(BROKER_DIR, "src/main.ts");
const SKEIN_MAIN_JS = join(BROKER_DIR, "dist/main.js");

function findOnPath(name: string): string | undefined {
  const dirs = (process.env["PATH"] ?? "").split(delimiter).concat(["/usr/bin", "/usr/sbin"]);
  for (const d of dirs) {
    const p = join(d, name);
    if (d && existsSync(p)) return p;
  }
  return undefined;
}

function natsServerBin(): string | undefined {
  const fromEnv = process.env["NATS_SERVER_BIN"]; // set it to a path that does not exist to skip
  if (fromEnv !== undefined) return existsSync(fromEnv) ? fromEnv : undefined;
  return findOnPath("nats-server");
}

export const NATS_SERVER_BIN: string | undefined = natsServerBin();

/** Why the given kind cannot run here, or undefined when it can. */
export function skipReason(kind: ServerKind, childProcess = false): string | undefined {
  if (kind === "nats-server") {
    return NATS_SERVER_BIN ? undefined : "nats-server is not installed (apt-get install nats-server)";
  }
  if (childProcess) {
    return existsSync(SKEIN_MAIN_TS) ? undefined : "broker/src/main.ts does not exist yet";
  }
  return existsSync(SKEIN_SERVER_TS) ? undefined : "broker/src/server.ts does not exist yet";
}

export async function startServer(kind: ServerKind, opts: TestServerOptions = {}): Promise<RunningServer> {
  return kind === "nats-server" ? startNatsServer(opts) : startSkeinInProcess(opts);
}

// ---- skein, in-process ----------------------------------------------------------------------

interface SkeinServerInstance {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  readonly port: number;
}
type SkeinServerCtor = new (opts: Record<string, unknown>, log: QuietLog) => SkeinServerInstance;

/** A logger for the in-process server that keeps its last lines instead of printing them. */
class QuietLog {
  private lines: string[] = [];
  private keep(level: string, msg: string): void {
    this.lines.push(`[${level}] ${msg}`);
    if (this.lines.length > 200) this.lines.splice(0, 100);
  }
  fatal(msg: string): void {
    this.keep("FTL", msg);
  }
  error(msg: string): void {
    this.keep("ERR", msg);
  }
  warn(msg: string): void {
    this.keep("WRN", msg);
  }
  notice(msg: string): void {
    this.keep("INF", msg);
  }
  info(msg: string): void {
    this.keep("INF", msg);
  }
  debug(msg: string): void {
    this.keep("DBG", msg);
  }
  trace(msg: string): void {
    this.keep("TRC", msg);
  }
  close(): void {}
  text(): string {
    return this.lines.slice(-40).join("\n");
  }
}

async function loadSkein(): Promise<{ Server: SkeinServerCtor; defaults: Record<string, unknown> }> {
  // Loaded by path so that this harness type-checks before broker/src/server.ts exists.
  const serverMod: Record<string, unknown> = await import(pathToFileURL(SKEIN_SERVER_TS).href);
  const optionsMod: Record<string, unknown> = await import(pathToFileURL(SKEIN_OPTIONS_TS).href);
  const Server = serverMod["Server"];
  const defaultOptions = optionsMod["defaultOptions"];
  if (typeof Server !== "function" || typeof defaultOptions !== "function") {
    throw new Error("broker/src/server.ts must export class Server and options.ts defaultOptions()");
  }
  return { Server: Server as SkeinServerCtor, defaults: (defaultOptions as () => Record<string, unknown>)() };
}

function skeinOverrides(opts: TestServerOptions): Record<string, unknown> {
  const o: Record<string, unknown> = { host: HOST, port: opts.port ?? 0 };
  if (opts.maxPayload !== undefined) o["maxPayload"] = opts.maxPayload;
  if (opts.maxControlLine !== undefined) o["maxControlLine"] = opts.maxControlLine;
  if (opts.maxConnections !== undefined) o["maxConnections"] = opts.maxConnections;
  if (opts.maxSubscriptions !== undefined) o["maxSubscriptions"] = opts.maxSubscriptions;
  if (opts.maxPending !== undefined) o["maxPending"] = opts.maxPending;
  if (opts.pingInterval !== undefined) o["pingInterval"] = opts.pingInterval;
  if (opts.pingMax !== undefined) o["pingMax"] = opts.pingMax;
  if (opts.writeDeadline !== undefined) o["writeDeadline"] = opts.writeDeadline;
  if (opts.user !== undefined) o["username"] = opts.user;
  if (opts.pass !== undefined) o["password"] = opts.pass;
  if (opts.token !== undefined) o["authorization"] = opts.token;
  if (opts.authTimeout !== undefined) o["authTimeout"] = opts.authTimeout;
  if (opts.serverName !== undefined) o["serverName"] = opts.serverName;
  if (opts.clientAdvertise !== undefined) o["clientAdvertise"] = opts.clientAdvertise;
  if (opts.httpPort !== undefined) {
    o["httpHost"] = HOST;
    o["httpPort"] = opts.httpPort;
  }
  return o;
}

async function startSkeinInProcess(opts: TestServerOptions): Promise<RunningServer> {
  const { Server, defaults } = await loadSkein();
  const log = new QuietLog();
  const server = new Server({ ...defaults, ...skeinOverrides(opts) }, log);
  await server.start();
  const port = server.port;
  return {
    kind: "skein",
    host: HOST,
    port,
    url: `nats://${HOST}:${port}`,
    stop: () => server.shutdown(),
    log: () => log.text(),
  };
}

// ---- nats-server ----------------------------------------------------------------------------

function seconds(ms: number): string {
  return `${ms / 1000}`;
}

/** The nats-server config file for the given options (durations as Go duration strings). */
export function natsServerConfig(opts: TestServerOptions, portsDir: string): string {
  const lines = [`host: "${HOST}"`, `port: ${opts.port ?? -1}`, `ports_file_dir: "${portsDir}"`];
  if (opts.maxPayload !== undefined) lines.push(`max_payload: ${opts.maxPayload}`);
  if (opts.maxControlLine !== undefined) lines.push(`max_control_line: ${opts.maxControlLine}`);
  if (opts.maxConnections !== undefined) lines.push(`max_connections: ${opts.maxConnections}`);
  if (opts.maxSubscriptions !== undefined) lines.push(`max_subscriptions: ${opts.maxSubscriptions}`);
  if (opts.maxPending !== undefined) lines.push(`max_pending: ${opts.maxPending}`);
  if (opts.pingInterval !== undefined) lines.push(`ping_interval: "${opts.pingInterval}ms"`);
  if (opts.pingMax !== undefined) lines.push(`ping_max: ${opts.pingMax}`);
  if (opts.writeDeadline !== undefined) lines.push(`write_deadline: "${opts.writeDeadline}ms"`);
  if (opts.serverName !== undefined) lines.push(`server_name: "${opts.serverName}"`);
  if (opts.clientAdvertise !== undefined) lines.push(`client_advertise: "${opts.clientAdvertise}"`);
  if (opts.httpPort !== undefined) lines.push(`http: "${HOST}:${opts.httpPort}"`);
  const auth: string[] = [];
  if (opts.user !== undefined) auth.push(`user: "${opts.user}"`);
  if (opts.pass !== undefined) auth.push(`password: "${opts.pass}"`);
  if (opts.token !== undefined) auth.push(`token: "${opts.token}"`);
  if (opts.authTimeout !== undefined) auth.push(`timeout: ${seconds(opts.authTimeout)}`);
  if (auth.length > 0) lines.push(`authorization {\n  ${auth.join("\n  ")}\n}`);
  return lines.join("\n") + "\n";
}

async function startNatsServer(opts: TestServerOptions): Promise<RunningServer> {
  if (!NATS_SERVER_BIN) throw new Error("nats-server is not installed");
  const dir = mkdtempSync(join(tmpdir(), "skein-test-nats-"));
  const conf = join(dir, "nats.conf");
  writeFileSync(conf, natsServerConfig(opts, dir));
  const child = spawn(NATS_SERVER_BIN, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  tempDirs.add(dir);
  const cleanup = () => {
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  };
  const log = collectLog(child);
  try {
    const port = opts.port ?? (await waitForPortsFile(dir, child, log));
    await waitForListening(HOST, port, child, log);
    return {
      kind: "nats-server",
      host: HOST,
      port,
      url: `nats://${HOST}:${port}`,
      stop: async () => {
        await stopChild(child);
        cleanup();
      },
      log,
    };
  } catch (err) {
    await stopChild(child);
    cleanup();
    throw err;
  }
}

async function waitForPortsFile(dir: string, child: ChildProcess, log: () => string): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}): ${log()}`);
    const file = readdirSync(dir).find((f) => f.endsWith(".ports"));
    if (file) {
      const text = readFileSync(join(dir, file), "utf8");
      const m = /nats:\/\/[^"]*:(\d+)/.exec(text);
      if (m?.[1]) return Number(m[1]);
    }
    await sleep(5);
  }
  throw new Error(`nats-server wrote no ports file within 10 s: ${log()}`);
}

// ---- skein as a child process (for restarts) -----------------------------------------------

export interface ChildServerOptions {
  port: number;
  user?: string;
  pass?: string;
  token?: string;
}

/** Starts a server as a child process from its CLI flags on a fixed port (both kinds). */
export async function startChildServer(kind: ServerKind, opts: ChildServerOptions): Promise<RunningServer> {
  const flags = ["-a", HOST, "-p", String(opts.port)];
  if (opts.user !== undefined) flags.push("--user", opts.user);
  if (opts.pass !== undefined) flags.push("--pass", opts.pass);
  if (opts.token !== undefined) flags.push("--auth", opts.token);
  let child: ChildProcess;
  if (kind === "nats-server") {
    if (!NATS_SERVER_BIN) throw new Error("nats-server is not installed");
    child = spawn(NATS_SERVER_BIN, flags, { stdio: ["ignore", "ignore", "pipe"] });
  } else {
    const args = skeinDistIsFresh() ? [SKEIN_MAIN_JS] : ["--import", "tsx", SKEIN_MAIN_TS];
    child = spawn(process.execPath, [...args, ...flags], { stdio: ["ignore", "ignore", "pipe"] });
  }
  const log = collectLog(child);
  try {
    await waitForListening(HOST, opts.port, child, log);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return {
    kind,
    host: HOST,
    port: opts.port,
    url: `nats://${HOST}:${opts.port}`,
    stop: () => stopChild(child),
    log,
  };
}

/**
 * True when broker/dist/main.js was built after the last change under broker/src: then the child
 * runs the built file (fast to start); otherwise it runs the sources through tsx.
 */
function skeinDistIsFresh(): boolean {
  const built = statSync(SKEIN_MAIN_JS, { throwIfNoEntry: false });
  if (!built) return false;
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : e.name.endsWith(".ts") ? statSync(p).mtimeMs : 0);
    }
    return t;
  };
  return built.mtimeMs >= newest(join(BROKER_DIR, "src"));
}

// ---- shared helpers ----------------------------------------------------------------------------

// Children die with the test process, even when a test fails before stopping its server.
const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
function killChildren(): void {
  for (const c of children) c.kill("SIGKILL");
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}
process.once("exit", killChildren);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(sig, () => {
    killChildren();
    process.kill(process.pid, sig); // the default action, now that this handler is gone
  });
}

function collectLog(child: ChildProcess): () => string {
  children.add(child);
  child.once("exit", () => children.delete(child));
  let text = "";
  child.stderr?.on("data", (d: Buffer) => {
    text = (text + d.toString()).slice(-4000);
  });
  return () => text;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({ host, port });
    s.once("connect", () => {
      s.destroy();
      res(true);
    });
    s.once("error", () => res(false));
  });
}

async function waitForListening(host: string, port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before listening: ${log()}`);
    if (await canConnect(host, port)) return;
    await sleep(5);
  }
  throw new Error(`server did not listen on ${host}:${port} within 15 s: ${log()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      res();
    });
    child.kill("SIGTERM");
  });
}

/** A port that was free a moment ago (for servers that must come back on the same port). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}
