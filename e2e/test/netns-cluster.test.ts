// Multi-host clusters (root only): three brokers in three network namespaces joined by a bridge,
// each on its own address, the seed route given by host name. Cutting one host's link leaves the
// other two working and drops the interest behind the cut; healing it re-forms the mesh.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ServerKind } from "../../broker/test/harness/servers.js";
import { clusterSkipReason, waitFor } from "../../broker/test/support/cluster-harness.js";
import { labSkipReason } from "../netns/lab.js";
import { NetnsCluster } from "../netns/netns-cluster.js";

const N: ServerKind = "nats-server";
const S: ServerKind = "skein";
const MIXES: { label: string; kinds: ServerKind[] }[] = [
  { label: "nats,nats,nats", kinds: [N, N, N] },
  { label: "skein,skein,skein", kinds: [S, S, S] },
  { label: "nats seed,skein,skein", kinds: [N, S, S] },
];

/** Requests until the answer is `want` (a reply text, or "no responders"). */
async function untilAnswer(c: NetnsCluster, conn: string, subject: string, want: string, timeout: number): Promise<void> {
  let last = "";
  await waitFor(`${conn}: ${subject} answers ${JSON.stringify(want)}`, async () => {
    try {
      last = await c.probe.call<string>("request", { conn, subject, timeout: 1000 });
    } catch (e) {
      last = (e as Error).message;
    }
    return last === want ? true : undefined;
  }, timeout, () => `last answer: ${last}\n${c.describe()}`);
}

for (const mix of MIXES) {
  const skip = labSkipReason() ?? clusterSkipReason(mix.kinds);
  test(`netns: mesh across three hosts by host name; a cut link is cleaned up and heals [${mix.label}]`, { skip: skip ?? false, timeout: 120_000 }, async () => {
    const c = await NetnsCluster.start(mix.kinds);
    try {
      await c.waitForMesh();
      for (const n of c.nodes) await c.probe.call("connect", { conn: `c${n.host.index}`, url: n.url });
      await c.probe.call("respond", { conn: "c1", subject: "svc.one", reply: "one" });
      await c.probe.call("respond", { conn: "c2", subject: "svc.far", reply: "far" });
      await untilAnswer(c, "c0", "svc.one", "one", 10_000);
      await untilAnswer(c, "c0", "svc.far", "far", 10_000);
      await untilAnswer(c, "c1", "svc.far", "far", 10_000);

      // Cut host 2 off the bridge: packets vanish, no reset. The others notice through route pings.
      c.lab.setLink(2, false);
      await untilAnswer(c, "c0", "svc.far", "no responders", 20_000);
      await untilAnswer(c, "c1", "svc.far", "no responders", 20_000);
      await c.waitForMesh([0, 1], 20_000);
      assert.equal(await c.probe.call<string>("request", { conn: "c0", subject: "svc.one", timeout: 3000 }), "one", "nodes 0 and 1 keep working");

      // Heal: host 2 redials its seed, the seed gossips it to node 1, and the mesh is whole again.
      c.lab.setLink(2, true);
      await c.waitForMesh([0, 1, 2], 30_000);
      // The client on host 2 may have been dropped by its server during the cut; use a fresh one.
      await c.probe.call("connect", { conn: "c2b", url: c.node(2).url });
      await c.probe.call("respond", { conn: "c2b", subject: "svc.back", reply: "back" });
      await untilAnswer(c, "c0", "svc.back", "back", 15_000);
      await untilAnswer(c, "c1", "svc.back", "back", 15_000);
      await c.probe.call("respond", { conn: "c0", subject: "svc.zero", reply: "zero" });
      await untilAnswer(c, "c2b", "svc.zero", "zero", 15_000);
    } catch (e) {
      if (e instanceof Error && !e.message.includes("== node0")) e.message += `\n${c.describe()}`;
      throw e;
    } finally {
      c.destroy();
    }
  });
}
