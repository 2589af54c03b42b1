// Delivery under change: subscriptions added or removed after a subject was published to take
// effect at once (no stale match cache), across more subjects than any cache holds; fan-out keeps
// each publisher's order at every subscriber.
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";
import type { RawClient } from "./harness/raw-client.js";

async function sidsFor(pub: RawClient, sub: RawClient, subject: string): Promise<string[]> {
  pub.send(`PUB ${subject} 1\r\nx\r\n`);
  await pub.flush();
  return (await sub.collectMsgs()).map((m) => m.sid).sort();
}

forBothServers("subscriptions added and removed after a subject was used take effect at once", async ({ client }) => {
  const sub = await client();
  const pub = await client();
  sub.send("SUB a.b 1\r\n");
  await sub.flush();
  assert.deepEqual(await sidsFor(pub, sub, "a.b"), ["1"]);
  sub.send("SUB a.* 2\r\nSUB > 3\r\nSUB a.b q 4\r\n");
  await sub.flush();
  assert.deepEqual(await sidsFor(pub, sub, "a.b"), ["1", "2", "3", "4"]);
  sub.send("UNSUB 2\r\nUNSUB 4\r\n");
  await sub.flush();
  assert.deepEqual(await sidsFor(pub, sub, "a.b"), ["1", "3"]);
  sub.send("UNSUB 3\r\nSUB a.> 5\r\n");
  await sub.flush();
  assert.deepEqual(await sidsFor(pub, sub, "a.b"), ["1", "5"]);
  assert.deepEqual(await sidsFor(pub, sub, "a.b.c"), ["5"]);
});

forBothServers("matches stay right across thousands of distinct subjects while subscriptions change", async ({ client }) => {
  const sub = await client();
  const pub = await client();
  sub.send("SUB s.*.even 1\r\n");
  await sub.flush();
  const N = 3000;
  const publishAll = (from: number, to: number): void => {
    for (let i = from; i < to; i++) pub.send(`PUB s.${i}.${i % 2 === 0 ? "even" : "odd"} 0\r\n\r\n`);
  };
  publishAll(0, N);
  await pub.flush();
  assert.equal((await sub.collectMsgs(20_000)).length, N / 2);
  // A new wildcard must be seen for subjects that were matched (and perhaps cached) before.
  sub.send("SUB s.> 2\r\n");
  await sub.flush();
  publishAll(0, N);
  await pub.flush();
  const frames = await sub.collectMsgs(20_000);
  assert.equal(frames.filter((f) => f.sid === "1").length, N / 2);
  assert.equal(frames.filter((f) => f.sid === "2").length, N);
  sub.send("UNSUB 1\r\n");
  await sub.flush();
  publishAll(0, 100);
  await pub.flush();
  assert.deepEqual([...new Set((await sub.collectMsgs()).map((f) => f.sid))], ["2"]);
});

forBothServers("two subscriptions of one connection to the same subject each get a copy", async ({ client }) => {
  const c = await client();
  c.send("SUB a 1\r\nSUB a 2\r\nPUB a 1\r\nx\r\n");
  const frames = await c.collectMsgs();
  assert.deepEqual(frames.map((f) => f.sid).sort(), ["1", "2"]);
});

forBothServers("fan-out to many connections keeps each publisher's order", async ({ client }) => {
  const subs: RawClient[] = [];
  for (let i = 0; i < 20; i++) {
    const s = await client();
    s.send(`SUB fan.* ${i}\r\n`);
    await s.flush();
    subs.push(s);
  }
  const p1 = await client();
  const p2 = await client();
  for (let i = 0; i < 200; i++) {
    p1.send(`PUB fan.one ${String(i).length}\r\n${i}\r\n`);
    p2.send(`PUB fan.two ${String(i).length}\r\n${i}\r\n`);
  }
  await p1.flush();
  await p2.flush();
  const expected = Array.from({ length: 200 }, (_, i) => String(i));
  for (const s of subs) {
    const frames = await s.collectMsgs(10_000);
    assert.deepEqual(frames.filter((f) => f.subject === "fan.one").map((f) => f.payload.toString()), expected);
    assert.deepEqual(frames.filter((f) => f.subject === "fan.two").map((f) => f.payload.toString()), expected);
  }
});

// nats-server walks its subject trie token by token: at each level a `>` match first, then the `*`
// branch (depth first), then the literal branch; at the last token the literal match comes before
// the `*` match. One connection's matching subscriptions get a message in that order. (Several
// subscriptions to the very same subject come in random order there, so they are not checked.)
forBothServers("one connection's matching subscriptions get a message in nats-server's trie order", async ({ client }) => {
  const c = await client();
  c.send("SUB * 1\r\nSUB x1 2\r\nSUB > 3\r\nSUB x1.* 4\r\nSUB x1.> 5\r\nSUB *.b 6\r\nSUB x1.b 7\r\n");
  c.send("PUB x1 0\r\n\r\nPUB x1.b 0\r\n\r\n");
  const frames = await c.collectMsgs();
  assert.deepEqual(frames.map((f) => `${f.subject}:${f.sid}`), ["x1:3", "x1:2", "x1:1", "x1.b:3", "x1.b:6", "x1.b:5", "x1.b:7", "x1.b:4"]);
});
