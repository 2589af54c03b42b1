// HPUB/HMSG, header stripping for clients that did not ask for headers, and no-responders.
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";

const HDR = "NATS/1.0\r\nA: 1\r\nB: two\r\n\r\n"; // 26 bytes

forBothServers("HPUB is delivered as HMSG to a headers client, with and without reply", async ({ client }) => {
  const sub = await client({ headers: true });
  sub.send("SUB foo 1\r\n");
  await sub.flush();
  const pub = await client({ headers: true });
  pub.send(`HPUB foo ${HDR.length} ${HDR.length + 2}\r\n${HDR}hi\r\n`);
  pub.send(`HPUB foo _INBOX.r ${HDR.length} ${HDR.length}\r\n${HDR}\r\n`);
  await pub.flush();
  await sub.expect(`HMSG foo 1 26 28\r\n${HDR}hi\r\nHMSG foo 1 _INBOX.r 26 26\r\n${HDR}\r\n`);
  const frames = await sub.collectMsgs();
  assert.equal(frames.length, 0);
});

forBothServers("HPUB reaches a client without headers as MSG with the header block stripped", async ({ client }) => {
  const plain = await client(); // CONNECT without "headers": it defaults to false
  const off = await client({ headers: false });
  plain.send("SUB foo 1\r\n");
  off.send("SUB foo 2\r\n");
  await plain.flush();
  await off.flush();
  const pub = await client({ headers: true });
  pub.send(`HPUB foo r ${HDR.length} ${HDR.length + 2}\r\n${HDR}hi\r\nHPUB foo ${HDR.length} ${HDR.length}\r\n${HDR}\r\n`);
  await pub.flush();
  await plain.expect("MSG foo 1 r 2\r\nhi\r\nMSG foo 1 0\r\n\r\n");
  await off.expect("MSG foo 2 r 2\r\nhi\r\nMSG foo 2 0\r\n\r\n");
});

forBothServers("a plain PUB reaches a headers client as MSG", async ({ client }) => {
  const c = await client({ headers: true });
  c.send("SUB foo 1\r\nPUB foo 2\r\nhi\r\n");
  await c.expect("MSG foo 1 2\r\nhi\r\n");
});

forBothServers("HPUB with a header size of 0 is delivered as a plain MSG", async ({ client }) => {
  const c = await client({ headers: true });
  c.send("SUB foo 1\r\nHPUB foo 0 2\r\nhi\r\n");
  await c.expect("MSG foo 1 2\r\nhi\r\n");
});

forBothServers("the header block is passed through as given, even when it is not NATS/1.0", async ({ client }) => {
  const c = await client({ headers: true });
  c.send("SUB foo 1\r\nHPUB foo 4 6\r\nabcdhi\r\n");
  await c.expect("HMSG foo 1 4 6\r\nabcdhi\r\n");
});

forBothServers("HPUB from a client that did not announce headers closes it without -ERR", async ({ client }) => {
  for (const connect of [{}, { headers: false }]) {
    const c = await client(connect);
    c.send(`HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n`);
    await c.expectClosed();
  }
  const bare = await client(null);
  bare.send(`HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n`);
  await bare.expectClosed();
});

forBothServers("HPUB with a header size above the total size, or a missing size, closes without -ERR", async ({ client }) => {
  for (const bad of ["HPUB foo 5 2\r\n", "HPUB foo 5\r\n", "HPUB foo\r\n"]) {
    const c = await client({ headers: true });
    c.send(bad);
    await c.expectClosed();
  }
});

const NO_RESPONDERS = { headers: true, no_responders: true };
const STATUS_503 = "HMSG _INBOX.x 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n";

forBothServers("no_responders: a request to a subject nobody listens on gets NATS/1.0 503 on its reply subject", async ({ client }) => {
  const c = await client(NO_RESPONDERS);
  c.send("SUB _INBOX.x 1\r\nPUB nobody _INBOX.x 2\r\nhi\r\n");
  c.send("HPUB nobody _INBOX.x 12 14\r\nNATS/1.0\r\n\r\nhi\r\n");
  await c.expect(STATUS_503 + STATUS_503);
  assert.equal(await c.flush(), "");
});

forBothServers("no 503 without no_responders, without a reply, or when a member of a queue listens", async ({ client }) => {
  const plain = await client({ headers: true });
  plain.send("SUB _INBOX.x 1\r\nPUB nobody _INBOX.x 2\r\nhi\r\n");
  assert.equal(await plain.flush(), "");
  const c = await client(NO_RESPONDERS);
  c.send("SUB _INBOX.x 1\r\nPUB nobody 2\r\nhi\r\n");
  assert.equal(await c.flush(), "");
  const worker = await client();
  worker.send("SUB svc q 1\r\n");
  await worker.flush();
  c.send("PUB svc _INBOX.x 2\r\nhi\r\n");
  assert.equal(await c.flush(), "");
  await worker.expect("MSG svc 1 _INBOX.x 2\r\nhi\r\n");
});

forBothServers("the 503 goes only to the requester's own subscriptions, through wildcards too", async ({ client }) => {
  const other = await client({ headers: true });
  other.send("SUB _INBOX.x 1\r\n");
  await other.flush();
  const c = await client(NO_RESPONDERS);
  c.send("SUB _INBOX.* 1\r\nPUB nobody _INBOX.x 2\r\nhi\r\n");
  await c.expect(STATUS_503);
  assert.equal(await other.flush(), "");
});

forBothServers("echo:false: a requester that is the only listener gets the 503", async ({ client }) => {
  const c = await client({ ...NO_RESPONDERS, echo: false });
  c.send("SUB _INBOX.x 1\r\nSUB svc 2\r\nPUB svc _INBOX.x 2\r\nhi\r\n");
  await c.expect(STATUS_503);
});

forBothServers("no_responders without headers is refused and closed", async ({ client }) => {
  const c = await client(null);
  c.send('CONNECT {"verbose":false,"no_responders":true}\r\n');
  await c.expectErr("no responders requires headers support");
  await c.expectClosed();
});

forBothServers("the 503 is not delivered to a queue subscription on the reply subject", async ({ client }) => {
  const c = await client(NO_RESPONDERS);
  c.send("SUB _INBOX.x q 1\r\nPUB nobody _INBOX.x 2\r\nhi\r\n");
  assert.equal(await c.flush(), "");
});
