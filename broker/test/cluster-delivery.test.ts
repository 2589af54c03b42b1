// Delivery rules across routes, on every mix of skein and nats-server: queue groups (one member
// cluster-wide, local members preferred), one copy per route however many subscriptions match
// behind it (counted with /routez per-route message counters), and no duplicates through a
// third node (the one-hop rule).
import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Cluster } from "./support/cluster-harness.js";
import { clientsFor, closeAll, collect, type Collector } from "./support/cluster-clients.js";
import { forEachCluster } from "./support/cluster-matrix.js";

/**
 * Publishes a marker from `from` to a plain subscription on every other node and waits for it:
 * messages on the same route travel in order, so whatever `from` sent before has arrived by then.
 */
async function barrier(ncs: readonly NatsConnection[], from: number, tag: string, c: Cluster): Promise<void> {
  const marks: Collector[] = [];
  for (const [j, nc] of ncs.entries()) {
    if (j === from) continue;
    marks.push(collect(nc, `mark.${tag}.${j}`));
    await nc.flush();
    await c.waitForInterest(from, `mark.${tag}.${j}`);
  }
  for (const [j] of ncs.entries()) if (j !== from) ncs[from]!.publish(`mark.${tag}.${j}`, "mark");
  await ncs[from]!.flush();
  await Promise.all(marks.map((m) => m.waitForCount(1)));
  for (const m of marks) m.sub.unsubscribe();
}

/**
 * Every other node publishes a marker to a subscriber on `to` and waits for it: a route carries its
 * interest updates (RS+/RS-, queue weights) and messages in order, so once the markers arrived, `to`
 * has seen every subscription change the other clients made before.
 */
async function barrierTo(ncs: readonly NatsConnection[], to: number, tag: string, c: Cluster): Promise<void> {
  const mark = collect(ncs[to]!, `markto.${tag}`);
  await ncs[to]!.flush();
  for (const [j] of ncs.entries()) if (j !== to) await c.waitForInterest(j, `markto.${tag}`);
  for (const [j, nc] of ncs.entries()) if (j !== to) nc.publish(`markto.${tag}`, String(j));
  await mark.waitForCount(ncs.length - 1);
  mark.sub.unsubscribe();
}

/** Per-route message counters of node i, keyed by the remote server id. */
async function routeCounts(c: Cluster, i: number): Promise<Map<string, { in: number; out: number }>> {
  const rz = await c.routez(i);
  return new Map(rz.routes.map((r) => [r.remote_id, { in: r.in_msgs, out: r.out_msgs }]));
}

function delta(before: Map<string, { in: number; out: number }>, after: Map<string, { in: number; out: number }>, id: string): { in: number; out: number } {
  const b = before.get(id);
  const a = after.get(id);
  assert.ok(a && b, `a route to ${id} before and after`);
  return { in: a.in - b.in, out: a.out - b.out };
}

