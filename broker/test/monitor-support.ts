// Shared by the monitor-*.test.ts files: skein in-process with monitoring on a free port, the
// reference nats-server with monitoring (when installed), HTTP helpers, and key-shape comparison.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import { Server } from "../src/server.js";
import { defaultOptions, type ServerOptions } from "../src/options.js";
import type { Logger } from "../src/log.js";
import { NATS_SERVER_BIN } from "./harness/servers.js";

export const HOST = "127.0.0.1";

/** A logger that keeps its lines in memory, so tests can look at them without noise. */
export function quietLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (tag: string) => (m: string) => { lines.push(`${tag} ${m}`); };
  return {
    lines,
    fatal: keep("[FTL]"), error: keep("[ERR]"), warn: keep("[WRN]"), notice: keep("[INF]"),
    info: keep("[INF]"), debug: keep("[DBG]"), trace: keep("[TRC]"), close: () => {},
  };
}

/** A running server with monitoring: its client port and its monitoring base URL. */
export interface Monitored {
  kind: "skein" | "nats-server";
  port: number;
  http: string; // e.g. http://127.0.0.1:8222
  stop(): Promise<void>;
}

export interface SkeinMonitored extends Monitored {
  server: Server;
  log: ReturnType<typeof quietLogger>;
}

export async function startSkein(over: Partial<ServerOptions> = {}): Promise<SkeinMonitored> {
  const log = quietLogger();
  const server = new Server({ ...defaultOptions(), host: HOST, port: 0, httpHost: HOST, httpPort: -1, ...over }, log);
  await server.start();
  const m = server.monitor;
  if (m === null) throw new Error("monitoring did not start");
  return {
    kind: "skein",
    server,
    log,
    port: server.port,
    http: `${m.protocol}://${HOST}:${m.port}`,
    stop: () => server.shutdown(),
  };
}

export const natsServerSkip = NATS_SERVER_BIN ? false : "nats-server is not installed; the comparison with it is skipped";

/** nats-server 2.9 with `http: 127.0.0.1:-1` plus the given config lines. */
export async function startNatsServer(extraConfig = ""): Promise<Monitored> {
  if (!NATS_SERVER_BIN) throw new Error("nats-server is not installed");
  const dir = mkdtempSync(join(tmpdir(), "skein-monitor-nats-"));
  const conf = join(dir, "nats.conf");
  writeFileSync(conf, `host: "${HOST}"\nport: -1\nhttp: "${HOST}:-1"\nports_file_dir: "${dir}"\n${extraConfig}\n`);
  const child = spawn(NATS_SERVER_BIN, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => { log = (log + d.toString()).slice(-4000); });
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
      const f = readdirSync(dir).find((n) => n.endsWith(".ports"));
      if (f === undefined) return undefined;
      try {
        return JSON.parse(readFileSync(join(dir, f), "utf8")) as { nats: string[]; monitoring: string[] };
      } catch {
        return undefined; // written but not complete yet
      }
    }, 10_000, "nats-server ports file");
    const port = Number(new URL(ports.nats[0] ?? "").port);
    const http = ports.monitoring[0] ?? "";
    await waitFor(async () => (await fetch(`${http}/healthz`).then((r) => r.ok, () => false)) || undefined, 10_000, "nats-server monitor");
    return { kind: "nats-server", port, http, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const t = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => { clearTimeout(t); res(); });
    child.kill("SIGTERM");
  });
}

/** Polls until fn gives a value (not undefined), or fails after `ms` naming what it waited for. */
export async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface HttpReply {
  status: number;
  type: string;
  text: string;
}

export async function get(base: string, path: string): Promise<HttpReply> {
  const r = await fetch(`${base}${path}`);
  return { status: r.status, type: r.headers.get("content-type") ?? "", text: await r.text() };
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export async function getJson(base: string, path: string): Promise<{ [k: string]: Json }> {
  const r = await get(base, path);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text}`);
  return JSON.parse(r.text) as { [k: string]: Json };
}

export function nats(m: Monitored, opts: Partial<NodeConnectionOptions> = {}): Promise<NatsConnection> {
  return connect({ servers: `${HOST}:${m.port}`, reconnect: false, ...opts });
}

/**
 * The key structure of a JSON value: objects become their keys in order (each with the shape of
 * its value), arrays the distinct shapes of their elements (sorted), scalars their JSON type.
 */
export function shape(v: Json): Json {
  if (Array.isArray(v)) {
    const distinct = new Set(v.map((x) => JSON.stringify(shape(x))));
    return [...distinct].sort().map((t) => JSON.parse(t) as Json);
  }
  if (v !== null && typeof v === "object") {
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) out[k] = shape(x);
    return out;
  }
  return v === null ? "null" : typeof v;
}

/** The objects in a list of connections or subscriptions, as a helper for typed access. */
export function list(v: Json | undefined): { [k: string]: Json }[] {
  if (!Array.isArray(v)) throw new Error(`expected an array, got ${JSON.stringify(v)}`);
  return v as { [k: string]: Json }[];
}
