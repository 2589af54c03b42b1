// Membership on every mix of skein and nats-server: a joining node gets the interest that existed
// before it came (queue weights included), a hub's routes mesh through gossip, lame duck moves clients elsewhere, nats-server's own
// system-account traffic over routes is tolerated, big and many messages cross in order, and
// /routez and /varz describe the routes as nats-server does.
import assert from "node:assert/strict";
import { assertPairDelivery, clientsFor, closeAll, collect } from "./support/cluster-clients.js";
import { waitFor } from "./support/cluster-harness.js";
import { infoClient, nextInfo, sortedUrls, urls } from "./support/cluster-info.js";
import { forEachCluster, orderedPairs } from "./support/cluster-matrix.js";

forEachCluster("cluster: a node that joins late gets the interest made before it came, queue weights included", async (c) => {
  await c.waitForMesh([0, 1]);
  const ncs = await clientsFor(c, [0, 1]);
  try {
    const plain = collect(ncs[0]!, "late.plain");
    const q = [collect(ncs[0]!, "late.q", "g"), collect(ncs[0]!, "late.q", "g"), collect(ncs[1]!, "late.q", "g")];
    await Promise.all(ncs.map((nc) => nc.flush()));
    await c.start(2);
    await c.waitForMesh();
    await c.waitForInterest(2, "late.plain");
    await c.waitForInterest(2, "late.q", 2);
    const [pub] = await clientsFor(c, [2]);
    ncs.push(pub!);
    for (let k = 0; k < 300; k++) pub!.publish("late.q", `q${k}`);
    pub!.publish("late.plain", "hello");
    await pub!.flush();
    await plain.waitForCount(1);
    await waitFor("all 300 queue messages", async () => (q.reduce((t, s) => t + s.msgs.length, 0) >= 300 ? true : undefined), 10_000);
    const onNode0 = q[0]!.msgs.length + q[1]!.msgs.length;
    const onNode1 = q[2]!.msgs.length;
    assert.equal(onNode0 + onNode1, 300, "each queue message once");
    // Node 0 has two members and node 1 one: with the replayed weights node 0 gets about 2/3.
    assert.ok(onNode0 > onNode1, `node 0 (weight 2) gets more than node 1 (weight 1): ${onNode0}/${onNode1}`);
  } finally {
    await closeAll(ncs);
  }
}, { mesh: false, startNow: (i) => i < 2 });

forEachCluster("cluster: a hub that dials the other nodes introduces them to each other, so the mesh completes", async (c) => {
  // Only node 0 lists routes; nodes 1 and 2 learn of each other from the INFO node 0 forwards.
  await c.waitForMesh();
  const ncs = await clientsFor(c, [0, 1, 2]);
  try {
    await assertPairDelivery(c, ncs, [[1, 2], [2, 1]], "hub");
  } finally {
    await closeAll(ncs);
  }
}, { routes: (i) => (i === 0 ? [1, 2] : []) });

forEachCluster("cluster: a node without a cluster name takes the name its peers have configured", async (c) => {
  await waitFor("node 2 named skein-test", async () => ((await c.varz(2)).cluster?.name === "skein-test" ? true : undefined));
  assert.ok(c.node(2).log().includes("[INF] Cluster name updated to skein-test"));
  const ncs = await clientsFor(c, [0, 1, 2]);
  try {
    await assertPairDelivery(c, ncs, [[0, 2], [2, 1]], "dynamic");
  } finally {
    await closeAll(ncs);
  }
}, { clusterName: (i) => (i === 2 ? "" : "skein-test") });

forEachCluster("cluster: lame duck tells the node's clients to move (INFO ldm with the other nodes) and the others forget it", async (c) => {
  const mine = await infoClient(c, 0);
  const other = await infoClient(c, 1);
  try {
    assert.deepEqual(sortedUrls(mine.info), urls(c, [0, 1, 2]));
    c.raise(0, "SIGUSR2");
    const ldm = await nextInfo(mine);
    assert.equal(ldm["ldm"], true, `the lame duck node's clients get ldm: ${JSON.stringify(ldm)}`);
    assert.deepEqual(sortedUrls(ldm), urls(c, [1, 2]), "and the URLs of the other nodes only");
    const update = await nextInfo(other);
    assert.equal(update["ldm"], undefined, "clients of other nodes are not in lame duck");
    assert.deepEqual(sortedUrls(update), urls(c, [1, 2]), "clients of other nodes stop being offered the lame duck node");
    await c.waitForExit(0, 20_000);
    await c.waitForMesh([1, 2]);
  } finally {
    mine.close();
    other.close();
  }
}, { extra: () => 'lame_duck_duration: "30s"\nlame_duck_grace_period: "1s"', timeout: 60_000 });

forEachCluster("cluster: nats-server's system account traffic over routes ($SYS interest and messages) is tolerated", async (c) => {
  const ids = await c.waitForMesh();
  const before = await Promise.all(c.nodes.map(async (n) => (await c.routez(n.index)).routes.map((r) => `${r.remote_id}:${r.rid}`).sort()));
  const ncs = await clientsFor(c);
  try {
    await assertPairDelivery(c, ncs, orderedPairs(3), "sys");
    // A client of the system account does not exist here, but connection events still cross as
    // $SYS messages; none of it may cost a route.
    const after = await Promise.all(c.nodes.map(async (n) => (await c.routez(n.index)).routes.map((r) => `${r.remote_id}:${r.rid}`).sort()));
    assert.deepEqual(after, before, "the same route connections throughout");
    assert.equal(new Set(ids).size, 3);
  } finally {
    await closeAll(ncs);
  }
}, { systemAccount: true });

