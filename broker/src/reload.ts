// Config reload (SIGHUP), as nats-server 2.9 does it: read the config file again, put the command-line
// flags over it, compare with the running options field by field in nats-server's Options order, and
// - refuse the whole reload at the first setting that cannot change at run time, logging
//   `Failed to reload server configuration: config reload not supported for <Field>: old=<v>, new=<v>`
//   (Go field names and %v values), and keep running on the old options;
// - otherwise log `Reloaded: <setting> ...` for each change, apply them (auth re-checks connected
//   clients, TLS, limits, pings, logging, pid and ports files) without dropping clients, and log
//   `Reloaded server configuration`.
// Errors in the new file are logged the same way and change nothing.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { OptionOverrides } from "./config/cli.js";
import { formatGoDuration } from "./config/duration.js";
import { optionsFromTree } from "./config/load.js";
import { mergeOptions, validateOptions } from "./config/merge.js";
import { parseConfigFile } from "./config/parser.js";
import { ConfigError } from "./config/values.js";
import { logOptionsOf, LogSetupError, type ServerLogger } from "./log.js";
import { defaultOptions, type ClusterOptions, type ServerOptions } from "./options.js";
import { removePortsFile, writePidFile } from "./process-files.js";
import { ERR, CloseReason } from "./protocol/protocol-text.js";
import type { Server } from "./server.js";

export interface ReloadContext {
  server: Server;
  log: ServerLogger;
  /** The -c file; reload needs one. */
  configFile: string | undefined;
  /** The command-line flags, which win over the file on every reload. */
  flags: OptionOverrides;
  /** Writes the ports file for the given directory (main knows the listeners). */
  writePorts(dir: string): void;
  /** A logging destination that cannot be opened is fatal, as in nats-server. */
  fatal(msg: string): never;
}

/** A setting that cannot change while the server runs. */
class NotReloadable extends Error {}

/** One change to apply: its notice and what it does besides the options swap. */
interface Change {
  notice?: string;
  apply?: () => void;
  logging?: boolean;
}

const FAILED = "Failed to reload server configuration: ";

/** Reads the config file and applies it; logs the outcome. Returns true when it was applied. */
export function reloadConfig(ctx: ReloadContext): boolean {
  const { server, log } = ctx;
  if (ctx.configFile === undefined) {
    log.error(`${FAILED}can only reload config when a file is provided using -c or --config`);
    return false;
  }
  let next: ServerOptions;
  let changes: Change[];
  try {
    next = readOptions(ctx.configFile, ctx.flags, server);
    // As nats-server, compare against the port actually bound (a random port shows as itself).
    changes = diffOptions({ ...server.opts, port: server.port }, next, ctx);
    const problem = validateOptions(next)[0];
    if (problem !== undefined) throw new Error(problem.message);
    server.applyOptions(next);
  } catch (e) {
    log.error(`${FAILED}${(e as Error).message}`);
    return false;
  }
  let relog = false;
  for (const c of changes) {
    if (c.notice !== undefined) log.info(c.notice);
    c.apply?.();
    relog ||= c.logging === true;
  }
  if (relog) {
    try {
      log.configure(logOptionsOf(next, (m) => ctx.fatal(m)));
    } catch (e) {
      if (e instanceof LogSetupError) ctx.fatal(e.message);
      throw e;
    }
  }
  log.info("Reloaded server configuration");
  return true;
}

/** The file's options under the flags, as nats-server merges them on reload. */
function readOptions(file: string, flags: OptionOverrides, server: Server): ServerOptions {
  const { options, reader } = optionsFromTree(parseConfigFile(file));
  if (reader.errors.length > 0) throw new ConfigError(reader.errors);
  const next = mergeOptions(defaultOptions(), options, flags);
  // A random port (0 or -1) keeps the port the server listens on.
  if (next.port <= 0) next.port = server.port;
  if (next.cluster.port === -1) next.cluster.port = server.opts.cluster.port;
  return next;
}

function refuse(field: string, oldV: unknown, newV: unknown): never {
  throw new NotReloadable(`config reload not supported for ${field}: old=${goValue(oldV)}, new=${goValue(newV)}`);
}

function goValue(v: unknown): string {
  return typeof v === "string" ? v : String(v);
}

