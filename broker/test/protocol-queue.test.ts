// Queue groups: each message goes to one member of each group, chosen at random, and to every
// plain subscriber.
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";
import type { MsgFrame } from "./harness/raw-client.js";

const N = 300;

function countBySid(frames: MsgFrame[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of frames) m.set(f.sid, (m.get(f.sid) ?? 0) + 1);
  return m;
}

forBothServers("one member per group per message, every plain subscriber, and every member gets some", async ({ client }) => {
  const a = await client();
  a.send("SUB foo q1 1\r\nSUB foo q1 2\r\nSUB foo q2 3\r\n");
  await a.flush();
  const b = await client();
  b.send("SUB foo q1 4\r\nSUB foo q2 5\r\nSUB foo 6\r\n");
  await b.flush();
  const pub = await client();
  for (let i = 0; i < N; i++) pub.send(`PUB foo ${String(i).length}\r\n${i}\r\n`);
  await pub.flush();
  // Every delivery has arrived once both subscribers answered a PING sent after the publisher's flush.
  const all = [...(await a.collectMsgs()), ...(await b.collectMsgs())];
  const counts = countBySid(all);
  const q1 = all.filter((f) => ["1", "2", "4"].includes(f.sid)).map((f) => f.payload.toString());
  const q2 = all.filter((f) => ["3", "5"].includes(f.sid)).map((f) => f.payload.toString());
  const plain = all.filter((f) => f.sid === "6").map((f) => f.payload.toString());
  const expected = Array.from({ length: N }, (_, i) => String(i));
  assert.deepEqual([...q1].sort(), [...expected].sort(), "q1 gets each message exactly once");
  assert.deepEqual([...q2].sort(), [...expected].sort(), "q2 gets each message exactly once");
  assert.deepEqual(plain, expected, "the plain subscriber gets every message, in order");
  for (const sid of ["1", "2", "3", "4", "5"]) {
    assert.ok((counts.get(sid) ?? 0) > 0, `queue member ${sid} got some of ${N} messages: ${JSON.stringify([...counts])}`);
  }
});

forBothServers("members with the same queue name under different matching filters form one group", async ({ client }) => {
  const c = await client();
  c.send("SUB foo.* q 1\r\nSUB foo.bar q 2\r\nSUB > q 3\r\n");
  await c.flush();
  for (let i = 0; i < 50; i++) c.send("PUB foo.bar 1\r\nx\r\n");
  const before = await c.flush();
  const frames = before.match(/MSG foo\.bar [123] 1\r\nx\r\n/g) ?? [];
  assert.equal(frames.length, 50, "one delivery per message");
  assert.equal(before, frames.join(""));
});

forBothServers("a queue delivery carries the reply subject", async ({ client }) => {
  const c = await client();
  c.send("SUB req workers 1\r\nPUB req _INBOX.abc 2\r\nhi\r\n");
  await c.expect("MSG req 1 _INBOX.abc 2\r\nhi\r\n");
});

forBothServers("after a member unsubscribes the rest of the group gets everything", async ({ client }) => {
  const c = await client();
  c.send("SUB foo q 1\r\nSUB foo q 2\r\nUNSUB 1\r\n");
  for (let i = 0; i < 20; i++) c.send("PUB foo 1\r\nx\r\n");
  const before = await c.flush();
  assert.equal(before, "MSG foo 2 1\r\nx\r\n".repeat(20));
});

forBothServers("a member on a closed connection leaves its group", async ({ client }) => {
  const gone = await client();
  gone.send("SUB foo q 1\r\n");
  await gone.flush();
  const stays = await client();
  stays.send("SUB foo q 2\r\n");
  await stays.flush();
  gone.close();
  const pub = await client();
  // Wait until the server has noticed the close: then every message goes to the remaining member.
  const deadline = Date.now() + 10_000;
  for (;;) {
    for (let i = 0; i < 20; i++) pub.send("PUB foo 1\r\nx\r\n");
    await pub.flush();
    const got = await stays.flush();
    if (got === "MSG foo 2 1\r\nx\r\n".repeat(20)) break;
    assert.ok(Date.now() < deadline, "the closed member still receives after 10 s");
  }
});

forBothServers("echo:false: the publisher's own queue member is passed over for another member", async ({ client }) => {
  const other = await client();
  other.send("SUB foo q 2\r\n");
  await other.flush();
  const c = await client({ echo: false });
  c.send("SUB foo q 1\r\n");
  for (let i = 0; i < 30; i++) c.send("PUB foo 1\r\nx\r\n");
  assert.equal(await c.flush(), "");
  assert.equal(await other.flush(), "MSG foo 2 1\r\nx\r\n".repeat(30));
});

forBothServers("the member is chosen at random, not in turn", async ({ client }) => {
  const c = await client();
  c.send("SUB foo q 1\r\nSUB foo q 2\r\nSUB foo q 3\r\n");
  for (let i = 0; i < 150; i++) c.send("PUB foo 0\r\n\r\n");
  const sids = (await c.collectMsgs()).map((f) => f.sid);
  assert.equal(sids.length, 150);
  // Taking turns never picks the same member twice in a row; picking at random does so with
  // probability 1 - (2/3)^149 over 150 messages.
  const repeats = sids.filter((s, i) => i > 0 && sids[i - 1] === s).length;
  assert.ok(repeats > 0, `no member was picked twice in a row in 150 messages: ${sids.join(",")}`);
});
