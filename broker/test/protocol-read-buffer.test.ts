// Messages queued for a subscriber that is not reading keep their bytes while more reads come in.
// skein reads every plain-TCP client into one shared buffer (client/read-buffer.ts), so whatever it
// hands to a socket that cannot take it at once must not point into that buffer. The sizes sit in the
// window where the PUB (line, payload and CRLF) fits in one 64 KiB read but the MSG for a long sid
// does not fit in one outbound buffer, which is the path that writes the payload to the socket as it
// is; the small sizes go through the copying path in between. The cluster test does the same across
// routes: the sending node writes RMSG lines to a route that its peer has stopped reading (the peer
// holds back a route feeding a backed-up subscriber), and the receiving node reads routes into the
// shared buffer as well.
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";
import { RawClient } from "./harness/raw-client.js";
import { forEachCluster } from "./support/cluster-matrix.js";

const SID = "s".repeat(24); // the MSG line is longer than the PUB line by the sid and a space
const ROUNDS = 60;
const CLUSTER_ROUNDS = 200;
const PUBLISHERS = 3;

function payload(index: number, size: number): Buffer {
  const b = Buffer.alloc(size, 97 + (index % 26));
  b.write(String(index).padStart(8, "0"), 0, "latin1");
  return b;
}

function sizeOf(index: number): number {
  // 65495..65519, and every fourth message small. The RMSG line ("RMSG $G big <size>") is 5 bytes
  // longer than the PUB line, so 65515..65519 are the sizes in that window.
  return index % 4 === 3 ? 1000 + index : 65495 + (index % 25);
}

/** Sends `rounds` rounds of one message per publisher, waiting for each round to be read; returns the
 * number of messages sent. */
async function publishRounds(pubs: readonly RawClient[], rounds: number): Promise<number> {
  let index = 0;
  for (let r = 0; r < rounds; r++) {
    for (const pub of pubs) {
      const size = sizeOf(index);
      pub.send(Buffer.concat([Buffer.from(`PUB big ${size}\r\n`), payload(index, size), Buffer.from("\r\n")]));
      index++;
    }
    // One message per publisher per read, so each read starts at a PUB line.
    for (const pub of pubs) assert.equal((await pub.flush(30_000)).replace(/PING\r\n/g, ""), "");
  }
  return index;
}

/** Resumes a paused subscriber and checks that it gets messages 0..count-1, each once and intact. */
async function assertAllIntact(sub: RawClient, count: number): Promise<void> {
  sub.resumeReading();
  const frames = await sub.readMsgs(count, 30_000);
  const seen = new Set<number>();
  for (const f of frames) {
    assert.equal(f.sid, SID);
    const i = Number(f.payload.toString("latin1", 0, 8));
    assert.ok(Number.isInteger(i) && i >= 0 && i < count, `${sub.label}: a payload starts with ${JSON.stringify(f.payload.toString("latin1", 0, 8))}`);
    assert.ok(f.payload.equals(payload(i, sizeOf(i))), `${sub.label}: message ${i} arrived with other bytes`);
    seen.add(i);
  }
  assert.equal(seen.size, count, `${sub.label}: every message arrived once`);
}

async function pausedSubscriber(sub: RawClient, label: string): Promise<RawClient> {
  sub.label = label;
  sub.send(`SUB big ${SID}\r\n`);
  assert.equal(await sub.flush(), "");
  sub.pauseReading();
  return sub;
}

forBothServers(
  "messages queued for a subscriber that is not reading arrive intact while publishers keep sending",
  async ({ client }) => {
    const sub = await pausedSubscriber(await client(), "subscriber");
    const pubs = [];
    for (let p = 0; p < PUBLISHERS; p++) pubs.push(await client());
    const count = await publishRounds(pubs, ROUNDS);
    await assertAllIntact(sub, count);
  },
  { timeout: 90_000 },
);

async function connected(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  c.send(`CONNECT {"verbose":false,"pedantic":false}\r\n`);
  assert.equal(await c.flush(), "");
  return c;
}

forEachCluster(
  "cluster: large messages routed to subscribers that are not reading arrive intact",
  async (c) => {
    const clients: RawClient[] = [];
    try {
      for (const i of [1, 2]) clients.push(await pausedSubscriber(await connected(c.node(i).port), `subscriber on node ${i}`));
      await c.waitForInterest(0, "big", 2);
      const pubs = [];
      for (let p = 0; p < PUBLISHERS; p++) pubs.push(await connected(c.node(0).port));
      clients.push(...pubs);
      // Enough that the receiving nodes hold the route back and the route backs up on node 0.
      const count = await publishRounds(pubs, CLUSTER_ROUNDS);
      for (const sub of clients.slice(0, 2)) await assertAllIntact(sub, count);
    } finally {
      for (const cl of clients) cl.close();
    }
  },
  { timeout: 120_000 },
);