const dur = formatGoDuration;
const secs = (ms: number): string => String(ms / 1000);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Changes in nats-server's Options field order; throws NotReloadable at the first refused one. */
function diffOptions(o: ServerOptions, n: ServerOptions, ctx: ReloadContext): Change[] {
  const out: Change[] = [];
  const fixed = <K extends keyof ServerOptions>(k: K, field: string, show: (v: ServerOptions[K]) => unknown = (v) => v): void => {
    if (!same(o[k], n[k])) refuse(field, show(o[k]), show(n[k]));
  };
  const changed = (k: keyof ServerOptions): boolean => !same(o[k], n[k]);
  const logChange = (k: keyof ServerOptions, name: string): void => {
    if (changed(k)) out.push({ notice: `Reloaded: ${name} = ${goValue(n[k])}`, logging: true });
  };

  fixed("serverName", "ServerName");
  fixed("host", "Host");
  fixed("port", "Port");
  if (changed("clientAdvertise")) out.push({ notice: `Reload: client_advertise = ${n.clientAdvertise}` });
  logChange("trace", "trace");
  logChange("debug", "debug");
  logChange("traceVerbose", "trace_verbose");
  logChange("logtime", "logtime");
  if (changed("maxConnections")) out.push({ apply: () => closeOverLimit(ctx.server, n.maxConnections) });
  fixed("maxSubscriptions", "MaxSubs");
  // nats-server always finds users and accounts changed (they hold run-time state).
  out.push({ notice: "Reloaded: authorization users" }, { notice: "Reloaded: accounts" });
  if (changed("noAuthUser")) {
    const stillUser = n.users.some((u) => u.username === o.noAuthUser);
    if (!(o.noAuthUser !== "" && n.noAuthUser === "" && !stillUser)) refuse("NoAuthUser", o.noAuthUser, n.noAuthUser);
  }
  if (changed("username")) out.push({ notice: "Reloaded: authorization username" });
  if (changed("password")) out.push({ notice: "Reloaded: authorization password" });
  if (changed("authorization")) out.push({ notice: "Reloaded: authorization token" });
  if (changed("pingInterval")) out.push({ notice: `Reloaded: ping_interval = ${dur(n.pingInterval)}` });
  if (changed("pingMax")) out.push({ notice: `Reloaded: ping_max = ${n.pingMax}` });
  fixed("httpHost", "HTTPHost");
  fixed("httpPort", "HTTPPort");
  fixed("httpsPort", "HTTPSPort");
  if (changed("authTimeout")) out.push({ notice: `Reloaded: authorization timeout = ${secs(n.authTimeout)}` });
  if (changed("maxControlLine")) out.push({ notice: `Reloaded: max_control_line = ${n.maxControlLine}` });
  if (changed("maxPayload")) out.push({ notice: `Reloaded: max_payload = ${n.maxPayload}` });
  fixed("maxPending", "MaxPending");
  diffCluster(o.cluster, n.cluster, out);
  if (changed("pidFile") && n.pidFile !== "") {
    out.push({
      apply: () => {
        try {
          writePidFile(n.pidFile);
        } catch (e) {
          ctx.log.error(`Failed to write pidfile: ${(e as Error).message.replace(/^Could not write pidfile: /, "")}`);
        }
        ctx.log.info(`Reloaded: pid_file = ${n.pidFile}`);
      },
    });
  }
  if (changed("portsFileDir")) {
    out.push({
      apply: () => {
        // nats-server removes the file from the old directory, or, when there was none, from the new one.
        const err = removePortsFile(o.portsFileDir || n.portsFileDir);
        if (err !== null) ctx.log.error(err);
        if (n.portsFileDir !== "") ctx.writePorts(n.portsFileDir);
        ctx.log.info(`Reloaded: ports_file_dir = ${n.portsFileDir}`);
      },
    });
  }
  logChange("logFile", "log_file");
  fixed("logSizeLimit", "LogSizeLimit");
  logChange("syslog", "syslog");
  logChange("remoteSyslog", "remote_syslog");
  if (!same(o.cluster.routes, n.cluster.routes)) {
    out.push({
      apply: () => {
        ctx.server.cluster?.reloadRoutes(o.cluster.routes, n.cluster.routes);
        ctx.log.info("Reloaded: cluster routes");
      },
    });
  }
  if (changed("tlsTimeout")) out.push({ notice: `Reloaded: tls timeout = ${secs(n.tlsTimeout)}` });
  if (tlsIdentity(o) !== tlsIdentity(n)) out.push({ notice: `Reloaded: tls = ${n.tls ? "enabled" : "disabled"}` });
  if (changed("writeDeadline")) out.push({ notice: `Reloaded: write_deadline = ${dur(n.writeDeadline)}` });
  fixed("lameDuckDuration", "LameDuckDuration", dur);
  fixed("lameDuckGracePeriod", "LameDuckGracePeriod", dur);
  if (changed("maxTracedMsgLen")) out.push({ notice: `Reloaded: max_traced_msg_len = ${n.maxTracedMsgLen}` });
  return out;
}

/** Cluster: host and port are fixed; any other change (routes aside) is "Reloaded: cluster". */
function diffCluster(o: ClusterOptions, n: ClusterOptions, out: Change[]): void {
  if (o.host !== n.host) throw new NotReloadable(`config reload not supported for cluster host: old=${o.host}, new=${n.host}`);
  if (o.port !== n.port) throw new NotReloadable(`config reload not supported for cluster port: old=${o.port}, new=${n.port}`);
  const { routes: _or, ...oRest } = o;
  const { routes: _nr, ...nRest } = n;
  if (same(oRest, nRest)) return;
  if (n.name !== "" && n.name !== o.name) out.push({ notice: `Cluster name updated to ${n.name}` });
  out.push({ notice: "Reloaded: cluster" });
}

/** What makes the TLS setup differ: the settings and the contents of the files they name (a
 * certificate replaced in place is a TLS change, as nats-server compares the loaded certificates). */
function tlsIdentity(o: ServerOptions): string {
  if (!o.tls) return "off";
  const h = createHash("sha256");
  h.update(JSON.stringify([o.tlsVerify, o.tlsInsecure, o.tlsCert, o.tlsKey, o.tlsCaCert]));
  for (const f of [o.tlsCert, o.tlsKey, o.tlsCaCert]) {
    if (f === "") continue;
    try {
      h.update(readFileSync(f));
    } catch {
      h.update(`unreadable:${f}`);
    }
  }
  return h.digest("hex");
}

/** max_connections lowered: close clients until within it, as nats-server does. */
function closeOverLimit(server: Server, max: number): void {
  const clients = [...server.clients.values()].filter((c) => !c.closed);
  if (max > 0 && clients.length > max) {
    const excess = clients.length - max;
    for (const c of clients.slice(0, excess)) {
      c.sendErr(ERR.MAX_CONNECTIONS);
      server.log.error(`${c.tag()} - ${ERR.MAX_CONNECTIONS}`);
      c.close(CloseReason.MAX_CONNECTIONS);
    }
    server.log.info(`Closed ${excess} connections to fall within max_connections`);
  }
  server.log.info(`Reloaded: max_connections = ${max}`);
}
