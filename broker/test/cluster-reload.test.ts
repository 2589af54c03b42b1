// Reloading `cluster { routes }` on SIGHUP, on every mix of skein and nats-server: a route added to
// the file is dialled and the node joins the mesh; a route removed from it is closed ("Route
// Removed"), logged as "Removed route <url>", and never redialled; an unchanged file touches no
// route. The nodes are laid out so that the reloaded route is the only link between its two ends
// (nobody else dials them to each other), so its removal really parts them. Every log line checked
// here is one nats-server 2.9.10 prints, in the order it prints them.
import assert from "node:assert/strict";
import { sleep } from "./harness/servers.js";
import { waitFor, type Cluster } from "./support/cluster-harness.js";
import { assertPairDelivery, clientsFor, closeAll, collect } from "./support/cluster-clients.js";
import { forEachCluster } from "./support/cluster-matrix.js";

/** Waits until node i's log, from offset `from` on, matches `re`; returns the matched text. */
async function waitForLog(c: Cluster, i: number, re: RegExp, from = 0, timeout = 15_000): Promise<string> {
  return waitFor(`${c.node(i).name} to log ${re}`, async () => re.exec(c.node(i).log().slice(from))?.[0], timeout);
}

/** Rewrites node i's routes to the given nodes, sends SIGHUP, and waits for the reload to be done. */
async function reloadRoutes(c: Cluster, i: number, to: readonly number[]): Promise<number> {
  const from = c.node(i).log().length;
  c.reconfigure(i, { routes: () => to });
  c.raise(i, "SIGHUP");
  await waitForLog(c, i, /Reloaded server configuration/, from);
  assert.doesNotMatch(c.node(i).log().slice(from), /Failed to reload/, `${c.node(i).name} accepted the new file`);
  return from;
}

/** The route URL a node lists for node j, as nats-server prints it in "Removed route". */
const routeUrl = (c: Cluster, j: number): string => `nats-route://127.0.0.1:${c.node(j).clusterPort}`;

/** The lines a removed route leaves in the log of the node that listed it, in nats-server's order. */
function removedLines(c: Cluster, j: number): RegExp {
  return new RegExp([
    `127\\.0\\.0\\.1:${c.node(j).clusterPort} - rid:\\d+ - Router connection closed: Route Removed`,
    `Removed route ${routeUrl(c, j).replace(/\./g, "\\.")}\\n`,
    "Reloaded: cluster routes",
  ].join("[^]*?"));
}

/** The remote server ids of node i's routes, sorted. */
async function peers(c: Cluster, i: number): Promise<string[]> {
  return (await c.routez(i)).routes.map((r) => r.remote_id).sort();
}

/**
 * For three seconds (nats-server redials a lost explicit route after one second), node a and node b
 * have no route to each other, and node `dialler` opens no new route connection to node b.
 */
async function assertStaysParted(c: Cluster, ids: readonly string[], a: number, b: number, dialler: number, from: number): Promise<void> {
  const created = new RegExp(`127\\.0\\.0\\.1:${c.node(b).clusterPort} - rid:\\d+ - Route connection created`);
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    assert.ok(!(await peers(c, a)).includes(ids[b]!), `node ${a} has no route to node ${b}`);
    assert.ok(!(await peers(c, b)).includes(ids[a]!), `node ${b} has no route to node ${a}`);
    assert.doesNotMatch(c.node(dialler).log().slice(from), created, `node ${dialler} does not redial node ${b}`);
    await sleep(200);
  }
}

