// One connection as /connz reports it, with nats-server 2.9's field names and order, built from an
// open Client or from the snapshot taken when it closed. Times are kept as epoch milliseconds while
// sorting and turned into Go's text forms only for the page that is sent.

import { TLSSocket } from "node:tls";
import type { Client } from "../client/client.js";
import type { Subscription } from "../client/subscription.js";
import { goDurationMs, goTime, latin1ToUtf8, natsUptime } from "./go-format.js";

/** The account every connection belongs to (nats-server's global account). */
export const GLOBAL_ACCOUNT = "$G";
/** The system account nats-server always names, though Skein runs no system services on it. */
export const SYSTEM_ACCOUNT = "$SYS";

export interface SubDetail {
  account?: string;
  subject: string;
  qgroup?: string;
  sid: string;
  msgs: number;
  max?: number;
  cid: number;
}

/** The numbers and texts of one connection, before formatting. */
export interface ConnRecord {
  cid: number;
  ip: string;
  port: number;
  start: number; // epoch ms
  lastActivity: number; // epoch ms
  stop: number | null; // epoch ms, closed connections only
  reason: string;
  rtt: number; // ms
  pending: number;
  inMsgs: number;
  outMsgs: number;
  inBytes: number;
  outBytes: number;
  numSubs: number;
  name: string;
  lang: string;
  version: string;
  tlsVersion: string;
  tlsCipher: string;
  user: string;
  subs: SubDetail[];
  /**
   * Closed connections only: nats-server stores the detailed list in its closed record the first
   * time a plain `subs=detail` request lists it, and shows it on every later request.
   */
  detailKept: boolean;
}

export interface ConnInfo {
  cid: number;
  kind: string;
  type: string;
  ip: string;
  port: number;
  start: string;
  last_activity: string;
  stop?: string;
  reason?: string;
  rtt: string;
  uptime: string;
  idle: string;
  pending_bytes: number;
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
  subscriptions: number;
  name?: string;
  lang?: string;
  version?: string;
  tls_version?: string;
  tls_cipher_suite?: string;
  authorized_user?: string;
  subscriptions_list?: string[];
  subscriptions_list_detail?: SubDetail[];
}

export function subDetail(sub: Subscription, cid: number, account: boolean): SubDetail {
  return {
    ...(account ? { account: GLOBAL_ACCOUNT } : {}),
    subject: latin1ToUtf8(sub.subject),
    ...(sub.queue === null ? {} : { qgroup: latin1ToUtf8(sub.queue) }),
    sid: latin1ToUtf8(sub.sid),
    msgs: sub.delivered,
    ...(sub.max > 0 ? { max: sub.max } : {}),
    cid,
  };
}

function tlsState(c: Client): { version: string; cipher: string } {
  const s = c.socket;
  if (!(s instanceof TLSSocket)) return { version: "", cipher: "" };
  const cipher = s.getCipher();
  // Node says "TLSv1.3"; nats-server prints Go's "1.3". Go names suites by their IANA names.
  const version = (s.getProtocol() ?? "").replace(/^TLSv/, "");
  return { version, cipher: cipher?.standardName ?? cipher?.name ?? "" };
}

/** The record of an open client; `subs` is filled only when asked for (it walks the subscriptions). */
export function openRecord(c: Client, withSubs: boolean, closedSubs?: readonly Subscription[]): ConnRecord {
  const tls = tlsState(c);
  const subs: SubDetail[] = [];
  if (closedSubs !== undefined) for (const s of closedSubs) subs.push(subDetail(s, c.cid, true));
  else if (withSubs) for (const s of c.subs.values()) subs.push(subDetail(s, c.cid, false));
  return {
    cid: c.cid,
    ip: c.host,
    port: c.port,
    start: c.start,
    lastActivity: c.lastActivity,
    stop: null,
    reason: "",
    rtt: c.pinger.rtt,
    pending: c.socket.writableLength + c.out.pos,
    inMsgs: c.inMsgs,
    outMsgs: c.outMsgs,
    inBytes: c.inBytes,
    outBytes: c.outBytes,
    numSubs: closedSubs !== undefined ? closedSubs.length : c.subs.size,
    name: c.name,
    lang: c.lang,
    version: c.version,
    tlsVersion: tls.version,
    tlsCipher: tls.cipher,
    user: authorizedUser(c),
    subs,
    detailKept: false,
  };
}

/**
 * What nats-server shows as authorized_user: the CONNECT user, or with token auth the token itself
 * (nats-server 2.9 prints it as given). A token client that got in gave the configured token.
 */
function authorizedUser(c: Client): string {
  if (c.user !== "") return c.user;
  const token = c.server.opts.authorization;
  return token !== "" && c.connectReceived ? token : "";
}

export interface FormatOptions {
  subs: boolean;
  detail: boolean;
  auth: boolean;
}

/** The JSON object for one record; uptime and idle run to `now`, or to the stop of a closed one. */
export function formatConn(r: ConnRecord, now: number, o: FormatOptions): ConnInfo {
  const end = r.stop ?? now;
  const closed = r.stop === null ? {} : { stop: goTime(r.stop), ...(r.reason === "" ? {} : { reason: r.reason }) };
  const ci: ConnInfo = {
    cid: r.cid,
    kind: "Client",
    type: "nats",
    ip: r.ip,
    port: r.port,
    start: goTime(r.start),
    last_activity: goTime(r.lastActivity),
    ...closed,
    rtt: goDurationMs(r.rtt),
    uptime: natsUptime(end - r.start),
    idle: natsUptime(end - r.lastActivity),
    pending_bytes: r.pending,
    in_msgs: r.inMsgs,
    out_msgs: r.outMsgs,
    in_bytes: r.inBytes,
    out_bytes: r.outBytes,
    subscriptions: r.numSubs,
  };
  // CONNECT is decoded as UTF-8 by the parser, so these are text already (subjects are latin1).
  if (r.name !== "") ci.name = r.name;
  if (r.lang !== "") ci.lang = r.lang;
  if (r.version !== "") ci.version = r.version;
  if (r.tlsVersion !== "") ci.tls_version = r.tlsVersion;
  if (r.tlsCipher !== "") ci.tls_cipher_suite = r.tlsCipher;
  if (o.auth && r.user !== "") ci.authorized_user = r.user;
  if (r.subs.length > 0) {
    if (o.subs) ci.subscriptions_list = r.subs.map((d) => d.subject);
    if (o.detail || r.detailKept) ci.subscriptions_list_detail = r.subs;
  }
  return ci;
}
