// Failures on every mix of skein and nats-server: interest behind a killed node or an UNSUB is
// dropped (requests get no-responders again), a killed node that comes back rejoins the mesh and
// traffic resumes, and the official client fails over to a node of the other kind.
import assert from "node:assert/strict";
import { connect, NoRespondersError, RequestError, type NatsConnection } from "@nats-io/transport-node";
import type { Cluster } from "./support/cluster-harness.js";
import { waitFor } from "./support/cluster-harness.js";
import { clientsFor, closeAll, collect } from "./support/cluster-clients.js";
import { forEachCluster, orderedPairs } from "./support/cluster-matrix.js";

function isNoResponders(err: unknown): boolean {
  const cause = err instanceof RequestError ? err.cause : err;
  return cause instanceof NoRespondersError;
}

/** Requests until one fails with no-responders; returns the time that took. */
async function waitForNoResponders(nc: NatsConnection, subject: string, within: number): Promise<number> {
  const start = Date.now();
  await waitFor(`no-responders for ${subject}`, async () => {
    try {
      await nc.request(subject, "ping", { timeout: 1000 });
      return undefined;
    } catch (e) {
      if (isNoResponders(e)) return true;
      return undefined; // a timeout: the request still went somewhere
    }
  }, within);
  return Date.now() - start;
}

/** Pub/sub across every ordered pair of the given nodes, retried until it flows (routes may still be settling). */
async function trafficFlows(c: Cluster, nodes: readonly number[], tag: string): Promise<void> {
  const ncs = await clientsFor(c, nodes);
  try {
    for (const [a, b] of orderedPairs(nodes.length)) {
      const subject = `flow.${tag}.${nodes[a]}.${nodes[b]}`;
      const s = collect(ncs[b]!, subject);
      await ncs[b]!.flush();
      await waitFor(`traffic from node ${nodes[a]} to node ${nodes[b]}`, async () => {
        ncs[a]!.publish(subject, "x");
        await ncs[a]!.flush();
        await new Promise((r) => setTimeout(r, 100));
        return s.msgs.length > 0 ? true : undefined;
      }, 15_000);
    }
  } finally {
    await closeAll(ncs);
  }
}

forEachCluster("cluster: a killed subscriber's node takes its interest along: requests get no-responders promptly", async (c) => {
  const ncs = await clientsFor(c);
  try {
    ncs[2]!.subscribe("svc.gone", { callback: (err, m) => { if (!err) m.respond("here"); } });
    await ncs[2]!.flush();
    await c.waitForInterest(0, "svc.gone");
    await c.waitForInterest(1, "svc.gone");
    assert.equal((await ncs[0]!.request("svc.gone", "x", { timeout: 5000 })).string(), "here");
    await c.kill(2);
    const took = await waitForNoResponders(ncs[0]!, "svc.gone", 5000);
    await waitForNoResponders(ncs[1]!, "svc.gone", 5000);
    await c.waitForNoInterest(0, "svc.gone", 1000);
    assert.ok(took < 5000, `no-responders after ${took} ms`);
    const rz = await c.routez(0);
    assert.equal(rz.num_routes, 1, "node 0 lost its route to the killed node");
  } finally {
    await closeAll(ncs);
  }
});

forEachCluster("cluster: UNSUB and auto-unsubscribe (max) propagate: the interest is gone on every node", async (c) => {
  const ncs = await clientsFor(c);
  try {
    const sub = ncs[1]!.subscribe("svc.unsub", { callback: (err, m) => { if (!err) m.respond("ok"); } });
    await ncs[1]!.flush();
    await c.waitForInterest(0, "svc.unsub");
    await c.waitForInterest(2, "svc.unsub");
    assert.equal((await ncs[0]!.request("svc.unsub", "x", { timeout: 5000 })).string(), "ok");
    sub.unsubscribe();
    await ncs[1]!.flush();
    await waitForNoResponders(ncs[0]!, "svc.unsub", 5000);
    await waitForNoResponders(ncs[2]!, "svc.unsub", 5000);
    await c.waitForNoInterest(0, "svc.unsub");
    await c.waitForNoInterest(2, "svc.unsub");

    // UNSUB with a maximum: after one delivery the subscription ends, and with it the remote interest.
    const once = ncs[1]!.subscribe("svc.once", { max: 1, callback: (err, m) => { if (!err) m.respond("first"); } });
    await ncs[1]!.flush();
    await c.waitForInterest(0, "svc.once");
    assert.equal((await ncs[0]!.request("svc.once", "x", { timeout: 5000 })).string(), "first");
    await once.closed;
    await waitForNoResponders(ncs[0]!, "svc.once", 5000);
    await c.waitForNoInterest(0, "svc.once");
    await c.waitForNoInterest(2, "svc.once");
  } finally {
    await closeAll(ncs);
  }
});

forEachCluster("cluster: the seed is killed and restarted on the same ports: the others keep working, then the mesh re-forms", async (c) => {
  await c.kill(0);
  await c.waitForMesh([1, 2]);
  await trafficFlows(c, [1, 2], "noseed");
  await c.start(0);
  await c.waitForMesh();
  await trafficFlows(c, [0, 1, 2], "seedback");
}, { timeout: 90_000 });

forEachCluster("cluster: a non-seed node is stopped and restarted: it rejoins the full mesh", async (c) => {
  await c.stopNode(2);
  await c.waitForMesh([0, 1]);
  await trafficFlows(c, [0, 1], "two");
  await c.start(2);
  await c.waitForMesh();
  await trafficFlows(c, [0, 1, 2], "three");
}, { timeout: 90_000 });

forEachCluster("cluster: the official client fails over to another node (of the other kind in mixed clusters), learnt from connect_urls", async (c) => {
  // Only node 0's URL is given: the others come from the INFO connect_urls.
  const nc = await connect({ servers: c.node(0).url, name: "failover", reconnectTimeWait: 200, maxReconnectAttempts: -1, reconnectJitter: 0 });
  const others = await clientsFor(c, [2]);
  try {
    await waitFor("the client to learn the other nodes", async () => {
      const known = nc.info?.connect_urls ?? [];
      return known.length === 3 ? true : undefined;
    }, 10_000, () => JSON.stringify(nc.info?.connect_urls));
    const s = collect(nc, "fo.subject");
    await nc.flush();
    await c.waitForInterest(2, "fo.subject");
    others[0]!.publish("fo.subject", "before");
    await s.waitForCount(1);
    await c.kill(0);
    // The client reconnects to node 1 or 2, replays its subscription there, and the interest spreads.
    await waitFor("the client to reconnect elsewhere", async () => {
      const port = Number(nc.getServer().split(":").pop());
      return port !== c.node(0).port && !nc.isClosed() ? true : undefined;
    }, 15_000, () => nc.getServer());
    await waitFor("a message from node 2 after the failover", async () => {
      others[0]!.publish("fo.subject", "after");
      await others[0]!.flush();
      await new Promise((r) => setTimeout(r, 100));
      return s.msgs.some((m) => m.string() === "after") ? true : undefined;
    }, 15_000);
    const port = Number(nc.getServer().split(":").pop());
    const now = c.nodes.find((n) => n.port === port);
    assert.ok(now && now.index !== 0, `reconnected to another node (${nc.getServer()})`);
  } finally {
    await closeAll([nc, ...others]);
  }
});
