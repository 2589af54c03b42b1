// The command-line flag parser of skein-server. It takes every flag nats-server 2.9 documents, with
// Go's `flag` package syntax (-p 4222, -p=4222, --port 4222; booleans as -D or -D=false), and turns
// them into option overrides that win over the config file.

import type { ClusterOptions, ServerOptions } from "../options.js";
import { applyClusterUrl, parseRouteList } from "./urls.js";

/** Options set by flags or the config file. Cluster settings are partial so they merge field by field. */
export type OptionOverrides = Partial<Omit<ServerOptions, "cluster">> & { cluster?: Partial<ClusterOptions> };

export interface SignalRequest {
  command: SignalCommand;
  pid?: string; // a pid, or a path to a pid file
}

export const SIGNAL_COMMANDS = ["stop", "quit", "term", "reopen", "reload", "ldm"] as const;
export type SignalCommand = (typeof SIGNAL_COMMANDS)[number];

export interface CommandLine {
  configFile?: string;
  checkConfig: boolean;
  showVersion: boolean;
  showHelp: boolean;
  showTlsHelp: boolean;
  signal?: SignalRequest;
  overrides: OptionOverrides;
  /** Flags nats-server accepts that skein-server takes but does not act on (e.g. -js). */
  warnings: string[];
}

/** A bad command line. The message is one sentence, in the words Go's flag package uses. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const USAGE = `
Usage: skein-server [options]

Server options:
    -a, --addr, --net <host>         Host address to listen on for clients (default: 0.0.0.0)
    -p, --port <port>                Client port (default: 4222)
    -n, --name
        --server_name <server_name>  Name of this server (default: its id)
    -P, --pid <file>                 Write the process id to this file
    -m, --http_port <port>           Port for HTTP monitoring
    -ms,--https_port <port>          Port for HTTPS monitoring
    -c, --config <file>              Configuration file
    -t                               Check the configuration file and exit
    -sl,--signal <signal>[=<pid>]    Send a signal to a running server (ldm, stop, quit, term, reopen, reload)
                                     <pid> is a process id (e.g. 1) or a pid file (e.g. /var/run/skein.pid)
        --client_advertise <string>  Client URL advertised to other servers
        --ports_file_dir <dir>       Write a ports file (<executable_name>_<pid>.ports) in this directory

Logging options:
    -l, --log <file>                 Write the log to this file
    -T, --logtime                    Put a timestamp on each log line (default: true)
    -s, --syslog                     Log to syslog
    -r, --remote_syslog <addr>       Remote syslog address (udp://localhost:514)
    -D, --debug                      Log debug output
    -V, --trace                      Trace the raw protocol
    -VV                              Verbose trace (the system account too)
    -DV                              Debug and trace
    -DVV                             Debug and verbose trace
        --log_size_limit <limit>     Rotate the log file at this size in bytes (default: no limit)
        --max_traced_msg_len <len>   Longest message payload shown in traces (default: no limit)

JetStream options (accepted, not supported by skein-server):
    -js, --jetstream                 Enable JetStream
    -sd, --store_dir <dir>           JetStream storage directory

Authorization options:
        --user <user>                User that clients must present
        --pass <password>            Password that clients must present
        --auth <token>               Token that clients must present

TLS options:
        --tls                        Enable TLS without verifying clients (default: false)
        --tlscert <file>             Server certificate
        --tlskey <file>              Private key of the server certificate
        --tlsverify                  Enable TLS and verify client certificates
        --tlscacert <file>           CA that client certificates must chain to

Cluster options:
        --routes <rurl-1, rurl-2>    Routes to solicit and connect to
        --cluster <cluster-url>      Cluster URL to listen on for routes
        --cluster_name <string>      Name of the cluster (default: generated)
        --no_advertise <bool>        Do not tell clients about other cluster members
        --cluster_advertise <string> Cluster URL advertised to other servers
        --connect_retries <number>   Connect retries for implicit routes
        --cluster_listen <url>       Cluster URL to listen on for routes (same as --cluster)

Profiling options:
        --profile <port>             Profiling HTTP port (accepted, not supported)

Common options:
    -h, --help                       Show this message
    -v, --version                    Show the version
        --help_tls                   Show TLS help
`;

/** What `--help_tls` prints: the tls block of a config file. */
export const TLS_HELP = `
TLS is configured in the tls block of a configuration file, for example:

    tls {
        cert_file: "./certs/server-cert.pem"
        key_file:  "./certs/server-key.pem"
        ca_file:   "./certs/ca.pem"     # CA that client certificates must chain to
        verify:    true                 # ask clients for a certificate and verify it
        timeout:   2                    # seconds (or a duration such as "500ms") for the handshake
    }

The same block inside cluster { ... } secures routes. The flags --tls, --tlscert, --tlskey,
--tlsverify and --tlscacert replace the file's client TLS settings.
`;

