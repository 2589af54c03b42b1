// The wire grammar: case-insensitive verbs, blanks, line endings, payload framing, TCP chunking and
// what nats-server does with malformed input (some errors get -ERR, some close without one).
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";

forBothServers("verbs are case-insensitive", async ({ client }) => {
  const c = await client(null);
  c.send('connect {"verbose":false,"pedantic":false,"headers":true}\r\n');
  c.send("sub foo 1\r\nSuB bar 2\r\npub foo 1\r\na\r\nPuB bar 1\r\nb\r\n");
  c.send("hpub foo 12 13\r\nNATS/1.0\r\n\r\nc\r\nunsub 1\r\nUnSuB 2\r\npub foo 1\r\nd\r\n");
  c.send("ping\r\nPiNg\r\npong\r\n");
  await c.expect("MSG foo 1 1\r\na\r\nMSG bar 2 1\r\nb\r\nHMSG foo 1 12 13\r\nNATS/1.0\r\n\r\nc\r\nPONG\r\nPONG\r\n");
  await c.expectNothing(100);
});

forBothServers("arguments are separated by any run of spaces and tabs", async ({ client }) => {
  const c = await client();
  c.send("SUB \t  foo\t\t 1\r\nPUB\tfoo \t reply   2\r\nhi\r\nUNSUB  \t1\t 0\r\nPUB foo 1\r\nx\r\n");
  await c.flush().then((before) => assert.equal(before, "MSG foo 1 reply 2\r\nhi\r\n"));
});

forBothServers("trailing blanks after the arguments are ignored", async ({ client }) => {
  const c = await client();
  c.send("SUB foo 1 \t\r\nPUB foo 2  \r\nhi\r\nPING \r\nPING\t\r\n");
  await c.expect("MSG foo 1 2\r\nhi\r\nPONG\r\nPONG\r\n");
});

forBothServers("control lines may end in a bare LF", async ({ client }) => {
  const c = await client(null);
  c.send('CONNECT {"verbose":false,"pedantic":false}\nSUB foo 1\nPUB foo reply 2\nhi\r\nPING\n');
  await c.expect("MSG foo 1 reply 2\r\nhi\r\nPONG\r\n");
});

forBothServers("a zero-length payload and a payload holding CRLF are framed by size", async ({ client }) => {
  const c = await client();
  c.send("SUB foo 1\r\nPUB foo 0\r\n\r\nPUB foo 6\r\na\r\nb\r\n\r\n");
  await c.expect("MSG foo 1 0\r\n\r\nMSG foo 1 6\r\na\r\nb\r\n\r\n");
});

forBothServers("a payload that does not end in CRLF is a protocol error: -ERR, closed, nothing delivered", async ({ client }) => {
  for (const bad of ["hiX\r\n", "hi\n", "hiPING\r\n"]) {
    const sub = await client();
    sub.send("SUB foo 1\r\n");
    await sub.flush();
    const c = await client();
    c.send(`PUB foo 2\r\n${bad}`);
    await c.expectErr("Unknown Protocol Operation");
    await c.expectClosed();
    await sub.expectNothing(100);
  }
});

forBothServers("an unknown operation gets 'Unknown Protocol Operation' and is closed", async ({ client }) => {
  for (const bad of ["FOO\r\n", "PUBX foo 2\r\n", " PING\r\n", "\r\nPING\r\n", "UNSUB\r\n", "MSG foo 1 2\r\n"]) {
    const c = await client();
    c.send(bad);
    await c.expectErr("Unknown Protocol Operation");
    await c.expectClosed();
  }
});

forBothServers("PUB or SUB with missing or bad arguments closes the connection without -ERR", async ({ client }) => {
  for (const bad of ["PUB foo\r\n", "PUB foo bar\r\n", "PUB foo -1\r\n", "PUB foo 2x\r\n", "PUB foo a b 1\r\n", "SUB foo\r\n", "SUB foo bar baz 1\r\n"]) {
    const c = await client();
    c.send(bad);
    await c.expectClosed();
  }
});

forBothServers("PING ignores anything after the verb up to the end of the line", async ({ client }) => {
  const c = await client();
  c.send("PING foo\r\n");
  await c.expect("PONG\r\n");
});

const SESSION =
  'CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\n' +
  "SUB foo.* 1\r\nsub > q 2\r\nPUB foo.bar reply 5\r\nhello\r\n" +
  "HPUB foo.baz 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\n" +
  "PUB\tfoo.x\t0\n\r\nUNSUB 1\r\nPUB foo.y 3\r\n\r\n\r\r\nPING\r\n";
const SESSION_REPLY =
  "MSG foo.bar 1 reply 5\r\nhello\r\nMSG foo.bar 2 reply 5\r\nhello\r\n" +
  "HMSG foo.baz 1 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\nHMSG foo.baz 2 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\n" +
  "MSG foo.x 1 0\r\n\r\nMSG foo.x 2 0\r\n\r\nMSG foo.y 2 3\r\n\r\n\r\r\nPONG\r\n";

forBothServers("a whole session sent in one write", async ({ client }) => {
  const c = await client(null);
  c.send(SESSION);
  await c.expect(SESSION_REPLY);
});

forBothServers("a whole session sent one byte per TCP write", async ({ client }) => {
  const c = await client(null);
  await c.sendChunked(SESSION, 1);
  await c.expect(SESSION_REPLY, 15_000);
});

forBothServers("a session split at every chunk size from 2 to 9 bytes", async ({ client }) => {
  for (let size = 2; size <= 9; size++) {
    const c = await client(null);
    await c.sendChunked(SESSION, size);
    await c.expect(SESSION_REPLY, 15_000);
    c.close();
  }
});

forBothServers("a large payload split across many reads arrives intact", async ({ client }) => {
  const c = await client();
  const payload = Buffer.alloc(200_000);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + 3) & 0xff;
  c.send("SUB big 1\r\n");
  await c.sendChunked(Buffer.concat([Buffer.from(`PUB big ${payload.length}\r\n`), payload, Buffer.from("\r\n")]), 4093);
  const m = await c.readMsg(10_000);
  assert.equal(m.subject, "big");
  assert.ok(m.payload.equals(payload), "payload bytes differ");
});

forBothServers("a client that disconnects in the middle of a payload delivers nothing and harms no one", async ({ client }) => {
  const sub = await client();
  sub.send("SUB a 1\r\n");
  await sub.flush();
  const gone = await client();
  gone.send("PUB a 100\r\nonly part of it");
  await gone.expectNothing(100);
  gone.close();
  const pub = await client();
  pub.send("PUB a 2\r\nok\r\n");
  await pub.flush();
  await sub.expect("MSG a 1 2\r\nok\r\n");
  assert.equal(await sub.flush(), "");
});

forBothServers("what a client sent before half-closing its socket is still delivered", async ({ client }) => {
  const sub = await client();
  sub.send("SUB a 1\r\n");
  await sub.flush();
  const c = await client();
  c.send("PUB a 4\r\nlast\r\n");
  c.endWriting();
  await sub.expect("MSG a 1 4\r\nlast\r\n");
  await c.expectClosed();
});
