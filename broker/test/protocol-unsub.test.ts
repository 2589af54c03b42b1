// UNSUB, with and without max, following nats-server exactly.
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";

const ONE = "PUB foo 1\r\nx\r\n";

forBothServers("UNSUB removes the subscription at once", async ({ client }) => {
  const c = await client();
  c.send(`SUB foo 1\r\n${ONE}UNSUB 1\r\n${ONE}`);
  assert.equal(await c.flush(), "MSG foo 1 1\r\nx\r\n");
});

forBothServers("UNSUB with max delivers exactly max more messages, then removes the subscription", async ({ client }) => {
  const c = await client();
  c.send(`SUB foo 1\r\nUNSUB 1 3\r\n${ONE.repeat(5)}`);
  assert.equal(await c.flush(), "MSG foo 1 1\r\nx\r\n".repeat(3));
  c.send(ONE);
  assert.equal(await c.flush(), "");
});

forBothServers("max counts messages already delivered before the UNSUB", async ({ client }) => {
  const c = await client();
  c.send(`SUB foo 1\r\n${ONE.repeat(2)}UNSUB 1 5\r\n${ONE.repeat(5)}`);
  assert.equal(await c.flush(), "MSG foo 1 1\r\nx\r\n".repeat(5));
});

forBothServers("a max at or below the count already delivered removes the subscription at once", async ({ client }) => {
  for (const max of [1, 2, 3]) {
    const c = await client();
    c.send(`SUB foo 1\r\n${ONE.repeat(3)}UNSUB 1 ${max}\r\n${ONE.repeat(3)}`);
    assert.equal(await c.flush(), "MSG foo 1 1\r\nx\r\n".repeat(3), `max ${max} after 3 delivered`);
  }
});

forBothServers("a max of 0 removes the subscription at once", async ({ client }) => {
  const c = await client();
  c.send(`SUB foo 1\r\nUNSUB 1 0\r\n${ONE}`);
  assert.equal(await c.flush(), "");
});

forBothServers("a later UNSUB with max replaces the earlier max", async ({ client }) => {
  const c = await client();
  c.send(`SUB foo 1\r\nUNSUB 1 2\r\nUNSUB 1 3\r\n${ONE.repeat(4)}`);
  assert.equal(await c.flush(), "MSG foo 1 1\r\nx\r\n".repeat(3));
  const d = await client();
  d.send(`SUB foo 1\r\nUNSUB 1 5\r\n${ONE}UNSUB 1 1\r\n${ONE}`);
  assert.equal(await d.flush(), "MSG foo 1 1\r\nx\r\n");
});

forBothServers("a max that is not a number removes the subscription at once", async ({ client }) => {
  const c = await client();
  c.send(`SUB foo 1\r\nUNSUB 1 x\r\n${ONE}`);
  assert.equal(await c.flush(), "");
});

forBothServers("UNSUB of an unknown sid is silently accepted (+OK when verbose)", async ({ client }) => {
  const c = await client(null);
  c.send("UNSUB 99\r\nUNSUB 98 3\r\nPING\r\n");
  await c.expect("+OK\r\n+OK\r\nPONG\r\n");
});

forBothServers("UNSUB with max on queue members: each stops after its own max", async ({ client }) => {
  const c = await client();
  c.send(`SUB foo q 1\r\nSUB foo q 2\r\nUNSUB 1 1\r\nUNSUB 2 1\r\n${ONE.repeat(3)}`);
  const got = await c.flush();
  assert.equal(got.length, "MSG foo 1 1\r\nx\r\n".length * 2);
  assert.match(got, /^(MSG foo 1 1\r\nx\r\nMSG foo 2 1\r\nx\r\n|MSG foo 2 1\r\nx\r\nMSG foo 1 1\r\nx\r\n)$/);
});

forBothServers("UNSUB with too many arguments closes the connection without -ERR", async ({ client }) => {
  const c = await client();
  c.send("SUB foo 1\r\nUNSUB 1 1 1\r\n");
  await c.expectClosed();
});

forBothServers("a sid may be reused after UNSUB", async ({ client }) => {
  const c = await client();
  c.send(`SUB foo 1\r\nUNSUB 1\r\nSUB bar 1\r\n${ONE}PUB bar 1\r\ny\r\n`);
  assert.equal(await c.flush(), "MSG bar 1 1\r\ny\r\n");
});

// The max is parsed as nats-server's parseSize: digits only and at most 9 of them; anything else is
// -1, which removes the subscription at once.
forBothServers("a max of more than 9 digits or with junk removes the subscription at once", async ({ client }) => {
  for (const max of ["1234567890", "99999999999999999999", "2x", "-1"]) {
    const c = await client();
    c.send(`SUB foo 1\r\nUNSUB 1 ${max}\r\n${ONE}`);
    assert.equal(await c.flush(), "", `UNSUB 1 ${max}`);
  }
  const nine = await client();
  nine.send(`SUB foo 1\r\nUNSUB 1 123456789\r\n${ONE}`);
  assert.equal(await nine.flush(), "MSG foo 1 1\r\nx\r\n");
  const zeros = await client();
  zeros.send(`SUB foo 1\r\nUNSUB 1 002\r\n${ONE.repeat(3)}`);
  assert.equal(await zeros.flush(), "MSG foo 1 1\r\nx\r\n".repeat(2));
});