// nats-server 2.9 picks a queue member for a client's message uniformly over every member in the
// cluster: local members and each route's members, the latter counted by the queue weight of the
// route's RS+ (probed: 1 member on node 0, 3 on node 1, 1 on node 2 gave 200/588/212 of 1000). It does
// not prefer local members; only a message that came from a route is kept to local members.
forEachCluster("cluster: a queue group gets each message once, spread over every member cluster-wide (queue weights)", async (c) => {
  const ncs = await clientsFor(c);
  try {
    const onNode1 = [collect(ncs[1]!, "work.w", "workers"), collect(ncs[1]!, "work.w", "workers"), collect(ncs[1]!, "work.w", "workers")];
    const local = collect(ncs[0]!, "work.w", "workers");
    const onNode2 = collect(ncs[2]!, "work.w", "workers");
    await Promise.all(ncs.map((nc) => nc.flush()));
    await c.waitForInterest(0, "work.w", 2);
    // The weight of node 1's group (3) must have reached node 0, not only its first RS+.
    await barrierTo(ncs, 0, "w0", c);
    const sent = Array.from({ length: 300 }, (_, k) => `a${k}`);
    for (const s of sent) ncs[0]!.publish("work.w", s);
    await barrier(ncs, 0, "w1", c);
    const all = [local, ...onNode1, onNode2];
    assert.deepEqual(all.flatMap((m) => m.strings()).sort(), [...sent].sort(), "every message exactly once across the group");
    for (const [k, m] of all.entries()) assert.ok(m.msgs.length > 0, `member ${k} got some of 300 messages (${all.map((x) => x.msgs.length).join("/")})`);
    const n1 = onNode1.reduce((t, m) => t + m.msgs.length, 0);
    assert.ok(n1 > local.msgs.length && n1 > onNode2.msgs.length, `node 1 (3 members) gets the largest share: ${local.msgs.length}/${n1}/${onNode2.msgs.length}`);

    // Two members on node 1 leave: its weight drops to 1, and its share to about a third.
    onNode1[1]!.sub.unsubscribe();
    onNode1[2]!.sub.unsubscribe();
    await ncs[1]!.flush();
    await barrierTo(ncs, 0, "w1b", c);
    const before = all.map((m) => m.msgs.length);
    const second = Array.from({ length: 300 }, (_, k) => `b${k}`);
    for (const s of second) ncs[0]!.publish("work.w", s);
    await barrier(ncs, 0, "w2", c);
    const got = all.map((m, k) => m.msgs.length - before[k]!);
    assert.equal(got.reduce((t, x) => t + x, 0), 300, `every message once after the weight change: ${got.join("/")}`);
    assert.equal(got[2]! + got[3]!, 0, "members that left get nothing");
    // Binomial(300, 1/3): mean 100, sd 8; with the stale weight 3 the mean would be 180.
    assert.ok(got[1]! < 150, `node 1's share follows its new weight: ${got.join("/")}`);
  } finally {
    await closeAll(ncs);
  }
});

forEachCluster("cluster: with no local member, each message goes to exactly one remote member", async (c) => {
  const ncs = await clientsFor(c);
  try {
    const members = [collect(ncs[1]!, "work.remote", "workers"), collect(ncs[2]!, "work.remote", "workers"), collect(ncs[2]!, "work.remote", "workers")];
    await Promise.all(ncs.map((nc) => nc.flush()));
    await c.waitForInterest(0, "work.remote", 2);
    const sent = Array.from({ length: 40 }, (_, k) => `m${k}`);
    for (const s of sent) ncs[0]!.publish("work.remote", s);
    await barrier(ncs, 0, "remote", c);
    const all = members.flatMap((m) => m.strings()).sort();
    assert.deepEqual(all, [...sent].sort(), "every message exactly once across the group");
  } finally {
    await closeAll(ncs);
  }
});

forEachCluster("cluster: plain subscribers and a queue group behind the same routes (RMSG with queue lists), with replies", async (c) => {
  const ncs = await clientsFor(c);
  try {
    const plain1 = collect(ncs[1]!, "mix.x");
    const plain2 = collect(ncs[2]!, "mix.*");
    const q = [collect(ncs[1]!, "mix.x", "g1"), collect(ncs[2]!, "mix.x", "g1"), collect(ncs[2]!, "mix.>", "g2")];
    await Promise.all(ncs.map((nc) => nc.flush()));
    await c.waitForInterest(0, "mix.x", 2);
    await c.waitForInterest(0, "mix.*");
    await c.waitForInterest(0, "mix.>");
    for (let k = 0; k < 10; k++) ncs[0]!.publish("mix.x", `m${k}`, { reply: `reply.to.${k}` });
    await barrier(ncs, 0, "mix", c);
    const want = Array.from({ length: 10 }, (_, k) => `m${k}`);
    assert.deepEqual(plain1.strings(), want, "the plain subscriber on node 1 gets every message");
    assert.deepEqual(plain2.strings(), want, "the plain subscriber on node 2 gets every message");
    assert.deepEqual([...q[0]!.strings(), ...q[1]!.strings()].sort(), [...want].sort(), "group g1: each message once");
    assert.deepEqual(q[2]!.strings(), want, "group g2 (one member): every message");
    for (const m of [...plain1.msgs, ...plain2.msgs, ...q.flatMap((x) => x.msgs)]) {
      assert.equal(m.reply, `reply.to.${m.string().slice(1)}`, "the reply subject crosses the route");
    }
  } finally {
    await closeAll(ncs);
  }
});

