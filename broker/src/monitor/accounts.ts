// /accountz and /accstatz: the two accounts every nats-server has without an accounts config, the
// global one ($G) that all clients are in and the system one ($SYS), which holds nothing here.

import type { Server } from "../server.js";
import { GLOBAL_ACCOUNT, SYSTEM_ACCOUNT } from "./conn-info.js";
import { goTime } from "./go-format.js";
import { decodeBool, QueryError } from "./query.js";
import { sublistStats, ZERO_STATS, type SublistStats } from "./subsz.js";

interface AccountDetail {
  account_name: string;
  update_time: string;
  is_system?: boolean;
  expired: boolean;
  complete: boolean;
  jetstream_enabled: boolean;
  leafnode_connections: number;
  client_connections: number;
  subscriptions: number;
  sublist_stats: SublistStats;
}

/** /accountz: the account names, or with `acc` one account's detail (400 for an unknown one). */
export function buildAccountz(s: Server, q: URLSearchParams, now: number): object {
  const head = { server_id: s.id, now: goTime(now), system_account: SYSTEM_ACCOUNT };
  const acc = q.get("acc") ?? "";
  if (acc === "") return { ...head, accounts: [GLOBAL_ACCOUNT, SYSTEM_ACCOUNT] };
  const global = acc === GLOBAL_ACCOUNT;
  if (!global && acc !== SYSTEM_ACCOUNT) throw new QueryError(`Account ${acc} does not exist`);
  const stats = global ? sublistStats(s.sublist) : { ...ZERO_STATS };
  const detail: AccountDetail = {
    account_name: acc,
    update_time: goTime(s.startTime),
    ...(global ? {} : { is_system: true }),
    expired: false,
    complete: true,
    jetstream_enabled: false,
    leafnode_connections: 0,
    client_connections: global ? s.clients.size : 0,
    subscriptions: stats.num_subscriptions,
    sublist_stats: stats,
  };
  return { ...head, account_detail: detail };
}

/**
 * /accstatz: traffic per account with connections; `unused=1` lists the accounts without any too.
 * Clients' traffic only: the server's totals less what came in from and went out to routes.
 */
export function buildAccstatz(s: Server, q: URLSearchParams, now: number): object {
  const unused = decodeBool(q, "unused");
  const stat = (acc: string, conns: number, sent: [number, number], received: [number, number]) => ({
    acc,
    conns,
    leafnodes: 0,
    total_conns: conns,
    sent: { msgs: sent[0], bytes: sent[1] },
    received: { msgs: received[0], bytes: received[1] },
    slow_consumers: acc === GLOBAL_ACCOUNT ? s.slowConsumers : 0,
  });
  const list = [];
  const conns = s.clients.size;
  if (conns > 0 || unused) {
    list.push(stat(GLOBAL_ACCOUNT, conns,
      [s.outMsgs - s.routeOutMsgs, s.outBytes - s.routeOutBytes],
      [s.inMsgs - s.routeInMsgs, s.inBytes - s.routeInBytes]));
  }
  if (unused) list.push(stat(SYSTEM_ACCOUNT, 0, [0, 0], [0, 0]));
  return { server_id: s.id, now: goTime(now), account_statz: list };
}