forEachCluster("reload: a route added to cluster.routes is dialled and the node joins the mesh; removed again, it is closed and not redialled", async (c) => {
  // Node 1 routes to node 0; node 2 starts with no routes and nobody lists it.
  const pair = await c.waitForMesh([0, 1]);
  assert.equal((await c.routez(2)).num_routes, 0, "node 2 starts alone");

  // Node 2 gets a route to node 0: it dials it, node 0 tells node 1, and the three mesh.
  const added = await reloadRoutes(c, 2, [0]);
  await waitForLog(c, 2, /Reloaded: cluster routes/, added);
  const ids = await c.waitForMesh(undefined, 20_000);
  assert.deepEqual(ids.slice(0, 2), pair);
  const toSeed = (await c.routez(2)).routes.find((r) => r.remote_id === ids[0]);
  assert.ok(toSeed, "node 2 routes to node 0");
  assert.equal(toSeed.did_solicit, true, "node 2 dialled the route to node 0");
  assert.doesNotMatch(c.node(2).log().slice(added), /Route Removed|Removed route/, "adding a route removes none");

  const ncs = await clientsFor(c);
  try {
    await assertPairDelivery(c, ncs, [[0, 1], [0, 2], [1, 0], [1, 2], [2, 0], [2, 1]], "added");

    // The route is removed again: node 2 closes it for good; node 0 sees its peer go.
    const from0 = c.node(0).log().length;
    const removed = await reloadRoutes(c, 2, []);
    await waitForLog(c, 2, removedLines(c, 0), removed);
    await waitForLog(c, 0, / - rid:\d+ - Router connection closed: Client Closed/, from0);
    await waitFor("node 0 and node 2 to part", async () => (
      !(await peers(c, 0)).includes(ids[2]!) && !(await peers(c, 2)).includes(ids[0]!) ? true : undefined), 10_000);
    await assertStaysParted(c, ids, 0, 2, 2, removed);
    // Node 1's implicit routes to both stay.
    assert.deepEqual(await peers(c, 1), [ids[0]!, ids[2]!].sort(), "node 1 still routes to node 0 and node 2");
    assert.deepEqual(await peers(c, 2), [ids[1]!], "node 2 routes only to node 1");

    // Routed messages go one hop: node 1 and node 2 still talk, node 0 and node 2 no longer do.
    await assertPairDelivery(c, ncs, [[1, 2], [2, 1]], "kept");
    const to2 = collect(ncs[2]!, "parted");
    const to1 = collect(ncs[1]!, "parted");
    await Promise.all(ncs.map((nc) => nc.flush()));
    await c.waitForInterest(0, "parted");
    ncs[0]!.publish("parted", "from 0");
    await ncs[0]!.flush();
    await to1.waitForCount(1);
    await sleep(500);
    await ncs[2]!.flush();
    assert.deepEqual(to2.strings(), [], "node 2 no longer gets node 0's messages");
  } finally {
    await closeAll(ncs);
  }
}, { mesh: false, routes: (i) => (i === 1 ? [0] : []) });

forEachCluster("reload: an unchanged file keeps the route; removing the route a node started with parts the two nodes for good; adding it back reconnects them", async (c) => {
  // Two nodes: node 1 routes to node 0 (node 2 is not started).
  const ids = await c.waitForMesh([0, 1]);
  const before = (await c.routez(1)).routes.map((r) => `${r.remote_id}:${r.rid}`);

  // SIGHUP with the same file: no route is touched.
  const same = await reloadRoutes(c, 1, [0]);
  await sleep(500);
  assert.doesNotMatch(c.node(1).log().slice(same), /Reloaded: cluster routes|Route Removed|Removed route/, "an unchanged file reloads no route");
  assert.deepEqual((await c.routez(1)).routes.map((r) => `${r.remote_id}:${r.rid}`), before, "the same route connection");

  // The route is removed: closed on both sides, and nobody redials.
  const removed = await reloadRoutes(c, 1, []);
  await waitForLog(c, 1, removedLines(c, 0), removed);
  await c.waitForNoRoutes(1, 10_000);
  await c.waitForNoRoutes(0, 10_000);
  await assertStaysParted(c, ids, 0, 1, 1, removed);

  // Back in the file: dialled again, and messages cross both ways.
  const added = await reloadRoutes(c, 1, [0]);
  await waitForLog(c, 1, /Reloaded: cluster routes/, added);
  await c.waitForMesh([0, 1], 20_000);
  const back = (await c.routez(1)).routes;
  assert.equal(back.length, 1);
  assert.equal(back[0]!.did_solicit, true, "node 1 dialled it");
  assert.notDeepEqual(back.map((r) => `${r.remote_id}:${r.rid}`), before, "a new route connection");
  const ncs = await clientsFor(c);
  try {
    await assertPairDelivery(c, ncs, [[0, 1], [1, 0]], "back");
  } finally {
    await closeAll(ncs);
  }
}, { mesh: false, startNow: (i) => i < 2 });
