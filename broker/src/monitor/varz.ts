// /varz: the server's identity, options and counters with nats-server 2.9's field names, order and
// units (durations in nanoseconds, timeouts in seconds). The counters are the plain numbers the
// message path keeps; they are only read here.

import type { Server } from "../server.js";
import { PROTOCOL_VERSION } from "../info.js";
import { SYSTEM_ACCOUNT } from "./conn-info.js";
import { goTime, natsUptime } from "./go-format.js";
import type { RouteSource } from "./routez.js";
import type { UsageSampler } from "./usage.js";

const NS_PER_MS = 1_000_000;
/** nats-server's default TLS handshake timeout for routes, in ms, when the cluster has no TLS block. */
const DEFAULT_ROUTE_TLS_TIMEOUT_MS = 2000;

export interface ClusterOptsVarz {
  name?: string;
  addr?: string;
  cluster_port?: number;
  auth_timeout?: number;
  urls?: string[];
  tls_timeout?: number;
  tls_required?: boolean;
  tls_verify?: boolean;
}

export interface Varz {
  server_id: string;
  server_name: string;
  version: string;
  proto: number;
  go: string;
  host: string;
  port: number;
  auth_required?: boolean;
  tls_required?: boolean;
  tls_verify?: boolean;
  connect_urls?: string[];
  max_connections: number;
  max_subscriptions?: number;
  ping_interval: number;
  ping_max: number;
  http_host: string;
  http_port: number;
  http_base_path: string;
  https_port: number;
  auth_timeout: number;
  max_control_line: number;
  max_payload: number;
  max_pending: number;
  cluster: ClusterOptsVarz;
  gateway: Record<string, never>;
  leaf: Record<string, never>;
  mqtt: Record<string, never>;
  websocket: Record<string, never>;
  jetstream: Record<string, never>;
  tls_timeout: number;
  write_deadline: number;
  start: string;
  now: string;
  uptime: string;
  mem: number;
  cores: number;
  gomaxprocs: number;
  cpu: number;
  connections: number;
  total_connections: number;
  routes: number;
  remotes: number;
  leafnodes: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  slow_consumers: number;
  subscriptions: number;
  http_req_stats: Record<string, number>;
  config_load_time: string;
  system_account: string;
}

export interface VarzContext {
  server: Server;
  usage: UsageSampler;
  routes: RouteSource | null;
  httpReqStats: ReadonlyMap<string, number>;
  configLoadTime: number;
}

/** "host:port" of a route URL such as nats://user:pass@host:6222, as /varz lists it. */
export function routeUrlHostPort(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function clusterVarz(ctx: VarzContext): ClusterOptsVarz {
  const c = ctx.server.opts.cluster;
  if (c.port === 0) return {};
  const v: ClusterOptsVarz = {};
  const name = ctx.routes?.clusterName() ?? c.name;
  if (name !== "") v.name = name;
  if (c.host !== "") v.addr = c.host;
  const port = ctx.routes?.clusterPort() ?? c.port;
  if (port !== 0) v.cluster_port = port;
  if (c.authTimeout > 0) v.auth_timeout = c.authTimeout / 1000;
  if (c.routes.length > 0) v.urls = c.routes.map(routeUrlHostPort);
  v.tls_timeout = (c.tls?.timeout ?? DEFAULT_ROUTE_TLS_TIMEOUT_MS) / 1000;
  if (c.tls !== null) v.tls_required = true;
  if (c.tls?.verify) v.tls_verify = true;
  return v;
}

function sortedStats(stats: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...stats.keys()].sort()) out[k] = stats.get(k) ?? 0;
  return out;
}

export function buildVarz(ctx: VarzContext, now: number): Varz {
  const s = ctx.server;
  const o = s.opts;
  const connectUrls = ctx.routes?.connectUrls() ?? [];
  const v: Varz = {
    server_id: s.id,
    server_name: s.name,
    version: PROTOCOL_VERSION,
    proto: 1,
    go: `node${process.version}`,
    host: o.host,
    port: s.port,
    ...(s.authRequired() ? { auth_required: true } : {}),
    ...(o.tls ? { tls_required: true } : {}),
    ...(o.tls && o.tlsVerify ? { tls_verify: true } : {}),
    ...(connectUrls.length > 0 ? { connect_urls: connectUrls } : {}),
    max_connections: o.maxConnections,
    ...(o.maxSubscriptions > 0 ? { max_subscriptions: o.maxSubscriptions } : {}),
    ping_interval: o.pingInterval * NS_PER_MS,
    ping_max: o.pingMax,
    http_host: o.httpHost,
    http_port: o.httpPort,
    http_base_path: "",
    https_port: o.httpsPort,
    auth_timeout: o.authTimeout / 1000,
    max_control_line: o.maxControlLine,
    max_payload: o.maxPayload,
    max_pending: o.maxPending,
    cluster: clusterVarz(ctx),
    gateway: {},
    leaf: {},
    mqtt: {},
    websocket: {},
    jetstream: {},
    tls_timeout: o.tlsTimeout / 1000,
    write_deadline: o.writeDeadline * NS_PER_MS,
    start: goTime(s.startTime),
    now: goTime(now),
    uptime: natsUptime(now - s.startTime),
    mem: ctx.usage.mem(),
    cores: ctx.usage.cores(),
    gomaxprocs: ctx.usage.maxProcs(),
    cpu: ctx.usage.cpu(),
    connections: s.clients.size,
    total_connections: s.totalConnections,
    routes: ctx.routes?.routes().length ?? 0,
    remotes: ctx.routes?.routes().length ?? 0,
    leafnodes: 0,
    in_msgs: s.inMsgs,
    out_msgs: s.outMsgs,
    in_bytes: s.inBytes,
    out_bytes: s.outBytes,
    slow_consumers: s.slowConsumers,
    subscriptions: s.sublist.size,
    http_req_stats: sortedStats(ctx.httpReqStats),
    config_load_time: goTime(ctx.configLoadTime),
    system_account: SYSTEM_ACCOUNT,
  };
  return v;
}
