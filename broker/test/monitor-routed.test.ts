// Monitoring of routed traffic on every mix of skein and nats-server: /varz counts the messages
// routes bring in, and /routez?subs=detail names each remote interest "$G subject [queue]" with the
// messages sent to the route for it (once per message, for the plain interest first).
import assert from "node:assert/strict";
import type { NatsConnection } from "@nats-io/transport-node";
import { waitFor, type Cluster, type Routez } from "./support/cluster-harness.js";
import { clientsFor, closeAll, collect } from "./support/cluster-clients.js";
import { forEachCluster } from "./support/cluster-matrix.js";

interface DetailedRoutez extends Routez {
  routes: (Routez["routes"][number] & {
    subscriptions_list_detail?: { subject: string; qgroup?: string; sid: string; msgs: number }[];
  })[];
}

/** Publishes from node `from` to subscribers on node `to`, then checks `from`'s route details. */
async function exercise(c: Cluster, ncs: NatsConnection[], from: number, to: number, tag: string): Promise<void> {
  const sub = ncs[to]!;
  const plain = collect(sub, `${tag}.>`);
  const queued = collect(sub, `${tag}.q`, "g");
  const queueOnly = collect(sub, `${tag}only`, "g2");
  await sub.flush();
  for (const s of [`${tag}.>`, `${tag}.q`, `${tag}only`]) await c.waitForInterest(from, s);
  const pub = ncs[from]!;
  for (let i = 0; i < 5; i++) pub.publish(`${tag}.a`, "x");
  for (let i = 0; i < 3; i++) pub.publish(`${tag}.q`, "y");
  for (let i = 0; i < 4; i++) pub.publish(`${tag}only`, "z");
  await pub.flush();
  await Promise.all([plain.waitForCount(8), queued.waitForCount(3), queueOnly.waitForCount(4)]);

  const toId = (await c.varz(to)).server_id;
  const rz = await c.json<DetailedRoutez>(from, "/routez?subs=detail");
  const route = rz.routes.find((r) => r.remote_id === toId);
  assert.ok(route, `${c.node(from).name} has a route to ${c.node(to).name}`);
  const mine = (route.subscriptions_list_detail ?? [])
    .filter((d) => d.subject.startsWith(tag))
    .map((d) => [d.subject, d.qgroup ?? null, d.sid, d.msgs])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  assert.deepEqual(mine, [
    [`${tag}.>`, null, `$G ${tag}.>`, 8], // the three queue messages went with the plain interest
    [`${tag}.q`, "g", `$G ${tag}.q g`, 0],
    [`${tag}only`, "g2", `$G ${tag}only g2`, 4],
  ]);
}

/** /varz in_msgs of node i is what its clients published plus what its routes brought in. */
async function assertInMsgs(c: Cluster, i: number, published: number): Promise<void> {
  let last = "";
  await waitFor(`${c.node(i).name}: /varz in_msgs = ${published} published + its routes' in_msgs`, async () => {
    const v = await c.json<{ in_msgs: number }>(i, "/varz");
    const rz = await c.json<{ routes: { in_msgs: number }[] }>(i, "/routez");
    const routed = rz.routes.reduce((n, r) => n + r.in_msgs, 0);
    last = `varz in_msgs ${v.in_msgs}, routes' in_msgs ${routed}`;
    return v.in_msgs === published + routed ? true : undefined;
  }, 10_000, () => last);
}

forEachCluster("monitor: routed messages count in /varz, and /routez details name and count remote interest", async (c) => {
  const ncs = await clientsFor(c, [0, 1]);
  try {
    // Both directions, so that a skein node is the one asked in every mix.
    await exercise(c, ncs, 0, 1, "fwd");
    await exercise(c, ncs, 1, 0, "back");
    // Each end sends its first timed PING about a second after the route opens: every route has an RTT.
    for (const n of c.nodes) {
      await waitFor(`${n.name}: every route has an RTT`, async () => {
        const rz = await c.json<{ routes: { rtt: string }[] }>(n.index, "/routez");
        return rz.routes.every((r) => r.rtt !== "0s") ? true : undefined;
      }, 5000);
    }
    await assertInMsgs(c, 0, 12);
    await assertInMsgs(c, 1, 12);
    await assertInMsgs(c, 2, 0);
  } finally {
    await closeAll(ncs);
  }
});
