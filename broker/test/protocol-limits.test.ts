// max_payload, max_control_line, max_connections and max_subscriptions, with nats-server's exact
// -ERR texts and its close or keep-open behaviour.
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";
import { RawClient } from "./harness/raw-client.js";

const LIMITS = { maxPayload: 100, maxControlLine: 64, maxConnections: 4, maxSubscriptions: 2 };

forBothServers(
  "max_payload is checked on the control line, before any payload arrives, and closes",
  async ({ client }) => {
    const sub = await client();
    sub.send("SUB foo 1\r\n");
    await sub.flush();
    const c = await client();
    c.send("PUB foo 101\r\n"); // no payload sent at all
    await c.expectErr("Maximum Payload Violation");
    await c.expectClosed();
    const h = await client({ headers: true });
    h.send("HPUB foo 10 101\r\n");
    await h.expectErr("Maximum Payload Violation");
    await h.expectClosed();
    assert.equal(await sub.flush(), "");
  },
  { server: LIMITS },
);

forBothServers(
  "a payload of exactly max_payload is accepted",
  async ({ client }) => {
    const c = await client();
    const payload = "x".repeat(100);
    c.send(`SUB foo 1\r\nPUB foo 100\r\n${payload}\r\n`);
    await c.expect(`MSG foo 1 100\r\n${payload}\r\n`);
    c.send(`HPUB foo 12 100\r\n`);
    await c.expectClosed(); // not a headers client: HPUB itself is refused
  },
  { server: LIMITS },
);

forBothServers(
  "max_payload counts headers and payload together for HPUB",
  async ({ client }) => {
    const c = await client({ headers: true });
    const hdr = "NATS/1.0\r\n\r\n";
    const body = "y".repeat(100 - hdr.length);
    c.send(`SUB foo 1\r\nHPUB foo ${hdr.length} 100\r\n${hdr}${body}\r\n`);
    await c.expect(`HMSG foo 1 ${hdr.length} 100\r\n${hdr}${body}\r\n`);
  },
  { server: LIMITS },
);

forBothServers(
  "max_control_line: arguments longer than the limit on a complete line close the connection",
  async ({ client }) => {
    const ok = await client();
    // The limit applies to the arguments after the verb: 62 + " 2" is 64 bytes.
    ok.send(`PUB ${"a".repeat(62)} 2\r\nhi\r\n`);
    assert.equal(await ok.flush(), "");
    const c = await client();
    c.send(`PUB ${"a".repeat(63)} 2\r\nhi\r\n`);
    await c.expectErr("maximum control line exceeded");
    await c.expectClosed();
  },
  { server: LIMITS },
);

forBothServers(
  "max_control_line applies before any newline arrives",
  async ({ client }) => {
    const waiting = await client();
    waiting.send(`SUB ${"a".repeat(64)}`);
    await waiting.expectNothing(200);
    for (const op of ["PUB", "SUB"]) {
      const c = await client();
      c.send(`${op} ${"a".repeat(65)}`);
      await c.expectErr("maximum control line exceeded");
      await c.expectClosed();
    }
    const split = await client();
    split.send(`PUB ${"a".repeat(40)}`);
    await split.expectNothing(100);
    split.send("a".repeat(30));
    await split.expectErr("maximum control line exceeded");
    await split.expectClosed();
  },
  { server: LIMITS },
);

forBothServers(
  "max_control_line applies to CONNECT too",
  async ({ client }) => {
    const c = await client(null);
    c.send(`CONNECT {"verbose":false,"name":"${"n".repeat(60)}"}\r\n`);
    await c.expectErr("maximum control line exceeded");
    await c.expectClosed();
  },
  { server: LIMITS },
);

forBothServers(
  "max_connections: one more connection gets INFO, then 'maximum connections exceeded', and is closed",
  async ({ server, client }) => {
    const open: RawClient[] = [];
    for (let i = 0; i < 4; i++) open.push(await client());
    const extra = await RawClient.connect(server.port, server.host);
    try {
      assert.equal(typeof extra.info["server_id"], "string");
      await extra.expectErr("maximum connections exceeded");
      await extra.expectClosed();
    } finally {
      extra.close();
    }
    // A slot frees up when a client leaves.
    open[0]?.close();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const again = await RawClient.connect(server.port, server.host);
      again.send("PING\r\n");
      const reply = await again.expect(/^(PONG\r\n|-ERR 'maximum connections exceeded'\r\n)/);
      again.close();
      if (reply[0] === "PONG\r\n") break;
      assert.ok(Date.now() < deadline, "no slot after a client left");
    }
    for (const c of open.slice(1)) assert.equal(await c.flush(), "");
  },
  { server: LIMITS },
);

forBothServers(
  "max_subscriptions: the extra SUB gets 'maximum subscriptions exceeded', the connection stays open",
  async ({ client }) => {
    const c = await client();
    c.send("SUB a 1\r\nSUB b 2\r\nSUB c 3\r\n");
    await c.expectErr("maximum subscriptions exceeded");
    c.send("PUB c 1\r\nx\r\nPUB b 1\r\ny\r\n");
    assert.equal(await c.flush(), "MSG b 2 1\r\ny\r\n");
    c.send("UNSUB 1\r\nSUB c 3\r\nPUB c 1\r\nz\r\n");
    assert.equal(await c.flush(), "MSG c 3 1\r\nz\r\n");
    // The limit is per connection.
    const d = await client();
    d.send("SUB a 1\r\nSUB b 2\r\n");
    assert.equal(await d.flush(), "");
  },
  { server: LIMITS },
);

forBothServers(
  "HPUB over max_payload from a client without headers: the headers check comes first, closed without -ERR",
  async ({ client }) => {
    const c = await client();
    c.send("HPUB foo 12 101\r\n");
    await c.expectClosed();
  },
  { server: LIMITS },
);
