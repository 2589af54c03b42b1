// /routez with nats-server 2.9's fields. The cluster module supplies its routes through a
// RouteSource; without one (no cluster) the list is empty.

import { goDurationMs, goTime, latin1ToUtf8, natsUptime } from "./go-format.js";
import { decodeSubs } from "./query.js";
import type { SubDetail } from "./conn-info.js";

/** A subscription a route carries (the remote's interest), as the cluster module knows it. */
export interface RouteSub {
  readonly subject: string; // latin1
  readonly queue: string | null;
  readonly sid: string;
  readonly delivered: number;
  readonly max: number;
}

/** What /routez and /varz need to know about one route connection. */
export interface MonitoredRoute {
  rid: number;
  remoteId: string;
  didSolicit: boolean;
  isConfigured: boolean;
  ip: string;
  port: number;
  start: number; // epoch ms
  lastActivity: number; // epoch ms
  rtt: number; // ms
  pending: number;
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  subs(): Iterable<RouteSub>;
  numSubs: number;
}

/** Implemented by the cluster module and handed to the monitor. */
export interface RouteSource {
  routes(): readonly MonitoredRoute[];
  /** The bound cluster port (for /varz `cluster.cluster_port`). */
  clusterPort(): number;
  /** The cluster name in use, generated or taken from a peer when none was configured. */
  clusterName(): string;
  /** Client URLs learnt from the cluster (for /varz `connect_urls`). */
  connectUrls(): string[];
}

export interface RouteInfo {
  rid: number;
  remote_id: string;
  did_solicit: boolean;
  is_configured: boolean;
  ip: string;
  port: number;
  start: string;
  last_activity: string;
  rtt: string;
  uptime: string;
  idle: string;
  pending_size: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  subscriptions_list?: string[];
  subscriptions_list_detail?: SubDetail[];
}

export interface Routez {
  server_id: string;
  now: string;
  num_routes: number;
  routes: RouteInfo[];
}

export interface RoutezOptions {
  subs: boolean;
  detail: boolean;
}

export function parseRoutezQuery(q: URLSearchParams): RoutezOptions {
  return decodeSubs(q);
}

function routeSubDetail(s: RouteSub, rid: number): SubDetail {
  return {
    subject: latin1ToUtf8(s.subject),
    ...(s.queue === null ? {} : { qgroup: latin1ToUtf8(s.queue) }),
    sid: latin1ToUtf8(s.sid),
    msgs: s.delivered,
    ...(s.max > 0 ? { max: s.max } : {}),
    cid: rid,
  };
}

export function buildRoutez(serverId: string, routes: readonly MonitoredRoute[], o: RoutezOptions, now: number): Routez {
  const list = routes.map((r): RouteInfo => {
    const ri: RouteInfo = {
      rid: r.rid,
      remote_id: r.remoteId,
      did_solicit: r.didSolicit,
      is_configured: r.isConfigured,
      ip: r.ip,
      port: r.port,
      start: goTime(r.start),
      last_activity: goTime(r.lastActivity),
      rtt: goDurationMs(r.rtt),
      uptime: natsUptime(now - r.start),
      idle: natsUptime(now - r.lastActivity),
      pending_size: r.pending,
      in_msgs: r.inMsgs,
      out_msgs: r.outMsgs,
      in_bytes: r.inBytes,
      out_bytes: r.outBytes,
      subscriptions: r.numSubs,
    };
    if (r.numSubs > 0 && (o.subs || o.detail)) {
      const details = [...r.subs()].map((s) => routeSubDetail(s, r.rid));
      if (o.detail) ri.subscriptions_list_detail = details;
      else ri.subscriptions_list = details.map((d) => d.subject);
    }
    return ri;
  });
  return { server_id: serverId, now: goTime(now), num_routes: list.length, routes: list };
}