type FlagKind = "bool" | "string" | "int";

interface FlagState {
  cl: CommandLine;
  tlsFlags: Map<string, string | boolean>;
  clusterUrl?: string;
}

interface FlagSpec {
  names: readonly string[];
  kind: FlagKind;
  apply(st: FlagState, value: string | number | boolean, name: string): void;
}

const o = (st: FlagState): OptionOverrides => st.cl.overrides;
const cluster = (st: FlagState): Partial<ClusterOptions> => (st.cl.overrides.cluster ??= {});
const str = (v: string | number | boolean): string => String(v);
const num = (v: string | number | boolean): number => Number(v);
const bool = (v: string | number | boolean): boolean => v === true;
const unsupported = (st: FlagState, name: string): void => {
  st.cl.warnings.push(`flag -${name} is accepted for compatibility with nats-server but skein-server ignores it`);
};

const FLAGS: readonly FlagSpec[] = [
  { names: ["a", "addr", "net"], kind: "string", apply: (st, v) => { o(st).host = str(v); } },
  { names: ["p", "port"], kind: "int", apply: (st, v) => { o(st).port = num(v); } },
  { names: ["n", "name", "server_name"], kind: "string", apply: (st, v) => { o(st).serverName = str(v); } },
  { names: ["P", "pid"], kind: "string", apply: (st, v) => { o(st).pidFile = str(v); } },
  { names: ["m", "http_port"], kind: "int", apply: (st, v) => { o(st).httpPort = num(v); } },
  { names: ["ms", "https_port"], kind: "int", apply: (st, v) => { o(st).httpsPort = num(v); } },
  { names: ["c", "config"], kind: "string", apply: (st, v) => { st.cl.configFile = str(v); } },
  { names: ["t"], kind: "bool", apply: (st, v) => { st.cl.checkConfig = bool(v); } },
  { names: ["sl", "signal"], kind: "string", apply: (st, v) => { st.cl.signal = parseSignal(str(v)); } },
  { names: ["client_advertise"], kind: "string", apply: (st, v) => { o(st).clientAdvertise = str(v); } },
  { names: ["ports_file_dir"], kind: "string", apply: (st, v) => { o(st).portsFileDir = str(v); } },
  { names: ["l", "log"], kind: "string", apply: (st, v) => { o(st).logFile = str(v); } },
  { names: ["T", "logtime"], kind: "bool", apply: (st, v) => { o(st).logtime = bool(v); } },
  { names: ["s", "syslog"], kind: "bool", apply: (st, v) => { o(st).syslog = bool(v); } },
  { names: ["r", "remote_syslog"], kind: "string", apply: (st, v) => { o(st).remoteSyslog = str(v); } },
  { names: ["D", "debug"], kind: "bool", apply: (st, v) => { o(st).debug = bool(v); } },
  { names: ["V", "trace"], kind: "bool", apply: (st, v) => { o(st).trace = bool(v); } },
  { names: ["VV"], kind: "bool", apply: (st, v) => { o(st).trace = bool(v); o(st).traceVerbose = bool(v); } },
  { names: ["DV"], kind: "bool", apply: (st, v) => { o(st).debug = bool(v); o(st).trace = bool(v); } },
  {
    names: ["DVV"], kind: "bool",
    apply: (st, v) => { o(st).debug = bool(v); o(st).trace = bool(v); o(st).traceVerbose = bool(v); },
  },
  { names: ["log_size_limit"], kind: "int", apply: (st, v) => { o(st).logSizeLimit = num(v); } },
  { names: ["max_traced_msg_len"], kind: "int", apply: (st, v) => { o(st).maxTracedMsgLen = num(v); } },
  { names: ["js", "jetstream"], kind: "bool", apply: (st, _v, n) => unsupported(st, n) },
  { names: ["sd", "store_dir"], kind: "string", apply: (st, _v, n) => unsupported(st, n) },
  { names: ["user"], kind: "string", apply: (st, v) => { o(st).username = str(v); } },
  { names: ["pass"], kind: "string", apply: (st, v) => { o(st).password = str(v); } },
  { names: ["auth"], kind: "string", apply: (st, v) => { o(st).authorization = str(v); } },
  { names: ["tls", "tlsverify"], kind: "bool", apply: (st, v, n) => { st.tlsFlags.set(n, bool(v)); } },
  { names: ["tlscert", "tlskey", "tlscacert"], kind: "string", apply: (st, v, n) => { st.tlsFlags.set(n, str(v)); } },
  { names: ["routes"], kind: "string", apply: (st, v) => { cluster(st).routes = parseRoutesFlag(str(v)); } },
  { names: ["cluster", "cluster_listen"], kind: "string", apply: (st, v) => { st.clusterUrl = str(v); } },
  { names: ["cluster_name"], kind: "string", apply: (st, v) => { cluster(st).name = str(v); } },
  { names: ["no_advertise"], kind: "bool", apply: (st, v) => { cluster(st).noAdvertise = bool(v); } },
  { names: ["cluster_advertise"], kind: "string", apply: (st, v) => { cluster(st).advertise = str(v); } },
  { names: ["connect_retries"], kind: "int", apply: (st, v) => { cluster(st).connectRetries = num(v); } },
  { names: ["profile"], kind: "int", apply: (st, _v, n) => unsupported(st, n) },
  { names: ["h", "help"], kind: "bool", apply: (st, v) => { st.cl.showHelp = bool(v); } },
  { names: ["v", "version"], kind: "bool", apply: (st, v) => { st.cl.showVersion = bool(v); } },
  { names: ["help_tls"], kind: "bool", apply: (st, v) => { st.cl.showTlsHelp = bool(v); } },
];

