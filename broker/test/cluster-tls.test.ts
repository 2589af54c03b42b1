// Route TLS on every mix of skein and nats-server: with the same CA on every node the mesh forms and
// messages cross it; the route port speaks TLS first, demands a certificate and says so in its INFO;
// a node that cannot verify the others, one whose certificate another CA signed, one whose
// certificate does not name the address it is dialled at, and a plaintext node form no route while
// the others still mesh. Every expectation was first observed on the all-nats-server mix.
//
// A node that refuses a handshake logs "TLS route handshake error: ..." and "Router connection
// closed: TLS Handshake Failure" on every kind, and those lines are checked. What the refused peer
// logs is not: nats-server refuses inside the handshake with a TLS alert, which the peer logs as a
// handshake error too, while Node checks certificates only once OpenSSL has finished (TLS 1.3: the
// client has already sent its Finished), so a peer refused by skein sees a completed handshake and
// then the connection closing.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import tls from "node:tls";
import { makeTestCerts, opensslSkipReason, type TestCerts } from "./harness/certs.js";
import { sleep } from "./harness/servers.js";
import { waitFor, type Cluster } from "./support/cluster-harness.js";
import { assertPairDelivery, clientsFor, closeAll } from "./support/cluster-clients.js";
import { forEachCluster, orderedPairs } from "./support/cluster-matrix.js";

const dir = mkdtempSync(join(tmpdir(), "skein-cluster-tls-"));
let certs: TestCerts;

interface Pair {
  cert: string;
  key: string;
}

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { stdio: "pipe" });
}

/** A self-signed CA of its own. */
function newCa(name: string): Pair {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-subj", `/CN=${name}`, "-days", "1");
  return { cert, key };
}

/** A certificate signed by `ca` with these subject alternative names (no extended key usage, so it
 * serves both ends of a route). */
function newLeaf(ca: Pair, name: string, san: string): Pair {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `subjectAltName=${san}\n`);
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", join(dir, `${name}.csr`), "-subj", `/CN=${name}`);
  openssl("x509", "-req", "-in", join(dir, `${name}.csr`), "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial",
    "-out", cert, "-days", "1", "-extfile", ext);
  return { cert, key };
}

/** Certificates some tests need besides makeTestCerts' ones. */
let rogue: Pair; // signed by a CA no node trusts, for 127.0.0.1
let ownCa: Pair; // a CA of the host-name test
let ownGood: Pair; // signed by ownCa, for 127.0.0.1 and localhost
let ownWrongName: Pair; // signed by ownCa, for example.com only

/** The `tls { }` block of a node's cluster section. */
function tlsBlock(cert: string, key: string, ca: string): string {
  return `  tls {\n    cert_file: "${cert}"\n    key_file: "${key}"\n    ca_file: "${ca}"\n    timeout: 2\n  }`;
}

const goodTls = (): string => tlsBlock(certs.server, certs.serverKey, certs.ca);

/** Every kind logs both lines for a route whose TLS handshake fails (nats-server 2.9.10 does). */
const HANDSHAKE_ERROR = / - rid:\d+ - TLS route handshake error: /;
const HANDSHAKE_CLOSED = / - rid:\d+ - Router connection closed: TLS Handshake Failure/;

async function waitForLog(c: Cluster, i: number, re: RegExp, from = 0, timeout = 15_000): Promise<void> {
  await waitFor(`${c.node(i).name} to log ${re}`, async () => (re.test(c.node(i).log().slice(from)) ? true : undefined), timeout);
}

/**
 * Nodes 0 and 2 mesh and node 1 stays alone: checked once the mesh is there and again over three
 * seconds, long enough for either kind to redial (nats-server retries an explicit route every second).
 */
async function assertNodeOneIsolated(c: Cluster): Promise<void> {
  const ids = await c.waitForMesh([0, 2], 30_000);
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    assert.equal((await c.routez(1)).num_routes, 0, "node 1 has no route");
    for (const [k, i] of [0, 2].entries()) {
      const rz = await c.routez(i);
      assert.deepEqual(rz.routes.map((r) => r.remote_id), [ids[1 - k]], `node ${i} routes only to the other TLS node`);
    }
    await sleep(200);
  }
}

