// The broker configuration (nats-server syntax) for a NatsCluster, as a model split into the part that
// cannot be reloaded (hashed into the pod template, so changing it rolls the pods) and the part that a
// SIGHUP reloads, and its rendering as text.
//
// Route credentials: nats-server sends the credentials of a solicited route only from the route URL
// (user:password@host), and its config language expands a `$VAR` only when it is a whole value, never
// inside a string. So a route URL with credentials cannot be written as a `$VAR` reference, and it must
// not be written literally into the ConfigMap. The route list therefore lives in the credentials Secret
// (key routes.conf), which is projected into the same directory as skein.conf; skein.conf includes it
// inside `cluster {}`. skein.conf lists the same routes without credentials in a comment, so that it
// changes whenever the routes change and the config reloader (which watches skein.conf) fires.
// The route `authorization` block and client `authorization` use `$ROUTE_USER`-style whole-value
// variables, resolved from env vars that the pod takes from the Secret.
import type { NatsCluster } from "../api/types.js";
import { withDefaults, type DefaultedSpec } from "../api/defaults.js";
import { clusterName, clusterNamespace } from "./labels.js";
import { childNames, headlessServiceName } from "./meta.js";
import { hashOf } from "./hash.js";

export const CLIENT_PORT = 4222;
export const CLUSTER_PORT = 6222;
export const MONITOR_PORT = 8222;

export const CONFIG_DIR = "/etc/skein";
export const CONFIG_KEY = "skein.conf";
export const CONFIG_PATH = `${CONFIG_DIR}/${CONFIG_KEY}`;
export const ROUTES_KEY = "routes.conf";
export const PID_DIR = "/var/run/skein";
export const PID_FILE = `${PID_DIR}/skein.pid`;
export const TLS_CLIENT_DIR = "/etc/skein-tls/client";
export const TLS_ROUTES_DIR = "/etc/skein-tls/routes";

/** The env vars the config refers to; the StatefulSet sets them. */
export const ENV = {
  podName: "POD_NAME",
  podNamespace: "POD_NAMESPACE",
  routeUser: "ROUTE_USER",
  routePassword: "ROUTE_PASSWORD",
  clientUser: "CLIENT_USER",
  clientPassword: "CLIENT_PASSWORD",
} as const;

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string;
  verify?: boolean;
  timeout?: number;
}

/** What a reload cannot change. Its hash is the pod-template annotation skein.dev/config-hash. */
export interface StaticConfig {
  serverName: string;
  clientPort: number;
  clusterPort: number;
  monitorPort: number;
  pidFile: string;
  lameDuckDuration: string;
  clusterName: string;
  noAdvertise: boolean;
  routesInclude: string;
  clientTls?: TlsFiles;
  routeTls?: TlsFiles;
}

/** What a SIGHUP reloads: only the ConfigMap (and the Secret's routes) change for these. */
export interface ReloadableConfig {
  debug?: boolean;
  trace?: boolean;
  logtime?: boolean;
  maxConnections?: number;
  maxSubscriptions?: number;
  maxPayload?: number;
  maxPending?: number;
  maxControlLine?: number;
  writeDeadline?: string;
  pingInterval?: string;
  clientAuth?: { timeout?: number };
  /** The route URLs without credentials (the Secret's routes.conf has them with). */
  routes: string[];
}

export interface BrokerConfig {
  static: StaticConfig;
  reloadable: ReloadableConfig;
}

export interface RouteCredentials {
  user: string;
  password: string;
}

