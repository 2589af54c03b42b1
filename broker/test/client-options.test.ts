// Official-client connection options that change what the client sends in CONNECT or how it uses
// INFO: noEcho, verbose and pedantic, max_payload from INFO, and credentials.
import assert from "node:assert/strict";
import { connect, errors, type NatsConnection } from "@nats-io/transport-node";
import { forBothServers } from "./harness/both-servers.js";

async function closeAll(...ncs: NatsConnection[]): Promise<void> {
  await Promise.allSettled(ncs.map((nc) => nc.close()));
}

forBothServers("client: noEcho keeps a connection's own messages from its subscriptions", async ({ server }) => {
  const quiet = await connect({ servers: server.url, noEcho: true });
  const other = await connect({ servers: server.url });
  try {
    const own: string[] = [];
    quiet.subscribe("chat", { callback: (_e, m) => void own.push(m.string()) });
    const seen = other.subscribe("chat", { max: 2 });
    await Promise.all([quiet.flush(), other.flush()]);
    quiet.publish("chat", "from quiet");
    await quiet.flush();
    other.publish("chat", "from other");
    await other.flush();
    const got: string[] = [];
    for await (const m of seen) got.push(m.string());
    assert.deepEqual(got, ["from quiet", "from other"]);
    await quiet.flush();
    assert.deepEqual(own, ["from other"]);
  } finally {
    await closeAll(quiet, other);
  }
});

forBothServers("client: verbose and pedantic connections work (+OK is consumed by the client)", async ({ server }) => {
  const nc = await connect({ servers: server.url, verbose: true, pedantic: true });
  try {
    const sub = nc.subscribe("v.>", { max: 3 });
    for (let i = 0; i < 3; i++) nc.publish(`v.${i}`, String(i));
    const got: string[] = [];
    for await (const m of sub) got.push(m.subject);
    assert.deepEqual(got, ["v.0", "v.1", "v.2"]);
    const r = nc.subscribe("echo", { callback: (_e, m) => void m.respond("back") });
    assert.equal((await nc.request("echo", "", { timeout: 5000 })).string(), "back");
    r.unsubscribe();
  } finally {
    await nc.close();
  }
});

forBothServers(
  "client: the max_payload the server announces is enforced by the client",
  async ({ server }) => {
    const nc = await connect({ servers: server.url });
    try {
      assert.equal(nc.info?.max_payload, 1000);
      const sub = nc.subscribe("big", { max: 1 });
      nc.publish("big", new Uint8Array(1000));
      assert.throws(() => nc.publish("big", new Uint8Array(1001)), (e: unknown) => e instanceof errors.InvalidArgumentError || /payload/i.test(String(e)));
      for await (const m of sub) assert.equal(m.data.length, 1000);
      assert.equal(nc.isClosed(), false);
    } finally {
      await nc.close();
    }
  },
  { server: { maxPayload: 1000 } },
);

forBothServers(
  "client: user/password from connection options",
  async ({ server }) => {
    const nc = await connect({ servers: server.url, user: "alice", pass: "s3cret" });
    await nc.flush();
    await nc.close();
    await assert.rejects(connect({ servers: server.url, user: "alice", pass: "nope", reconnect: false }), (e: unknown) =>
      /authorization/i.test(String(e)),
    );
    await assert.rejects(connect({ servers: server.url, reconnect: false }), (e: unknown) => /authorization/i.test(String(e)));
  },
  { server: { user: "alice", pass: "s3cret" } },
);

forBothServers(
  "client: token from connection options",
  async ({ server }) => {
    const nc = await connect({ servers: server.url, token: "t0ken" });
    await nc.flush();
    await nc.close();
    await assert.rejects(connect({ servers: server.url, token: "bad", reconnect: false }), (e: unknown) =>
      /authorization/i.test(String(e)),
    );
  },
  { server: { token: "t0ken" } },
);

forBothServers(
  "client: the server's PINGs are answered by the client, which stays connected",
  async ({ server }) => {
    const nc = await connect({ servers: server.url });
    try {
      const statuses: string[] = [];
      void (async () => {
        for await (const s of nc.status()) statuses.push(s.type);
      })();
      // Six ping intervals; a client that did not answer would be cut after three.
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(nc.isClosed(), false);
      assert.ok(!statuses.includes("disconnect"), `statuses: ${statuses.join(", ")}`);
      const rtt = await nc.rtt();
      assert.ok(rtt >= 0);
    } finally {
      await nc.close();
    }
  },
  { server: { pingInterval: 200, pingMax: 2 } },
);