forEachCluster("cluster: big and many messages cross routes intact and in order", async (c) => {
  const ncs = await clientsFor(c);
  try {
    const sizes = [0, 1, 100, 4096, 65_536, 300_000, 1_000_000];
    const a = collect(ncs[1]!, "big.>");
    const b = collect(ncs[2]!, "big.*");
    await Promise.all(ncs.map((nc) => nc.flush()));
    await c.waitForInterest(0, "big.>");
    await c.waitForInterest(0, "big.*");
    const sent: Buffer[] = [];
    for (let k = 0; k < 700; k++) {
      const size = sizes[k % sizes.length]!;
      const buf = Buffer.alloc(size, 97 + (k % 26));
      if (size >= 4) buf.writeUInt32BE(k, 0);
      sent.push(buf);
      ncs[0]!.publish("big.x", buf);
      // One round of sizes (1.4 MB) at a time: an unbounded burst of 130 MB would overrun the
      // subscribers' max_pending (64 MB) on any server, this test process reading them all.
      if (k % sizes.length === sizes.length - 1) await ncs[0]!.flush();
    }
    await ncs[0]!.flush();
    await a.waitForCount(700, 30_000);
    await b.waitForCount(700, 30_000);
    for (const s of [a, b]) {
      assert.equal(s.msgs.length, 700);
      for (const [k, m] of s.msgs.entries()) {
        assert.ok(Buffer.from(m.data).equals(sent[k]!), `message ${k} (${sent[k]!.length} bytes) intact and in order`);
      }
    }
  } finally {
    await closeAll(ncs);
  }
}, { timeout: 90_000 });

forEachCluster("cluster: /routez and /varz describe the routes as nats-server does (solicited, configured, ports, urls)", async (c) => {
  const ids = await c.waitForMesh();
  const keys = "rid,remote_id,did_solicit,is_configured,ip,port,start,last_activity,rtt,uptime,idle,pending_size,in_msgs,out_msgs,in_bytes,out_bytes,subscriptions";
  const rz = await Promise.all(c.nodes.map((n) => c.json<{ num_routes: number; routes: Record<string, unknown>[] }>(n.index, "/routez")));
  const route = (from: number, to: number): Record<string, unknown> => {
    const r = rz[from]!.routes.find((x) => x["remote_id"] === ids[to]);
    assert.ok(r, `node ${from} has a route to node ${to}`);
    return r;
  };
  for (const [i, j] of orderedPairs(3)) assert.deepEqual(Object.keys(route(i, j)).sort(), keys.split(",").sort(), `route ${i}->${j} fields`);
  for (const j of [1, 2]) {
    assert.deepEqual([route(0, j)["did_solicit"], route(0, j)["is_configured"]], [false, false], `the seed accepted node ${j}'s route`);
    assert.deepEqual([route(j, 0)["did_solicit"], route(j, 0)["is_configured"]], [true, true], `node ${j} dialled its configured seed`);
    assert.equal(route(j, 0)["port"], c.node(0).clusterPort, "a solicited route shows the remote's route port");
    assert.equal(route(j, 0)["ip"], "127.0.0.1");
  }
  const implicit = [route(1, 2), route(2, 1)];
  assert.deepEqual(implicit.map((r) => r["is_configured"]), [false, false], "the route learnt by gossip is not configured on either end");
  assert.equal(implicit.filter((r) => r["did_solicit"] === true).length, 1, "exactly one end of the implicit route dialled it");
  for (const n of c.nodes) {
    const vz = await c.json<Record<string, unknown>>(n.index, "/varz");
    assert.equal(vz["routes"], 2);
    assert.deepEqual((vz["connect_urls"] as string[]).slice().sort(), urls(c, [0, 1, 2]), `${n.name} /varz connect_urls`);
    const cl = vz["cluster"] as Record<string, unknown>;
    assert.equal(cl["name"], "skein-test");
    assert.equal(cl["addr"], "127.0.0.1");
    assert.equal(cl["cluster_port"], n.clusterPort);
    if (n.index > 0) assert.deepEqual(cl["urls"], [`127.0.0.1:${c.node(0).clusterPort}`], `${n.name} cluster.urls: its configured route`);
  }
  // Subscriptions a route carries are counted once per subject and queue, however many local ones.
  const ncs = await clientsFor(c, [1, 1]);
  try {
    for (const nc of ncs) {
      nc.subscribe("rz.a", { callback: () => undefined });
      nc.subscribe("rz.a", { queue: "q", callback: () => undefined });
      nc.subscribe("rz.b", { callback: () => undefined });
      await nc.flush();
    }
    await waitFor("node 0 to count node 1's three distinct subscriptions", async () => {
      const r = (await c.json<{ routes: Record<string, unknown>[] }>(0, "/routez")).routes.find((x) => x["remote_id"] === ids[1]);
      return r?.["subscriptions"] === 3 ? true : undefined;
    }, 10_000, () => "");
  } finally {
    await closeAll(ncs);
  }
});
