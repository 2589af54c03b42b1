// Loads a config file into typed option overrides: every top-level key nats-server 2.9 reads for
// the features skein-server has, with nats-server's units (durations as "2m" or seconds, sizes in
// bytes) and its error texts. Unknown keys are errors; keys of nats-server features skein-server
// lacks (jetstream, accounts, ...) are warnings, except accounts with users, which would fail open.

import type { OptionOverrides } from "./cli.js";
import { formatGoDuration } from "./duration.js";
import { FieldReader } from "./fields.js";
import { readAuthorization } from "./load-auth.js";
import { readCluster, readListen, readTls } from "./load-cluster.js";
import { mergeOptions, validateOptions, type OptionField } from "./merge.js";
import { parseConfigFile, type ParseOptions } from "./parser.js";
import { defaultOptions } from "../options.js";
import { ConfigError, formatPosition, type ConfigEntry, type ConfigIssue, type ConfigMap, type Position } from "./values.js";

export { mergeOptions, validateOptions } from "./merge.js";

export interface LoadedConfig {
  options: OptionOverrides;
  /** Problems that do not stop the server (nats-server prints them; its `-t` fails on them). */
  warnings: ConfigIssue[];
  /** Where each option was set, for messages about it. */
  positions: Map<OptionField, Position>;
  tree: ConfigMap;
}

const INT32_MAX = 2 ** 31 - 1;
const MIN_LAME_DUCK_MS = 30_000;

/** nats-server features skein-server does not have: accepted, with a warning. */
const UNSUPPORTED = new Set([
  "jetstream", "accounts", "system_account", "no_system_account", "gateway", "leafnodes", "leaf", "websocket",
  "mqtt", "operator", "operators", "resolver", "resolver_preload", "resolver_tls", "resolver_pinned_accounts",
  "trusted", "trusted_keys", "server_tags", "default_js_domain", "ocsp", "ocsp_cache", "prof_port", "http_base_path",
  "connect_error_reports", "reconnect_error_reports", "disable_sublist_cache", "no_sublist_cache",
  "no_header_support", "max_closed_clients", "syslog_name", "nkey", "account_token_position",
]);

type Setter = (r: FieldReader, e: ConfigEntry, o: OptionOverrides, at: Map<OptionField, Position>) => void;

function set<K extends OptionField>(o: OptionOverrides, at: Map<OptionField, Position>, k: K, v: OptionOverrides[K] | undefined, pos: Position): void {
  if (v === undefined) return;
  o[k] = v;
  at.set(k, pos);
}

const int = (k: OptionField, max = Number.MAX_SAFE_INTEGER): Setter => (r, e, o, at) => {
  const v = r.int(e);
  if (v !== undefined && v > max) { r.error(e.keyPos, `${e.key.toLowerCase()} value is too big`); return; }
  set(o, at, k, v as never, e.keyPos);
};
const str = (k: OptionField): Setter => (r, e, o, at) => set(o, at, k, r.str(e) as never, e.keyPos);
const bool = (k: OptionField): Setter => (r, e, o, at) => set(o, at, k, r.bool(e) as never, e.keyPos);
const duration = (k: OptionField): Setter => (r, e, o, at) => set(o, at, k, r.duration(e) as never, e.keyPos);

const listen = (host: "host" | "httpHost", port: "port" | "httpPort" | "httpsPort"): Setter => (r, e, o, at) => {
  const hp = readListen(r, e);
  if (!hp) return;
  set(o, at, host, hp.host === "" && host === "host" ? "0.0.0.0" : hp.host, e.keyPos);
  set(o, at, port, hp.port, e.keyPos);
};