interface Probe {
  /** Whether the TLS handshake completed (TLS 1.3 completes on the client before the server has
   * checked the client's certificate). */
  secure: boolean;
  /** Everything the server sent before it closed or the time ran out. */
  text: string;
  closed: boolean;
}

/**
 * Connects to a route port and collects what the server sends for `ms` milliseconds, or until it
 * closes: over TLS (with or without a client certificate) or in plaintext. Sends nothing.
 */
function probe(port: number, mode: "tls-cert" | "tls-nocert" | "plain", ms: number): Promise<Probe> {
  return new Promise((resolve) => {
    const res: Probe = { secure: false, text: "", closed: false };
    const s = mode === "plain"
      ? net.connect({ host: "127.0.0.1", port })
      : tls.connect({
        host: "127.0.0.1", port, ca: readFileSync(certs.ca),
        ...(mode === "tls-cert" ? { cert: readFileSync(certs.server), key: readFileSync(certs.serverKey) } : {}),
      });
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(res);
    };
    const timer = setTimeout(done, ms);
    s.on("secureConnect", () => (res.secure = true));
    s.on("data", (d: Buffer) => {
      res.text += d.toString("latin1");
      if (mode === "tls-cert" && res.text.includes("\r\n")) done();
    });
    s.on("error", () => undefined);
    s.on("close", () => {
      res.closed = true;
      done();
    });
  });
}

const skip = opensslSkipReason;

before(() => {
  if (skip !== undefined) return;
  certs = makeTestCerts(dir);
  rogue = newLeaf(newCa("rogue-ca"), "rogue", "IP:127.0.0.1,DNS:localhost");
  ownCa = newCa("own-ca");
  ownGood = newLeaf(ownCa, "own-good", "IP:127.0.0.1,DNS:localhost");
  ownWrongName = newLeaf(ownCa, "own-wrong-name", "DNS:example.com");
});
after(() => rmSync(dir, { recursive: true, force: true }));

forEachCluster("route TLS: with the same CA on every node the mesh forms and messages cross every ordered pair", async (c) => {
  const ids = await c.waitForMesh();
  for (const n of c.nodes) {
    const rz = await c.routez(n.index);
    assert.equal(rz.num_routes, 2, `${n.name} num_routes`);
    assert.deepEqual(rz.routes.map((r) => r.remote_id).sort(), ids.filter((_, j) => j !== n.index).sort(), `${n.name} routes to both others`);
    assert.equal((await c.varz(n.index)).routes, 2, `${n.name} /varz routes`);
    // Nothing failed on the way.
    assert.doesNotMatch(n.log(), HANDSHAKE_ERROR, `${n.name} logged no TLS route handshake error`);
  }
  const ncs = await clientsFor(c);
  try {
    await assertPairDelivery(c, ncs, orderedPairs(3), "tls");
  } finally {
    await closeAll(ncs);
  }
}, { skip, clusterExtra: goodTls });

