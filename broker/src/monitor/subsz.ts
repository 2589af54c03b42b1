// /subsz (alias /subscriptionsz): the sublist's statistics and, with `subs`, the subscriptions,
// optionally only those a literal `test` subject would reach, paged by offset and limit.

import type { Subscription } from "../client/subscription.js";
import type { Sublist, MatchResult } from "../subjects/sublist.js";
import { isValidLiteralSubject, subjectMatches } from "../subjects/subject.js";
import { GLOBAL_ACCOUNT, subDetail, type SubDetail } from "./conn-info.js";
import { goTime } from "./go-format.js";
import { decodeBool, decodeInt, QueryError } from "./query.js";

/** nats-server's DefaultSubListSize. */
export const DEFAULT_SUB_LIST_SIZE = 1024;

export interface SublistStats {
  num_subscriptions: number;
  num_cache: number;
  num_inserts: number;
  num_removes: number;
  num_matches: number;
  cache_hit_rate: number;
  max_fanout: number;
  avg_fanout: number;
}

export interface Subsz extends SublistStats {
  server_id: string;
  now: string;
  total: number;
  offset: number;
  limit: number;
  subscriptions_list: SubDetail[];
}

export interface SubszOptions {
  subs: boolean;
  offset: number;
  limit: number;
  test: string; // latin1, as subjects are stored; "" for none
  account: string;
}

export function parseSubszQuery(q: URLSearchParams): SubszOptions {
  const subs = decodeBool(q, "subs");
  const offset = decodeInt(q, "offset");
  const limit = decodeInt(q, "limit");
  const testText = q.get("test") ?? "";
  const test = Buffer.from(testText, "utf8").toString("latin1");
  if (test !== "" && !isValidLiteralSubject(test)) {
    throw new QueryError(`invalid test subject, must be valid publish subject: ${testText}`);
  }
  return {
    subs,
    offset: offset < 0 ? 0 : offset,
    limit: limit <= 0 ? DEFAULT_SUB_LIST_SIZE : limit,
    test,
    account: q.get("acc") ?? "",
  };
}

export const ZERO_STATS: SublistStats = {
  num_subscriptions: 0, num_cache: 0, num_inserts: 0, num_removes: 0, num_matches: 0,
  cache_hit_rate: 0, max_fanout: 0, avg_fanout: 0,
};

/** The statistics nats-server's Sublist.Stats() gives; fanout is taken over the cached results. */
export function sublistStats(sl: Sublist<Subscription>): SublistStats {
  // The cache is private to the sublist; monitoring only reads it, when asked.
  const cache: ReadonlyMap<string, MatchResult<Subscription>> = sl["cache"];
  let total = 0, max = 0;
  for (const r of cache.values()) {
    const n = r.psubs.length + r.qsubs.length;
    total += n;
    if (n > max) max = n;
  }
  return {
    num_subscriptions: sl.size,
    num_cache: cache.size,
    num_inserts: sl.inserts,
    num_removes: sl.removes,
    num_matches: sl.matches,
    cache_hit_rate: sl.matches > 0 ? sl.cacheHits / sl.matches : 0,
    max_fanout: max,
    avg_fanout: total > 0 ? total / cache.size : 0,
  };
}

/** The /subsz body: the statistics alone unless a non-empty list was asked for, as nats-server does. */
export function buildSubsz(serverId: string, sl: Sublist<Subscription>, o: SubszOptions, now: number): SublistStats | Subsz {
  if (o.account !== "" && o.account !== GLOBAL_ACCOUNT) return { ...ZERO_STATS };
  const stats = sublistStats(sl);
  if (!o.subs) return stats;
  const matching = o.test === "" ? sl.all() : sl.all().filter((s) => subjectMatches(s.subject, o.test));
  const lo = Math.min(o.offset, matching.length);
  const hi = Math.min(o.offset + o.limit, matching.length);
  const list = matching.slice(lo, hi).map((s) => subDetail(s, s.client.cid, true));
  if (list.length === 0) return stats;
  return {
    server_id: serverId,
    now: goTime(now),
    ...stats,
    total: list.length,
    offset: o.offset,
    limit: o.limit,
    subscriptions_list: list,
  };
}