export function brokerConfig(nc: NatsCluster): BrokerConfig {
  const spec = withDefaults(nc.spec);
  const st: StaticConfig = {
    serverName: `$${ENV.podName}`,
    clientPort: CLIENT_PORT,
    clusterPort: CLUSTER_PORT,
    monitorPort: MONITOR_PORT,
    pidFile: PID_FILE,
    lameDuckDuration: `${spec.lameDuckDurationSeconds}s`,
    clusterName: clusterName(nc),
    noAdvertise: spec.noAdvertise,
    routesInclude: ROUTES_KEY,
  };
  const tls = spec.tls;
  if (tls?.serverSecret) {
    st.clientTls = {
      certFile: `${TLS_CLIENT_DIR}/${tls.serverSecretCertFileName}`,
      keyFile: `${TLS_CLIENT_DIR}/${tls.serverSecretKeyFileName}`,
      ...(tls.verify ? { caFile: `${TLS_CLIENT_DIR}/${tls.serverSecretCAFileName}`, verify: true } : {}),
      ...(tls.clientsTLSTimeout !== undefined ? { timeout: tls.clientsTLSTimeout } : {}),
    };
  }
  if (tls?.routesSecret) {
    st.routeTls = {
      certFile: `${TLS_ROUTES_DIR}/${tls.routesSecretCertFileName}`,
      keyFile: `${TLS_ROUTES_DIR}/${tls.routesSecretKeyFileName}`,
      caFile: `${TLS_ROUTES_DIR}/${tls.routesSecretCAFileName}`,
      ...(tls.routesTLSTimeout !== undefined ? { timeout: tls.routesTLSTimeout } : {}),
    };
  }
  const c = spec.natsConfig ?? {};
  const rl: ReloadableConfig = { routes: routeUrls(nc) };
  if (c.debug !== undefined) rl.debug = c.debug;
  if (c.trace !== undefined) rl.trace = c.trace;
  if (c.disableLogtime) rl.logtime = false;
  if (c.maxConnections !== undefined) rl.maxConnections = c.maxConnections;
  if (c.maxSubscriptions !== undefined) rl.maxSubscriptions = c.maxSubscriptions;
  if (c.maxPayload !== undefined) rl.maxPayload = c.maxPayload;
  if (c.maxPending !== undefined) rl.maxPending = c.maxPending;
  if (c.maxControlLine !== undefined) rl.maxControlLine = c.maxControlLine;
  const writeDeadline = c.writeDeadline ?? c.write_deadline;
  if (writeDeadline !== undefined) rl.writeDeadline = writeDeadline;
  if (c.pingInterval !== undefined) rl.pingInterval = c.pingInterval;
  if (spec.auth) {
    rl.clientAuth = spec.auth.clientsAuthTimeout !== undefined ? { timeout: spec.auth.clientsAuthTimeout } : {};
  }
  return { static: st, reloadable: rl };
}

/** The pod-template annotation value: a hash of the part of the config a reload cannot change. */
export function configHash(cfg: BrokerConfig): string {
  return hashOf(cfg.static);
}

/** The DNS name of broker `ordinal` of the cluster. */
export function brokerHost(nc: NatsCluster, ordinal: number): string {
  return `${clusterName(nc)}-${ordinal}.${childNames(nc).headless}.${clusterNamespace(nc)}.svc`;
}

/**
 * The route URLs: one per ordinal 0..size-1, then the extra routes. With credentials, the cluster's
 * own routes and the routes to other NatsClusters carry them; user-given URLs are kept as they are.
 * Without credentials, any userinfo (even in user-given URLs) is left out.
 */
export function routeUrls(nc: NatsCluster, creds?: RouteCredentials): string[] {
  const spec: DefaultedSpec = withDefaults(nc.spec);
  const auth = creds ? `${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@` : "";
  const urls: string[] = [];
  for (let i = 0; i < spec.size; i++) urls.push(`nats-route://${auth}${brokerHost(nc, i)}:${CLUSTER_PORT}`);
  for (const extra of spec.extraRoutes ?? []) {
    if (extra.cluster !== undefined) {
      const host = `${headlessServiceName(extra.cluster)}.${clusterNamespace(nc)}.svc`;
      urls.push(`nats-route://${auth}${host}:${CLUSTER_PORT}`);
    } else if (extra.route !== undefined) {
      urls.push(creds ? extra.route : stripUserinfo(extra.route));
    }
  }
  return urls;
}

