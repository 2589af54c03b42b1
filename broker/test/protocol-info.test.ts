// INFO on connect: the line format and the fields nats-server 2.9 sends to a client.
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";
import { RawClient } from "./harness/raw-client.js";

forBothServers("INFO is the first line, as INFO {json} followed by a space and CRLF", async ({ server }) => {
  const c = await RawClient.connect(server.port, server.host, false);
  try {
    const m = await c.expect(/^INFO (\{[^\r\n]*\}) \r\n/);
    const info = JSON.parse(m[1] ?? "") as Record<string, unknown>;
    assert.equal(typeof info["server_id"], "string");
    await c.expectNothing(100);
  } finally {
    c.close();
  }
});

forBothServers("INFO carries the nats-server 2.9 client fields", async ({ server, client }) => {
  const c = await client(null);
  const info = c.info;
  assert.match(String(info["server_id"]), /^N[A-Z2-7]{55}$/, "server_id is a 56-character server nkey");
  assert.equal(info["server_name"], info["server_id"], "server_name defaults to the server id");
  assert.match(String(info["version"]), /^2\.9\.\d+$/);
  assert.equal(info["proto"], 1);
  assert.equal(info["host"], "127.0.0.1");
  assert.equal(info["port"], server.port);
  assert.equal(info["headers"], true);
  assert.equal(info["max_payload"], 1024 * 1024);
  assert.equal(typeof info["client_id"], "number");
  assert.ok(Number(info["client_id"]) > 0);
  assert.equal(info["client_ip"], "127.0.0.1");
  for (const absent of ["auth_required", "tls_required", "connect_urls", "nonce"]) {
    assert.equal(info[absent], undefined, `${absent} is absent without auth, TLS or a cluster`);
  }
  // The key order of nats-server's INFO, for clients that look at the raw line.
  const keys = Object.keys(info).filter((k) => k !== "go");
  assert.deepEqual(keys, [
    "server_id", "server_name", "version", "proto", "host", "port", "headers", "max_payload", "client_id",
    "client_ip",
  ]);
});

forBothServers("each connection gets its own increasing client_id; the server id stays", async ({ client }) => {
  const a = await client(null);
  const b = await client(null);
  assert.ok(Number(b.info["client_id"]) > Number(a.info["client_id"]));
  assert.equal(a.info["server_id"], b.info["server_id"]);
});

forBothServers(
  "INFO reflects server_name, max_payload and auth_required",
  async ({ client }) => {
    const c = await client(null);
    assert.equal(c.info["server_name"], "probe-1");
    assert.equal(c.info["max_payload"], 4096);
    assert.equal(c.info["auth_required"], true);
    const keys = Object.keys(c.info).filter((k) => k !== "go");
    assert.deepEqual(keys, [
      "server_id", "server_name", "version", "proto", "host", "port", "headers", "auth_required", "max_payload",
      "client_id", "client_ip",
    ]);
  },
  { server: { serverName: "probe-1", maxPayload: 4096, token: "s3cret" } },
);

for (const [advertise, host, port] of [["adv.example:5555", "adv.example", 5555], ["adv.example", "adv.example", 0], ["[::1]:6000", "::1", 6000]] as const) {
  forBothServers(`client_advertise ${advertise} is the host and port INFO gives`, async ({ server, client }) => {
    const c = await client(null);
    assert.equal(c.info["host"], host);
    assert.equal(c.info["port"], port === 0 ? server.port : port, "a host alone takes the listening port");
  }, { server: { clientAdvertise: advertise } });
}