const SETTERS: Record<string, Setter> = {
  listen: listen("host", "port"),
  host: str("host"), net: str("host"),
  port: int("port"),
  server_name: str("serverName"),
  client_advertise: str("clientAdvertise"),
  http: listen("httpHost", "httpPort"),
  https: listen("httpHost", "httpsPort"),
  http_port: int("httpPort"), monitor_port: int("httpPort"),
  https_port: int("httpsPort"),
  no_auth_user: str("noAuthUser"),
  max_connections: int("maxConnections"), max_conn: int("maxConnections"),
  max_control_line: int("maxControlLine", INT32_MAX),
  max_payload: int("maxPayload", INT32_MAX),
  max_pending: int("maxPending"), max_pending_size: int("maxPending"),
  max_subscriptions: int("maxSubscriptions"), max_subs: int("maxSubscriptions"),
  ping_interval: duration("pingInterval"),
  ping_max: int("pingMax"),
  write_deadline: duration("writeDeadline"),
  lame_duck_duration: (r, e, o, at) => {
    const v = r.duration(e);
    if (v === undefined) return;
    if (v < MIN_LAME_DUCK_MS) r.error(e.keyPos, `invalid lame_duck_duration of ${formatGoDuration(v)}, minimum is 30 seconds`);
    else set(o, at, "lameDuckDuration", v, e.keyPos);
  },
  lame_duck_grace_period: (r, e, o, at) => {
    const v = r.duration(e);
    if (v === undefined) return;
    if (v < 0) r.error(e.keyPos, "invalid lame_duck_grace_period, needs to be positive");
    else set(o, at, "lameDuckGracePeriod", v, e.keyPos);
  },
  debug: bool("debug"), trace: bool("trace"), trace_verbose: bool("traceVerbose"), logtime: bool("logtime"),
  log_file: str("logFile"), logfile: str("logFile"),
  log_size_limit: int("logSizeLimit"), logfile_size_limit: int("logSizeLimit"),
  max_traced_msg_len: int("maxTracedMsgLen"),
  pid_file: str("pidFile"), pidfile: str("pidFile"),
  ports_file_dir: str("portsFileDir"),
  syslog: bool("syslog"),
  remote_syslog: str("remoteSyslog"),
  authorization: (r, e, o, at) => {
    const a = readAuthorization(r, e);
    if (!a) return;
    set(o, at, "username", a.username, e.keyPos);
    set(o, at, "password", a.password, e.keyPos);
    set(o, at, "authorization", a.token, e.keyPos);
    set(o, at, "authTimeout", a.timeout, e.keyPos);
    set(o, at, "users", a.users, e.keyPos);
    set(o, at, "defaultPermissions", a.defaultPermissions, e.keyPos);
  },
  tls: (r, e, o, at) => {
    const t = readTls(r, e);
    if (!t) return;
    set(o, at, "tls", true, e.keyPos);
    set(o, at, "tlsCert", t.certFile, e.keyPos);
    set(o, at, "tlsKey", t.keyFile, e.keyPos);
    set(o, at, "tlsCaCert", t.caFile, e.keyPos);
    set(o, at, "tlsVerify", t.verify, e.keyPos);
    set(o, at, "tlsInsecure", t.insecure, e.keyPos);
    set(o, at, "tlsTimeout", t.timeout, e.keyPos);
  },
  cluster: (r, e, o, at) => {
    const c = readCluster(r, e);
    if (c) set(o, at, "cluster", c, e.keyPos);
  },
};

/** Maps a parsed config tree to options, collecting every error and warning. */
export function optionsFromTree(tree: ConfigMap): { options: OptionOverrides; positions: Map<OptionField, Position>; reader: FieldReader } {
  const r = new FieldReader();
  const options: OptionOverrides = {};
  const positions = new Map<OptionField, Position>();
  let users: ConfigEntry | undefined;
  for (const e of tree.values()) {
    const k = e.key.toLowerCase();
    const setter = SETTERS[k];
    if (setter) setter(r, e, options, positions);
    else if (k === "accounts" && (users = accountUser(e)) !== undefined) {
      r.error(users.keyPos, `users in "accounts" are not supported by skein-server: clients would connect without their credentials (define users under "authorization")`);
    } else if (UNSUPPORTED.has(k)) r.warn(e.keyPos, `field "${e.key}" is not supported by skein-server and is ignored`);
    else r.unknown(e);
  }
  return { options, positions, reader: r };
}

/** The first `users` entry of an account: credentials Skein could not enforce. */
function accountUser(e: ConfigEntry): ConfigEntry | undefined {
  if (e.value.kind !== "map") return undefined;
  for (const account of e.value.entries.values()) {
    if (account.value.kind !== "map") continue;
    for (const f of account.value.entries.values()) if (f.key.toLowerCase() === "users") return f;
  }
  return undefined;
}

/**
 * Reads and checks a config file. Throws ConfigError (naming file, line and key of each problem) on
 * syntax errors, unknown keys, wrong types, bad values, and settings that contradict each other
 * (e.g. max_payload larger than max_pending).
 */
export function loadConfigFile(path: string, opts: ParseOptions = {}): LoadedConfig {
  const tree = parseConfigFile(path, opts);
  const { options, positions, reader } = optionsFromTree(tree);
  if (reader.errors.length === 0) {
    const fallback: Position = { file: path, line: 0, column: 1 };
    for (const p of validateOptions(mergeOptions(defaultOptions(), options, {}))) {
      reader.error(positions.get(p.field) ?? fallback, p.message);
    }
  }
  if (reader.errors.length > 0) throw new ConfigError(reader.errors);
  return { options, warnings: reader.warnings, positions, tree };
}

/**
 * What `-t -c FILE` reports: ok, or the problems as printed lines. Like nats-server's check, it
 * fails on the warnings nats-server gives (e.g. a duration written as a bare number).
 */
export function checkConfigFile(path: string, opts: ParseOptions = {}): { ok: boolean; problems: string[] } {
  try {
    const { warnings } = loadConfigFile(path, opts);
    const fatal = warnings.filter((w) => w.failsCheck).map((w) => `${formatPosition(w.pos)}: ${w.reason}`);
    return { ok: fatal.length === 0, problems: fatal };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, problems: e.message.split("\n") };
    throw e;
  }
}