function stripUserinfo(url: string): string {
  return url.replace(/^([a-zA-Z][-a-zA-Z0-9+.]*:\/\/)[^@/?#]*@/, "$1");
}

/** The Secret's routes.conf: the `routes` array with credentials, included inside `cluster {}`. */
export function renderRoutesFile(nc: NatsCluster, creds: RouteCredentials): string {
  const urls = routeUrls(nc, creds);
  if (urls.length === 0) return "routes = []\n";
  return `routes = [\n${urls.map((u) => `  ${quote(u)}\n`).join("")}]\n`;
}

/** nats-server double-quoted string. */
function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

class Writer {
  private readonly lines: string[] = [];
  private depth = 0;
  line(text = ""): void {
    this.lines.push(text === "" ? "" : `${"  ".repeat(this.depth)}${text}`);
  }
  open(name: string): void {
    this.line(`${name} {`);
    this.depth++;
  }
  close(): void {
    this.depth--;
    this.line("}");
  }
  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

function writeTls(w: Writer, tls: TlsFiles): void {
  w.open("tls");
  w.line(`cert_file: ${quote(tls.certFile)}`);
  w.line(`key_file: ${quote(tls.keyFile)}`);
  if (tls.caFile !== undefined) w.line(`ca_file: ${quote(tls.caFile)}`);
  if (tls.verify) w.line("verify: true");
  if (tls.timeout !== undefined) w.line(`timeout: ${tls.timeout}`);
  w.close();
}

/** The text of skein.conf. `source` names the NatsCluster in the header comment. */
export function renderBrokerConfig(cfg: BrokerConfig, source: string): string {
  const st = cfg.static;
  const rl = cfg.reloadable;
  const w = new Writer();
  w.line(`# Broker configuration for NatsCluster ${source}, written by skein-operator.`);
  w.line("# Edits are overwritten. Credentials come from env vars set from the cluster's Secret.");
  w.line(`server_name: ${st.serverName}`);
  w.line(`port: ${st.clientPort}`);
  w.line(`http_port: ${st.monitorPort}`);
  w.line(`pid_file: ${quote(st.pidFile)}`);
  w.line(`lame_duck_duration: ${quote(st.lameDuckDuration)}`);
  if (rl.debug !== undefined) w.line(`debug: ${rl.debug}`);
  if (rl.trace !== undefined) w.line(`trace: ${rl.trace}`);
  if (rl.logtime !== undefined) w.line(`logtime: ${rl.logtime}`);
  if (rl.maxConnections !== undefined) w.line(`max_connections: ${rl.maxConnections}`);
  if (rl.maxSubscriptions !== undefined) w.line(`max_subscriptions: ${rl.maxSubscriptions}`);
  if (rl.maxPayload !== undefined) w.line(`max_payload: ${rl.maxPayload}`);
  if (rl.maxPending !== undefined) w.line(`max_pending: ${rl.maxPending}`);
  if (rl.maxControlLine !== undefined) w.line(`max_control_line: ${rl.maxControlLine}`);
  if (rl.writeDeadline !== undefined) w.line(`write_deadline: ${quote(rl.writeDeadline)}`);
  if (rl.pingInterval !== undefined) w.line(`ping_interval: ${quote(rl.pingInterval)}`);
  if (rl.clientAuth) {
    w.line();
    w.open("authorization");
    w.line(`user: $${ENV.clientUser}`);
    w.line(`password: $${ENV.clientPassword}`);
    if (rl.clientAuth.timeout !== undefined) w.line(`timeout: ${rl.clientAuth.timeout}`);
    w.close();
  }
  if (st.clientTls) {
    w.line();
    writeTls(w, st.clientTls);
  }
  w.line();
  w.open("cluster");
  w.line(`name: ${quote(st.clusterName)}`);
  w.line(`port: ${st.clusterPort}`);
  if (st.noAdvertise) w.line("no_advertise: true");
  w.open("authorization");
  w.line(`user: $${ENV.routeUser}`);
  w.line(`password: $${ENV.routePassword}`);
  w.close();
  if (st.routeTls) writeTls(w, st.routeTls);
  w.line(`# ${rl.routes.length} route(s), given with credentials in ${st.routesInclude} from the Secret:`);
  for (const url of rl.routes) w.line(`#   ${url}`);
  w.line(`include ${quote(st.routesInclude)}`);
  w.close();
  return w.text();
}
