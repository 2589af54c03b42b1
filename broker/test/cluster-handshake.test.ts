// The route handshake and what clients learn from the cluster, on each kind and each mix: the
// route port's INFO and its errors (cluster name mismatch, a client on the route port, route
// auth), routes that must not form, and connect_urls with the unprompted INFO on membership changes.
// Every exact text here was first observed on nats-server 2.9.10.
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { RawClient } from "./harness/raw-client.js";
import type { ServerKind } from "./harness/servers.js";
import { Cluster, clusterSkipReason, waitFor, type ClusterOptions } from "./support/cluster-harness.js";
import { forEachCluster } from "./support/cluster-matrix.js";
import { infoClient, nextInfo, sortedUrls, urls } from "./support/cluster-info.js";

const ROUTE_CONNECT = { verbose: false, pedantic: false, tls_required: false, name: "NFAKEROUTEPEER", headers: true };

/** One single-node "cluster" per kind, for the route port's own answers. */
function forEachKind(name: string, fn: (c: Cluster) => Promise<void>, opts: ClusterOptions = {}): void {
  for (const kind of ["nats-server", "skein"] as ServerKind[]) {
    test(`${name} [${kind}]`, { skip: clusterSkipReason([kind]) ?? false, timeout: 30_000 }, async () => {
      const c = await Cluster.start([kind], opts);
      try {
        await fn(c);
      } catch (e) {
        if (e instanceof Error) e.message += `\n${c.describe()}`;
        throw e;
      } finally {
        await c.stop();
      }
    });
  }
}

/**
 * Expects `-ERR 'text'` and the close. A PING before it is allowed: a route's first PING is not part
 * of what is checked here (nats-server sends it about a second after accepting).
 */
async function expectRouteErr(r: RawClient, text: string): Promise<void> {
  const m = await r.expect(/^(?:PING\r\n)*-ERR '([^\r]*)'\r\n/);
  assert.equal(m[1], text);
  await r.expectClosed();
}

async function routePeer(c: Cluster): Promise<RawClient> {
  const r = await RawClient.connect(c.node(0).clusterPort);
  r.label = "route peer";
  return r;
}

forEachKind("route port: INFO carries proto 2, the cluster name, headers and the client URL", async (c) => {
  const r = await routePeer(c);
  try {
    const info = r.info;
    assert.equal(info["proto"], 2);
    assert.equal(info["cluster"], "skein-test");
    assert.equal(info["headers"], true);
    assert.equal(info["port"], c.node(0).clusterPort);
    assert.equal(typeof info["server_id"], "string");
    assert.deepEqual(info["connect_urls"], [`127.0.0.1:${c.node(0).port}`]);
    // A peer of the same cluster is accepted: CONNECT, INFO, then PING gets PONG.
    r.send(`CONNECT ${JSON.stringify({ ...ROUTE_CONNECT, cluster: "skein-test" })}\r\n`);
    r.send(`INFO ${JSON.stringify({ server_id: "NFAKEROUTEPEER", cluster: "skein-test", proto: 2, headers: true })}\r\n`);
    assert.match(await r.flush(), /^(PING\r\n|RS\+ [^\r]*\r\n)*$/, "nothing but interest replay or PING before the PONG");
  } finally {
    r.close();
  }
});

forEachKind("route port: a peer that keeps sending but never answers PING is closed as stale", async (c) => {
  // Unlike a client, a route is PINGed every ping_interval whatever its traffic.
  const r = await routePeer(c);
  try {
    r.send(`CONNECT ${JSON.stringify({ ...ROUTE_CONNECT, cluster: "skein-test" })}\r\n`);
    r.send(`INFO ${JSON.stringify({ server_id: "NFAKEROUTEPEER", cluster: "skein-test", proto: 2, headers: true })}\r\n`);
    let i = 0;
    const busy = setInterval(() => r.send(`RS+ $G busy.${i++}\r\n`), 100);
    try {
      await r.expect(/^(?:RS\+ [^\r]*\r\n)*PING\r\n/, 5000);
      await r.expect("PING\r\n", 5000);
      await r.expect("-ERR 'Stale Connection'\r\n", 5000);
      await r.expectClosed();
    } finally {
      clearInterval(busy);
    }
  } finally {
    r.close();
  }
}, { extra: () => `ping_interval: "500ms"\nping_max: 2` });

forEachKind("route port: without a configured name, INFO carries a generated one marked cluster_dynamic", async (c) => {
  const r = await routePeer(c);
  try {
    assert.match(String(r.info["cluster"]), /^[0-9A-Za-z]{22}$/);
    assert.equal(r.info["cluster_dynamic"], true);
    assert.equal((await c.varz(0)).cluster?.name, r.info["cluster"], "/varz shows the name in use");
    const log = c.node(0).log();
    assert.ok(log.includes(`[INF]   Cluster:  ${String(r.info["cluster"])}`), "the banner names it");
    assert.ok(log.includes("[WRN] Cluster name was dynamically generated, consider setting one"));
  } finally {
    r.close();
  }
}, { clusterName: () => "" });

forEachKind("route port: a route CONNECT with another cluster name is rejected with nats-server's -ERR", async (c) => {
  const r = await routePeer(c);
  r.send(`CONNECT ${JSON.stringify({ ...ROUTE_CONNECT, cluster: "other" })}\r\nPING\r\n`);
  await expectRouteErr(r, `Rejecting connection, cluster name "other" does not match "skein-test"`);
  await waitFor("the rejection in the log", async () => (c.node(0).log().includes(`Rejecting connection, cluster name "other" does not match "skein-test"`) ? true : undefined), 5000);
});

