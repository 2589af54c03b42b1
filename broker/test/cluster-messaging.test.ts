// Three-node clusters of every mix of skein and nats-server: the mesh forms from one seed route,
// and pub/sub, request-reply and headers work across every ordered pair of nodes.
import assert from "node:assert/strict";
import { headers } from "@nats-io/transport-node";
import { Cluster } from "./support/cluster-harness.js";
import { clientsFor, closeAll, collect } from "./support/cluster-clients.js";
import { forEachCluster, orderedPairs } from "./support/cluster-matrix.js";

/**
 * Re-checks the mesh for two seconds: every node keeps exactly one route to each other node, and it
 * is the same connection throughout (a duplicate resolved late, or resolved differently by the two
 * ends so that both copies close, shows up here).
 */
async function assertMeshStable(c: Cluster, ids: readonly string[]): Promise<void> {
  const first = new Map<number, string>();
  const deadline = Date.now() + 2000;
  while (Date.now() < deadline) {
    for (const n of c.nodes) {
      const rz = await c.routez(n.index);
      const want = ids.filter((_, j) => j !== n.index).sort();
      assert.deepEqual(rz.routes.map((r) => r.remote_id).sort(), want, `${n.name} has one route to each other node`);
      assert.equal(rz.num_routes, 2, `${n.name} num_routes`);
      const rids = rz.routes.map((r) => `${r.remote_id}:${r.rid}`).sort().join(",");
      if (!first.has(n.index)) first.set(n.index, rids);
      assert.equal(rids, first.get(n.index), `${n.name} keeps the same route connections`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const n of c.nodes) assert.equal((await c.varz(n.index)).routes, 2, `${n.name} /varz routes`);
}

forEachCluster("cluster: a full mesh forms from one seed route (implicit routes), one route per pair", async (c) => {
  const ids = await c.waitForMesh();
  assert.equal(new Set(ids).size, 3, "three distinct server ids");
  // Node 1 and node 2 only know the seed; their route to each other was learnt by gossip.
  const rz1 = await c.routez(1);
  const toTwo = rz1.routes.find((r) => r.remote_id === ids[2]);
  assert.ok(toTwo, "node 1 has an implicit route to node 2");
  await assertMeshStable(c, ids);
});

forEachCluster("cluster: every node listing every route (itself included) still gives one route per pair", async (c) => {
  const ids = await c.waitForMesh();
  await assertMeshStable(c, ids);
}, { topology: "full" });

forEachCluster("cluster: pub/sub across every ordered pair of nodes, each message exactly once", async (c) => {
  const ncs = await clientsFor(c);
  try {
    const pairs = orderedPairs(3);
    const subs = pairs.map(([i, j]) => collect(ncs[j]!, `pair.${i}.${j}`));
    await Promise.all(ncs.map((nc) => nc.flush()));
    await Promise.all(pairs.map(([i, j]) => c.waitForInterest(i, `pair.${i}.${j}`)));
    for (const [i, j] of pairs) {
      ncs[i]!.publish(`pair.${i}.${j}`, `from ${i} to ${j}`);
      ncs[i]!.publish(`pair.${i}.${j}`, "end");
    }
    await Promise.all(ncs.map((nc) => nc.flush()));
    for (const [k, [i, j]] of pairs.entries()) {
      const s = subs[k]!;
      await s.waitForCount(2);
      // "end" follows the message on the same path, so anything duplicated would come before it.
      assert.deepEqual(s.strings(), [`from ${i} to ${j}`, "end"], `node ${i} -> node ${j}`);
    }
  } finally {
    await closeAll(ncs);
  }
});

forEachCluster("cluster: request-reply across every ordered pair (official client)", async (c) => {
  const ncs = await clientsFor(c);
  try {
    for (const [j, nc] of ncs.entries()) {
      nc.subscribe(`svc.${j}`, { callback: (err, m) => { if (!err) m.respond(`node ${j} got ${m.string()}`); } });
      await nc.flush();
    }
    for (const [i, j] of orderedPairs(3)) await c.waitForInterest(i, `svc.${j}`);
    for (const [i, j] of orderedPairs(3)) {
      const r = await ncs[i]!.request(`svc.${j}`, `q${i}`, { timeout: 5000 });
      assert.equal(r.string(), `node ${j} got q${i}`, `request from node ${i} to node ${j}`);
    }
  } finally {
    await closeAll(ncs);
  }
});

forEachCluster("cluster: headers cross routes intact (HMSG over RMSG/HMSG), also on requests and replies", async (c) => {
  const ncs = await clientsFor(c);
  try {
    const pairs = orderedPairs(3);
    const subs = pairs.map(([i, j]) => collect(ncs[j]!, `hdr.${i}.${j}`));
    for (const [j, nc] of ncs.entries()) {
      nc.subscribe(`hsvc.${j}`, {
        callback: (err, m) => {
          if (err) return;
          const h = headers();
          h.set("Answered-By", `node ${j}`);
          h.set("Echo", m.headers?.get("Ask") ?? "(none)");
          m.respond(`re: ${m.string()}`, { headers: h });
        },
      });
    }
    await Promise.all(ncs.map((nc) => nc.flush()));
    await Promise.all(pairs.map(([i, j]) => c.waitForInterest(i, `hdr.${i}.${j}`)));
    await Promise.all(pairs.map(([i, j]) => c.waitForInterest(i, `hsvc.${j}`)));
    for (const [i, j] of pairs) {
      const h = headers();
      h.set("X-From", String(i));
      h.append("X-Multi", "a");
      h.append("X-Multi", "b c");
      ncs[i]!.publish(`hdr.${i}.${j}`, `payload ${i}${j}`, { headers: h });
      ncs[i]!.publish(`hdr.${i}.${j}`, ""); // no headers, no payload
    }
    await Promise.all(ncs.map((nc) => nc.flush()));
    for (const [k, [i, j]] of pairs.entries()) {
      const s = subs[k]!;
      await s.waitForCount(2);
      assert.equal(s.msgs.length, 2, `node ${i} -> node ${j}: two messages`);
      const [m1, m2] = s.msgs;
      assert.equal(m1?.string(), `payload ${i}${j}`);
      assert.equal(m1?.headers?.get("X-From"), String(i));
      assert.deepEqual(m1?.headers?.values("X-Multi"), ["a", "b c"]);
      assert.equal(m2?.string(), "");
      assert.equal(m2?.headers, undefined, "a plain message stays plain");
    }
    for (const [i, j] of pairs) {
      const h = headers();
      h.set("Ask", `from ${i}`);
      const r = await ncs[i]!.request(`hsvc.${j}`, "hello", { timeout: 5000, headers: h });
      assert.equal(r.string(), "re: hello");
      assert.equal(r.headers?.get("Answered-By"), `node ${j}`);
      assert.equal(r.headers?.get("Echo"), `from ${i}`);
    }
  } finally {
    await closeAll(ncs);
  }
});
