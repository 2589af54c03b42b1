// Subject matching and validation: `*` and `>`, empty tokens, pedantic publish checks and echo.
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";

forBothServers("`*` matches exactly one token and `>` one or more trailing tokens", async ({ client }) => {
  const sub = await client();
  const filters = ["foo.*", "foo.>", "*.bar", ">", "foo.*.baz", "*", "foo.bar", "f*o.bar", "foo.>.x"];
  filters.forEach((f, i) => sub.send(`SUB ${f} ${i + 1}\r\n`));
  // "foo.>.x" is not a valid subscription subject: `>` must be the last token.
  await sub.expectErr("Invalid Subject");
  await sub.flush();
  const pub = await client();
  const cases: Record<string, number[]> = {
    "foo": [4, 6],
    "foo.bar": [1, 2, 3, 4, 7],
    "foo.bar.baz": [2, 4, 5],
    "foo.x.baz.y": [2, 4],
    "x.bar": [3, 4],
    "f*o.bar": [3, 4, 8],
    "bar": [4, 6],
  };
  for (const [subject, sids] of Object.entries(cases)) {
    pub.send(`PUB ${subject} 1\r\nx\r\n`);
    await pub.flush();
    const got = (await sub.readMsgs(sids.length)).map((m) => {
      assert.equal(m.subject, subject);
      return Number(m.sid);
    });
    assert.deepEqual(got.sort((a, b) => a - b), sids, `subscriptions matching ${subject}`);
    assert.equal(await sub.flush(), "", `nothing more for ${subject}`);
  }
});

forBothServers("SUB with an empty token or a misplaced `>` gets 'Invalid Subject' and stays open", async ({ client }) => {
  const c = await client();
  for (const bad of ["foo..bar", ".foo", "foo.", "foo.>.bar", ">.foo", "."]) {
    c.send(`SUB ${bad} 1\r\n`);
    await c.expectErr("Invalid Subject");
  }
  c.send("SUB foo.*.> 2\r\nPUB foo.a.b 1\r\nz\r\n");
  await c.expect("MSG foo.a.b 2 1\r\nz\r\n");
});

forBothServers("a queue group name is not checked as a subject, but SUB with it still needs a valid subject", async ({ client }) => {
  const c = await client();
  c.send("SUB foo..bar q 1\r\n");
  await c.expectErr("Invalid Subject");
  c.send("SUB foo q 2\r\nPUB foo 1\r\nz\r\n");
  await c.expect("MSG foo 2 1\r\nz\r\n");
});

// nats-server 2.9 sends the -ERR but still routes a wildcard subject as a literal; a subject with an
// empty token matches no subscription at all.
forBothServers("pedantic PUB to a wildcard or empty-token subject gets 'Invalid Publish Subject' and stays open", async ({ client }) => {
  const sub = await client();
  sub.send("SUB > 1\r\n");
  await sub.flush();
  const c = await client({ pedantic: true });
  for (const bad of ["foo..bar", ".foo", "foo.", "foo.*", "foo.>"]) {
    c.send(`PUB ${bad} 1\r\nx\r\n`);
    await c.expectErr("Invalid Publish Subject");
  }
  c.send("PUB ok 1\r\ny\r\n");
  await c.flush();
  await sub.expect("MSG foo.* 1 1\r\nx\r\nMSG foo.> 1 1\r\nx\r\nMSG ok 1 1\r\ny\r\n");
  await sub.expectNothing(100);
});

forBothServers("pedantic and verbose together: -ERR then +OK for a bad publish subject", async ({ client }) => {
  const c = await client(null);
  c.send("PUB foo..bar 0\r\n\r\nPUB foo.* 0\r\n\r\nPING\r\n");
  await c.expect("-ERR 'Invalid Publish Subject'\r\n+OK\r\n-ERR 'Invalid Publish Subject'\r\n+OK\r\nPONG\r\n");
});

forBothServers("without pedantic, a publish to an empty-token subject is accepted but reaches nobody", async ({ client }) => {
  const sub = await client();
  sub.send("SUB > 1\r\nSUB foo.*.bar 2\r\nSUB *.foo 3\r\n");
  await sub.flush();
  const c = await client({ pedantic: false });
  for (const subject of ["foo..bar", ".foo", "foo."]) c.send(`PUB ${subject} 1\r\nx\r\n`);
  assert.equal(await c.flush(), "");
  await sub.expectNothing(150);
});

forBothServers("echo:false keeps a client's own messages from it, others still get them", async ({ client }) => {
  const other = await client();
  other.send("SUB foo 1\r\n");
  await other.flush();
  const c = await client({ echo: false });
  c.send("SUB foo 7\r\nPUB foo 2\r\nme\r\n");
  assert.equal(await c.flush(), "");
  await other.expect("MSG foo 1 2\r\nme\r\n");
  other.send("PUB foo 3\r\nyou\r\n");
  await c.expect("MSG foo 7 3\r\nyou\r\n");
});

forBothServers("echo is on by default", async ({ client }) => {
  const c = await client();
  c.send("SUB foo 1\r\nPUB foo 2\r\nme\r\n");
  await c.expect("MSG foo 1 2\r\nme\r\n");
});

forBothServers("subjects are case-sensitive and may hold any printable bytes", async ({ client }) => {
  const c = await client();
  c.send("SUB Foo 1\r\nSUB a-b_c/d:e$f 2\r\nPUB foo 1\r\nx\r\nPUB Foo 1\r\ny\r\nPUB a-b_c/d:e$f 1\r\nz\r\n");
  await c.expect("MSG Foo 1 1\r\ny\r\nMSG a-b_c/d:e$f 2 1\r\nz\r\n");
});

// nats-server checks the pedantic publish subject when the control line is parsed, and again when
// a read ends inside the PUB's payload (it copies the PUB's arguments then): so a PUB whose payload
// does not arrive with its control line gets the -ERR twice. The message is still routed.
forBothServers("pedantic: a PUB whose payload arrives in a later read gets 'Invalid Publish Subject' twice", async ({ client }) => {
  const sub = await client();
  sub.send("SUB > 1\r\n");
  await sub.flush();
  const c = await client({ pedantic: true });
  c.send("PUB a.* 1\r\n");
  await c.expect("-ERR 'Invalid Publish Subject'\r\n-ERR 'Invalid Publish Subject'\r\n");
  await c.expectNothing(50);
  c.send("y\r\n");
  assert.equal(await c.flush(), "");
  await sub.expect("MSG a.* 1 1\r\ny\r\n");
});
