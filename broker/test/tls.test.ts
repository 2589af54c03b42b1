// Client TLS with certificates made at run time: plaintext INFO with tls_required, then the
// handshake; the official client talks over it; `verify` demands a client certificate; a client
// that never starts the handshake is cut after the TLS timeout. Same config on both servers.

import { test, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { makeTestCerts, opensslSkipReason, type TestCerts } from "./harness/certs.js";
import { RawClient } from "./harness/raw-client.js";
import { SERVER_KINDS, skipReason } from "./harness/servers.js";
import { startWithConfig } from "./support/config-server.js";

const dir = mkdtempSync(join(tmpdir(), "skein-tls-"));
let certs: TestCerts;

before(() => {
  if (opensslSkipReason === undefined) certs = makeTestCerts(dir);
});

function tlsConf(verify: boolean): string {
  return `tls { cert_file: "${certs.server}", key_file: "${certs.serverKey}", ca_file: "${certs.ca}", verify: ${verify}, timeout: 0.5 }`;
}

for (const kind of SERVER_KINDS) {
  const skip = skipReason(kind) ?? opensslSkipReason ?? false;

  test(`TLS: plaintext INFO says tls_required, then the official client works over TLS [${kind}]`, { skip, timeout: 30_000 }, async () => {
    const s = await startWithConfig(kind, tlsConf(false), dir);
    try {
      const raw = await RawClient.connect(s.port, "127.0.0.1", false);
      const info = JSON.parse((await raw.expect(/^INFO (.*) \r\n/))[1]!) as Record<string, unknown>;
      assert.equal(info["tls_required"], true);
      raw.close();
      const nc = await connect({ servers: s.url, tls: { caFile: certs.ca } });
      const sub = nc.subscribe("tls.test", { max: 1 });
      nc.publish("tls.test", "secret");
      for await (const m of sub) assert.equal(m.string(), "secret");
      await nc.close();
    } finally {
      await s.stop();
    }
  });

  test(`TLS verify: a client certificate signed by the CA is required [${kind}]`, { skip, timeout: 30_000 }, async () => {
    const s = await startWithConfig(kind, tlsConf(true), dir);
    try {
      await assert.rejects(connect({ servers: s.url, tls: { caFile: certs.ca }, reconnect: false }), "no certificate");
      await assert.rejects(connect({
        servers: s.url, reconnect: false,
        tls: { caFile: certs.ca, certFile: certs.rogueClient, keyFile: certs.rogueClientKey },
      }), "a certificate from another CA");
      const nc = await connect({
        servers: s.url,
        tls: { caFile: certs.ca, certFile: certs.client, keyFile: certs.clientKey },
      });
      const r = nc.subscribe("v", { max: 1 });
      nc.publish("v", "ok");
      for await (const m of r) assert.equal(m.string(), "ok");
      await nc.close();
    } finally {
      await s.stop();
    }
  });

  test(`TLS timeout: a client that never starts the handshake is closed [${kind}]`, { skip, timeout: 30_000 }, async () => {
    const s = await startWithConfig(kind, tlsConf(false), dir);
    try {
      const raw = await RawClient.connect(s.port, "127.0.0.1", false);
      await raw.expect(/^INFO .*\r\n/);
      await raw.expectClosed(5000);
    } finally {
      await s.stop();
    }
  });
}