forEachCluster("route TLS: the route port handshakes first, demands a client certificate, and its INFO says tls_required and tls_verify", async (c) => {
  for (const n of c.nodes) {
    // With the cluster's certificate: the INFO (the first thing sent) and a PING, over TLS.
    const ok = await probe(n.clusterPort, "tls-cert", 5000);
    assert.ok(ok.secure, `${n.name}: the handshake completes`);
    const m = /^INFO (\{.*\}) \r\n/.exec(ok.text);
    assert.ok(m, `${n.name}: an INFO line first over TLS, got ${JSON.stringify(ok.text)}`);
    const info = JSON.parse(m[1]!) as Record<string, unknown>;
    assert.equal(info["tls_required"], true, `${n.name}: tls_required`);
    assert.equal(info["tls_verify"], true, `${n.name}: tls_verify`);
    assert.equal(info["cluster"], "skein-test");

    // Without a client certificate: the server aborts the handshake and sends nothing.
    let from = n.log().length;
    const noCert = await probe(n.clusterPort, "tls-nocert", 5000);
    assert.equal(noCert.text, "", `${n.name}: nothing for a client without a certificate`);
    assert.ok(noCert.closed, `${n.name}: a client without a certificate is closed`);
    await waitForLog(c, n.index, HANDSHAKE_ERROR, from, 5000);
    await waitForLog(c, n.index, HANDSHAKE_CLOSED, from, 5000);

    // In plaintext: no INFO in clear; the connection is closed once the TLS timeout (2 s) runs out.
    from = n.log().length;
    const t0 = Date.now();
    const plain = await probe(n.clusterPort, "plain", 8000);
    assert.equal(plain.text, "", `${n.name}: nothing in plaintext`);
    assert.ok(plain.closed, `${n.name}: a plaintext connection that sends nothing is closed within the TLS timeout`);
    assert.ok(Date.now() - t0 >= 1500, `${n.name}: closed by the TLS timeout (2 s), not at once (${Date.now() - t0} ms)`);
    await waitForLog(c, n.index, HANDSHAKE_ERROR, from, 5000);
    await waitForLog(c, n.index, HANDSHAKE_CLOSED, from, 5000);
  }
  // The mesh is unharmed.
  await c.waitForMesh();
}, { skip, clusterExtra: goodTls, timeout: 90_000 });

forEachCluster("route TLS: a node whose ca_file is another CA forms no route (it cannot verify the others, they are refused by it); the others mesh", async (c) => {
  await assertNodeOneIsolated(c);
  // Node 1 fails the handshakes it dials (the peer's certificate is not from its CA) and the ones
  // it accepts (the dialler's certificate is not from its CA). What the refused side logs depends
  // on whether the refusing side sends a TLS alert (see the notes at the top), so only the refusing
  // side's lines are checked, here and below.
  await waitForLog(c, 1, HANDSHAKE_ERROR);
  await waitForLog(c, 1, HANDSHAKE_CLOSED);
}, {
  skip, mesh: false, topology: "full",
  clusterExtra: (i) => tlsBlock(certs.server, certs.serverKey, i === 1 ? certs.otherCa : certs.ca),
});

forEachCluster("route TLS: a node whose certificate another CA signed forms no route; the others mesh", async (c) => {
  await assertNodeOneIsolated(c);
  // Nodes 0 and 2 refuse node 1's certificate, both when node 1 dials them and when they dial it.
  for (const i of [0, 2]) {
    await waitForLog(c, i, HANDSHAKE_ERROR);
    await waitForLog(c, i, HANDSHAKE_CLOSED);
  }
}, {
  skip, mesh: false, topology: "full",
  clusterExtra: (i) => (i === 1 ? tlsBlock(rogue.cert, rogue.key, certs.ca) : goodTls()),
});

forEachCluster("route TLS: the dialler checks the peer's certificate against the route URL's host (127.0.0.1)", async (c) => {
  // Node 0 dials node 1, whose certificate (from the right CA) names only example.com; node 2 dials
  // node 0. Nothing dials node 0 from node 1, and an accepting side checks no host name.
  await assertNodeOneIsolated(c);
  await waitForLog(c, 0, HANDSHAKE_ERROR);
  await waitForLog(c, 0, HANDSHAKE_CLOSED);
}, {
  skip, mesh: false,
  routes: (i) => (i === 0 ? [1] : i === 2 ? [0] : []),
  clusterExtra: (i) => tlsBlock(i === 1 ? ownWrongName.cert : ownGood.cert, i === 1 ? ownWrongName.key : ownGood.key, ownCa.cert),
});

forEachCluster("route TLS: a plaintext node (no tls block) does not join a TLS cluster; the others mesh", async (c) => {
  await assertNodeOneIsolated(c);
  // The TLS nodes fail the handshakes node 1 dials (its CONNECT is no TLS record) and the ones they
  // dial to it (its INFO in clear is no TLS record either).
  for (const i of [0, 2]) {
    await waitForLog(c, i, HANDSHAKE_ERROR);
    await waitForLog(c, i, HANDSHAKE_CLOSED);
  }
}, {
  skip, mesh: false, topology: "full",
  clusterExtra: (i) => (i === 1 ? "" : goodTls()),
});