forEachCluster("cluster: one copy per route however many subscriptions match behind it (/routez message counters)", async (c, _mix) => {
  const ids = await c.waitForMesh();
  const ncs = await clientsFor(c);
  try {
    const subs = [collect(ncs[1]!, "copy.*"), collect(ncs[1]!, "copy.x"), collect(ncs[1]!, "copy.>"), collect(ncs[1]!, "copy.x", "q")];
    const other = await clientsFor(c, [1]);
    ncs.push(...other);
    subs.push(collect(other[0]!, "copy.x"));
    await Promise.all(ncs.map((nc) => nc.flush()));
    for (const s of ["copy.*", "copy.x", "copy.>"]) await c.waitForInterest(0, s);
    const before0 = await routeCounts(c, 0);
    const before1 = await routeCounts(c, 1);
    const before2 = await routeCounts(c, 2);
    for (let k = 0; k < 5; k++) ncs[0]!.publish("copy.x", `c${k}`);
    await ncs[0]!.flush();
    await Promise.all(subs.map((s) => s.waitForCount(5)));
    const after0 = await routeCounts(c, 0);
    const after1 = await routeCounts(c, 1);
    const after2 = await routeCounts(c, 2);
    assert.deepEqual(subs.map((s) => s.msgs.length), [5, 5, 5, 5, 5], "each of the five subscriptions on node 1 gets every message");
    assert.equal(delta(before0, after0, ids[1]!).out, 5, "node 0 sent one copy per message to node 1");
    assert.equal(delta(before1, after1, ids[0]!).in, 5, "node 1 received one copy per message from node 0");
    assert.equal(delta(before0, after0, ids[2]!).out, 0, "node 0 sent nothing to node 2 (no interest there)");
    assert.equal(delta(before2, after2, ids[0]!).in, 0, "node 2 received nothing");
    assert.equal(delta(before1, after1, ids[2]!).out, 0, "node 1 forwarded nothing to node 2");
  } finally {
    await closeAll(ncs);
  }
});

forEachCluster("cluster: no duplicates through the third node (one-hop rule), from every publisher", async (c) => {
  const ids = await c.waitForMesh();
  const ncs = await clientsFor(c);
  try {
    const subs = ncs.map((nc) => collect(nc, "dup.>"));
    await Promise.all(ncs.map((nc) => nc.flush()));
    for (const n of c.nodes) await c.waitForInterest(n.index, "dup.>", 2);
    for (const [p, nc] of ncs.entries()) {
      const before = await Promise.all(c.nodes.map((n) => routeCounts(c, n.index)));
      const counts = subs.map((s) => s.msgs.length);
      for (let k = 0; k < 20; k++) nc.publish(`dup.${p}`, `${p}:${k}`);
      await barrier(ncs, p, `dup${p}`, c);
      const after = await Promise.all(c.nodes.map((n) => routeCounts(c, n.index)));
      for (const [j, s] of subs.entries()) {
        assert.deepEqual(s.strings().slice(counts[j]), Array.from({ length: 20 }, (_, k) => `${p}:${k}`), `node ${j} got each message from node ${p} once, in order`);
      }
      // The two nodes that are not the publisher exchanged nothing but the barrier's markers.
      const [a, b] = [0, 1, 2].filter((x) => x !== p) as [number, number];
      assert.equal(delta(before[a]!, after[a]!, ids[b]!).out, 0, `node ${a} forwarded nothing to node ${b}`);
      assert.equal(delta(before[b]!, after[b]!, ids[a]!).out, 0, `node ${b} forwarded nothing to node ${a}`);
    }
  } finally {
    await closeAll(ncs);
  }
});