forEachKind("route port: a client (CONNECT with lang) gets -ERR 'attempted to connect to route port' and is closed", async (c) => {
  const r = await routePeer(c);
  r.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, lang: "node", version: "3.4.0", protocol: 1 })}\r\nPING\r\n`);
  await expectRouteErr(r, "attempted to connect to route port");
  // The official client cannot connect there either (its error is that -ERR or the closed socket).
  await assert.rejects(connect({ servers: `127.0.0.1:${c.node(0).clusterPort}`, reconnect: false, timeout: 5000 }));
});

forEachKind("route port with authorization: no credentials is an Authorization Violation; a client with them is still told it hit the route port", async (c) => {
  const none = await routePeer(c);
  assert.equal(none.info["auth_required"], true);
  none.send(`CONNECT ${JSON.stringify({ ...ROUTE_CONNECT, cluster: "skein-test" })}\r\nPING\r\n`);
  await expectRouteErr(none, "Authorization Violation");
  const wrong = await routePeer(c);
  wrong.send(`CONNECT ${JSON.stringify({ ...ROUTE_CONNECT, cluster: "skein-test", user: "ruser", pass: "nope" })}\r\nPING\r\n`);
  await expectRouteErr(wrong, "Authorization Violation");
  const client = await routePeer(c);
  client.send(`CONNECT ${JSON.stringify({ verbose: false, lang: "node", user: "ruser", pass: "rpass" })}\r\nPING\r\n`);
  await expectRouteErr(client, "attempted to connect to route port");
  await waitFor("the auth failure in the log", async () => (c.node(0).log().includes("authentication error") ? true : undefined), 5000);
}, { auth: { user: "ruser", password: "rpass" } });

forEachCluster("cluster: a node with the wrong route password forms no route; the others mesh", async (c) => {
  await c.waitForMesh([0, 2]);
  await waitFor("node 0 to log the failed route authentication", async () => (/authentication error/.test(c.node(0).log()) ? true : undefined), 15_000);
  assert.equal((await c.routez(1)).num_routes, 0, "node 1 has no route");
  const rz0 = await c.routez(0);
  assert.equal(rz0.num_routes, 1, "node 0 routes only to node 2");
  assert.equal((await c.varz(1)).routes, 0);
}, { mesh: false, auth: { user: "ruser", password: "rpass" }, routeCredentials: (i) => (i === 1 ? { user: "ruser", password: "wrong" } : undefined) });

forEachCluster("cluster: a node with another cluster name forms no route; the others mesh", async (c) => {
  await c.waitForMesh([0, 2]);
  const text = `Rejecting connection, cluster name "other" does not match "skein-test"`;
  await waitFor("node 0 to log the cluster name conflict", async () => (c.node(0).log().includes(text) ? true : undefined), 15_000);
  assert.equal((await c.routez(1)).num_routes, 0, "node 1 has no route");
  assert.equal((await c.routez(0)).num_routes, 1, "node 0 routes only to node 2");
}, { mesh: false, clusterName: (i) => (i === 1 ? "other" : "skein-test") });

forEachCluster("cluster: clients' INFO lists every node in connect_urls, and an unprompted INFO follows a join and a departure", async (c) => {
  await c.waitForMesh([0, 1]);
  const clients = [await infoClient(c, 0), await infoClient(c, 1)];
  try {
    for (const r of clients) assert.deepEqual(sortedUrls(r.info), urls(c, [0, 1]), `${r.label}: connect_urls of the two nodes`);
    await c.start(2);
    await c.waitForMesh();
    for (const r of clients) assert.deepEqual(sortedUrls(await nextInfo(r)), urls(c, [0, 1, 2]), `${r.label}: async INFO after node 2 joined`);
    const late = await infoClient(c, 2);
    clients.push(late);
    assert.deepEqual(sortedUrls(late.info), urls(c, [0, 1, 2]), "a new client on node 2 sees all three");
    await c.kill(2);
    await c.waitForMesh([0, 1]);
    for (const r of clients.slice(0, 2)) assert.deepEqual(sortedUrls(await nextInfo(r)), urls(c, [0, 1]), `${r.label}: async INFO after node 2 left`);
  } finally {
    for (const r of clients) r.close();
  }
}, { mesh: false, startNow: (i) => i < 2 });

forEachCluster("cluster: a client that has not sent its first PING when a node joins gets the new INFO right after its first PONG", async (c) => {
  await c.waitForMesh([0, 1]);
  const early = await RawClient.connect(c.node(0).port);
  const old = await RawClient.connect(c.node(0).port);
  try {
    early.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 1 })}\r\n`);
    old.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 0 })}\r\n`);
    await c.start(2);
    await c.waitForMesh();
    early.send("PING\r\n");
    await early.expect("PONG\r\n");
    const info = await nextInfo(early);
    assert.deepEqual(sortedUrls(info), urls(c, [0, 1, 2]), "INFO with the joined node, after the PONG");
    assert.equal(await early.flush(), "", "and only once");
    assert.equal((await old.flush()).replace(/PING\r\n/g, ""), "", "a protocol 0 client gets no INFO");
  } finally {
    early.close();
    old.close();
  }
}, { mesh: false, startNow: (i) => i < 2 });

forEachCluster("cluster: with no_advertise, clients get no connect_urls and no INFO when a node joins", async (c) => {
  await c.waitForMesh([0, 1]);
  const r = await infoClient(c, 0);
  try {
    assert.equal(r.info["connect_urls"], undefined, "no connect_urls");
    await c.start(2);
    await c.waitForMesh();
    assert.equal((await r.flush()).replace(/PING\r\n/g, ""), "", "no INFO before the PONG");
    const late = await infoClient(c, 2);
    assert.equal(late.info["connect_urls"], undefined);
    late.close();
  } finally {
    r.close();
  }
}, { mesh: false, noAdvertise: true, startNow: (i) => i < 2 });
