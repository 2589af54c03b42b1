// /connz: open and closed connections, filtered, sorted and paged as nats-server 2.9 does it.

import type { Client } from "../client/client.js";
import type { ClosedRing } from "./closed-ring.js";
import { formatConn, GLOBAL_ACCOUNT, SYSTEM_ACCOUNT, openRecord, subDetail, type ConnInfo, type ConnRecord } from "./conn-info.js";
import { goTime } from "./go-format.js";
import { ConnState, decodeBool, decodeInt, decodeState, decodeSubs, decodeUint64, QueryError } from "./query.js";

/** nats-server's DefaultConnListSize. */
export const DEFAULT_CONN_LIST_SIZE = 1024;

export const SortOpt = {
  CID: "cid",
  START: "start",
  SUBS: "subs",
  PENDING: "pending",
  MSGS_TO: "msgs_to",
  MSGS_FROM: "msgs_from",
  BYTES_TO: "bytes_to",
  BYTES_FROM: "bytes_from",
  LAST: "last",
  IDLE: "idle",
  UPTIME: "uptime",
  STOP: "stop",
  REASON: "reason",
} as const;
export type SortOpt = (typeof SortOpt)[keyof typeof SortOpt];

const SORT_VALUES = new Set<string>(Object.values(SortOpt));

export interface ConnzOptions {
  sort: SortOpt;
  auth: boolean;
  subs: boolean;
  detail: boolean;
  offset: number;
  limit: number;
  cid: number;
  state: ConnState;
  user: string;
  account: string;
  /** Only connections of this MQTT client id: none here, as no connection is MQTT. */
  mqttClient: string;
}

export interface Connz {
  server_id: string;
  now: string;
  num_connections: number;
  total: number;
  offset: number;
  limit: number;
  connections: ConnInfo[] | null;
}

/** Reads the /connz query; throws QueryError with nats-server's text on a bad value. */
export function parseConnzQuery(q: URLSearchParams): ConnzOptions {
  const sort = q.get("sort") ?? "";
  const auth = decodeBool(q, "auth");
  const { subs, detail } = decodeSubs(q);
  const offset = decodeInt(q, "offset");
  const limit = decodeInt(q, "limit");
  const cid = decodeUint64(q, "cid");
  const state = decodeState(q);
  const opts: ConnzOptions = {
    sort: sort === "" ? SortOpt.CID : (sort as SortOpt),
    auth,
    subs,
    detail,
    offset: offset < 0 ? 0 : offset,
    limit: limit <= 0 ? DEFAULT_CONN_LIST_SIZE : limit,
    cid,
    state,
    user: q.get("user") ?? "",
    account: q.get("acc") ?? "",
    mqttClient: q.get("mqtt_client") ?? "",
  };
  if (cid > 0) opts.limit = 1;
  return opts;
}

/** The checks nats-server makes after it has counted the request. */
export function checkConnzOptions(opts: ConnzOptions): void {
  const sort: string = opts.sort;
  if (!SORT_VALUES.has(sort)) throw new QueryError(`invalid sorting option: ${sort}`);
  if (opts.sort === SortOpt.STOP && opts.state !== ConnState.CLOSED) {
    throw new QueryError("sort by stop only valid on closed connections");
  }
  if (opts.sort === SortOpt.REASON && opts.state !== ConnState.CLOSED) {
    throw new QueryError("sort by reason only valid on closed connections");
  }
}

interface Entry {
  rec: ConnRecord;
  client: Client | null; // open connections, to read their subscriptions for the page only
}

type Compare = (a: ConnRecord, b: ConnRecord) => number;

function comparator(sort: SortOpt, now: number): Compare {
  const desc = (f: (r: ConnRecord) => number): Compare => (a, b) => f(b) - f(a);
  switch (sort) {
    case SortOpt.CID:
    case SortOpt.START:
      return (a, b) => a.cid - b.cid;
    case SortOpt.SUBS:
      return desc((r) => r.numSubs);
    case SortOpt.PENDING:
      return desc((r) => r.pending);
    case SortOpt.MSGS_TO:
      return desc((r) => r.outMsgs);
    case SortOpt.MSGS_FROM:
      return desc((r) => r.inMsgs);
    case SortOpt.BYTES_TO:
      return desc((r) => r.outBytes);
    case SortOpt.BYTES_FROM:
      return desc((r) => r.inBytes);
    case SortOpt.LAST:
      return desc((r) => r.lastActivity);
    case SortOpt.IDLE:
      // What nats-server 2.9 sorts by, whatever the name: the span from start to last activity,
      // longest first.
      return desc((r) => r.lastActivity - r.start);
    case SortOpt.UPTIME:
      return (a, b) => ((a.stop ?? now) - a.start) - ((b.stop ?? now) - b.start);
    case SortOpt.STOP:
      return desc((r) => r.stop ?? 0);
    case SortOpt.REASON:
      return (a, b) => (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0);
  }
}

export function buildConnz(
  serverId: string,
  clients: ReadonlyMap<number, Client>,
  closed: ClosedRing,
  o: ConnzOptions,
  now: number,
): Connz {
  const nowText = goTime(now);
  if (o.account === SYSTEM_ACCOUNT) {
    // The system account exists but no client is in it.
    return { server_id: serverId, now: nowText, num_connections: 0, total: 0, offset: o.offset, limit: o.limit, connections: [] };
  }
  if (o.account !== "" && o.account !== GLOBAL_ACCOUNT) {
    // nats-server answers an unknown account before it fills in its id or the list.
    return { server_id: "", now: nowText, num_connections: 0, total: 0, offset: o.offset, limit: o.limit, connections: null };
  }
  const wantOpen = o.state !== ConnState.CLOSED;
  const wantClosed = o.state !== ConnState.OPEN;
  let closedList = wantClosed ? closed.list() : [];
  const total = (wantOpen ? clients.size : 0) + closedList.length;

  const entries: Entry[] = [];
  if (o.cid > 0) {
    if (wantClosed) {
      const hit = closedList.find((r) => r.cid === o.cid);
      closedList = hit === undefined ? [] : [hit];
    } else {
      const c = clients.get(o.cid);
      if (c !== undefined) entries.push({ rec: openRecord(c, false), client: c });
    }
  } else if (wantOpen) {
    for (const c of clients.values()) {
      if ((o.user !== "" && c.user !== o.user) || o.mqttClient !== "") continue;
      entries.push({ rec: openRecord(c, false), client: c });
    }
  }
  const keepDetail = o.detail && !o.auth;
  for (const r of closedList) {
    if ((o.user !== "" && r.user !== o.user) || o.mqttClient !== "") continue;
    if (keepDetail) r.detailKept = true;
    entries.push({ rec: r, client: null });
  }

  const cmp = comparator(o.sort, now);
  entries.sort((a, b) => cmp(a.rec, b.rec));
  const lo = Math.min(o.offset, entries.length);
  const hi = Math.min(o.offset + o.limit, entries.length);
  const fmt = { subs: o.subs, detail: o.detail, auth: o.auth };
  const page = entries.slice(lo, hi).map((e) => {
    let rec = e.rec;
    if (e.client !== null && (o.subs || o.detail)) {
      const cid = e.client.cid;
      rec = { ...rec, subs: [...e.client.subs.values()].map((s) => subDetail(s, cid, false)) };
    }
    return formatConn(rec, now, fmt);
  });
  return {
    server_id: serverId,
    now: nowText,
    num_connections: page.length,
    total,
    offset: o.offset,
    limit: o.limit,
    connections: page,
  };
}