const BY_NAME = new Map<string, FlagSpec>();
for (const f of FLAGS) for (const n of f.names) BY_NAME.set(n, f);

/** Go's strconv.ParseBool. */
function parseGoBool(s: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
  return undefined;
}

/** Go's strconv.ParseInt(s, 0, 64) as the flag package uses it: 0x/0o/0b prefixes, a leading 0 for octal, `_`. */
function parseGoInt(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(s);
  if (!m || /__|_$/.test(s) || /^[+-]?_/.test(s)) return undefined;
  const sign = m[1] === "-" ? -1 : 1;
  let body = (m[2] ?? "").replace(/_/g, "");
  if (/^0[0-7]+$/.test(body)) body = "0o" + body.slice(1);
  const n = Number(body);
  if (!Number.isSafeInteger(n)) return undefined;
  return sign * n;
}

function parseSignal(v: string): SignalRequest {
  const eq = v.indexOf("=");
  const command = eq >= 0 ? v.slice(0, eq) : v; // case-sensitive, as in nats-server
  if (!(SIGNAL_COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown signal "${command}"`);
  }
  const req: SignalRequest = { command: command as SignalCommand };
  if (eq >= 0) req.pid = v.slice(eq + 1);
  return req;
}

function parseRoutesFlag(v: string): string[] {
  if (v === "") return [];
  try {
    return parseRouteList(v.split(","));
  } catch (e) {
    throw new UsageError(`invalid value "${v}" for flag -routes: ${(e as Error).message}`);
  }
}

/** Applies the tls* flags the way nats-server does: any of them replaces the file's TLS settings. */
function finishTls(st: FlagState): void {
  if (st.tlsFlags.size === 0) return;
  const ov = o(st);
  if (st.tlsFlags.get("tls") === false) {
    ov.tls = false;
    ov.tlsVerify = false;
    return;
  }
  const cert = st.tlsFlags.get("tlscert");
  const key = st.tlsFlags.get("tlskey");
  if (typeof cert !== "string" || cert === "") throw new UsageError("TLS Server certificate must be present and valid");
  if (typeof key !== "string" || key === "") throw new UsageError("TLS Server private key must be present and valid");
  const ca = st.tlsFlags.get("tlscacert");
  ov.tls = true;
  ov.tlsVerify = st.tlsFlags.get("tlsverify") === true;
  ov.tlsCert = cert;
  ov.tlsKey = key;
  ov.tlsCaCert = typeof ca === "string" ? ca : "";
}

function finishCluster(st: FlagState): void {
  if (st.clusterUrl === undefined) return;
  const c = cluster(st);
  if (st.clusterUrl === "") {
    c.port = 0; // an empty --cluster turns clustering off
    return;
  }
  try {
    applyClusterUrl(st.clusterUrl, c);
  } catch (e) {
    throw new UsageError(`invalid value "${st.clusterUrl}" for flag -cluster: ${(e as Error).message}`);
  }
}

/**
 * Parses argv (without the node binary and script). Flag parsing stops at the first argument that is
 * not a flag, or after `--`; the first leftover may be the command `version` or `help`.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const cl: CommandLine = {
    checkConfig: false, showVersion: false, showHelp: false, showTlsHelp: false, overrides: {}, warnings: [],
  };
  const st: FlagState = { cl, tlsFlags: new Map() };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg.length < 2 || arg[0] !== "-") break;
    let dashes = 1;
    if (arg[1] === "-") {
      dashes = 2;
      if (arg.length === 2) { i++; break; }
    }
    const body = arg.slice(dashes);
    if (body === "" || body[0] === "-" || body[0] === "=") throw new UsageError(`bad flag syntax: ${arg}`);
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = BY_NAME.get(name);
    if (!spec) throw new UsageError(`flag provided but not defined: -${name}`);
    let raw: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (spec.kind === "bool") {
      let v = true;
      if (raw !== undefined) {
        const b = parseGoBool(raw);
        if (b === undefined) throw new UsageError(`invalid boolean value "${raw}" for -${name}: parse error`);
        v = b;
      }
      spec.apply(st, v, name);
      continue;
    }
    if (raw === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
      raw = argv[++i] ?? "";
    }
    if (spec.kind === "int") {
      const n = parseGoInt(raw);
      if (n === undefined) throw new UsageError(`invalid value "${raw}" for flag -${name}: parse error`);
      spec.apply(st, n, name);
    } else {
      spec.apply(st, raw, name);
    }
  }
  const rest = argv.slice(i);
  if (rest.length > 0) {
    const cmd = rest[0] ?? "";
    switch (cmd.toLowerCase()) {
      case "version": cl.showVersion = true; break;
      case "help": cl.showHelp = true; break;
      default: throw new UsageError(`unrecognized command: "${cmd}"`);
    }
  }
  finishTls(st);
  finishCluster(st);
  if (cl.checkConfig && cl.configFile === undefined && !cl.showHelp && !cl.showVersion) {
    throw new UsageError("must specify [-c, --config] option to check configuration file syntax");
  }
  return cl;
}
