// Official-client helpers for cluster tests: one connection per node, and subscriptions that
// collect what they receive so a test can wait for an exact set of messages.
import { connect, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import assert from "node:assert/strict";
import type { Cluster } from "./cluster-harness.js";
import { waitFor } from "./cluster-harness.js";

/** Connects one official client to each running node (or to the given ones), without reconnecting. */
export async function clientsFor(c: Cluster, only?: readonly number[]): Promise<NatsConnection[]> {
  const idx = only ?? c.nodes.filter((n) => n.running()).map((n) => n.index);
  return Promise.all(idx.map((i) => connect({ servers: c.node(i).url, name: `t-${c.node(i).name}`, reconnect: false })));
}

export async function closeAll(ncs: readonly NatsConnection[]): Promise<void> {
  await Promise.all(ncs.map((nc) => nc.close().catch(() => undefined)));
}

/** A subscription that records every message it gets. */
export interface Collector {
  readonly sub: Subscription;
  readonly msgs: Msg[];
  /** The payloads received, as strings. */
  strings(): string[];
  /** Waits until at least n messages arrived. */
  waitForCount(n: number, timeout?: number): Promise<void>;
}

export function collect(nc: NatsConnection, subject: string, queue?: string): Collector {
  const msgs: Msg[] = [];
  const sub = nc.subscribe(subject, { ...(queue !== undefined ? { queue } : {}), callback: (err, m) => { if (!err) msgs.push(m); } });
  return {
    sub,
    msgs,
    strings: () => msgs.map((m) => m.string()),
    waitForCount: async (n, timeout = 10_000) => void await waitFor(
      `${n} message(s) on ${subject}${queue ? ` (queue ${queue})` : ""}`,
      async () => (msgs.length >= n ? true : undefined),
      timeout,
      () => `received ${msgs.length}: ${JSON.stringify(msgs.slice(0, 20).map((m) => shorten(m.string())))}${msgs.length > 20 ? " ..." : ""}`,
    ),
  };
}

/** A payload short enough for a failure message. */
function shorten(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}... (${s.length} chars)` : s;
}

/** For each ordered pair (i, j): a message and then "end" published on node i (ncs[k] is on node k)
 * reach a subscriber on node j exactly once and in order ("end" follows the message on the same
 * path, so a duplicate would come before it). */
export async function assertPairDelivery(c: Cluster, ncs: readonly NatsConnection[], pairs: readonly [number, number][], tag: string): Promise<void> {
  const subs = pairs.map(([i, j]) => collect(ncs[j]!, `${tag}.${i}.${j}`));
  await Promise.all(ncs.map((nc) => nc.flush()));
  await Promise.all(pairs.map(([i, j]) => c.waitForInterest(i, `${tag}.${i}.${j}`)));
  for (const [i, j] of pairs) {
    ncs[i]!.publish(`${tag}.${i}.${j}`, `from ${i} to ${j}`);
    ncs[i]!.publish(`${tag}.${i}.${j}`, "end");
  }
  await Promise.all(ncs.map((nc) => nc.flush()));
  for (const [k, [i, j]] of pairs.entries()) {
    await subs[k]!.waitForCount(2);
    assert.deepEqual(subs[k]!.strings(), [`from ${i} to ${j}`, "end"], `${tag}: node ${i} -> node ${j}`);
    subs[k]!.sub.unsubscribe();
  }
}
