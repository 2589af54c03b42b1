// Messages queued for a subscriber that is not reading keep their bytes while more reads come in.
// skein reads every plain-TCP client into one shared buffer (client/read-buffer.ts), so whatever it
// hands to a socket that cannot take it at once must not point into that buffer. The sizes sit in the
// window where the PUB (line, payload and CRLF) fits in one 64 KiB read but the MSG for a long sid
// does not fit in one outbound buffer, which is the path that writes the payload to the socket as it
// is; the small sizes go through the copying path in between.
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";

const SID = "s".repeat(24); // the MSG line is longer than the PUB line by the sid and a space
const ROUNDS = 60;
const PUBLISHERS = 3;

function payload(index: number, size: number): Buffer {
  const b = Buffer.alloc(size, 97 + (index % 26));
  b.write(String(index).padStart(8, "0"), 0, "latin1");
  return b;
}

function sizeOf(index: number): number {
  // 65495..65519, and every fourth message small.
  return index % 4 === 3 ? 1000 + index : 65495 + (index % 25);
}

forBothServers(
  "messages queued for a subscriber that is not reading arrive intact while publishers keep sending",
  async ({ client }) => {
    const sub = await client();
    sub.label = "subscriber";
    sub.send(`SUB big ${SID}\r\n`);
    assert.equal(await sub.flush(), "");
    sub.pauseReading();

    const pubs = [];
    for (let p = 0; p < PUBLISHERS; p++) pubs.push(await client());
    let index = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const pub of pubs) {
        const size = sizeOf(index);
        pub.send(Buffer.concat([Buffer.from(`PUB big ${size}\r\n`), payload(index, size), Buffer.from("\r\n")]));
        index++;
      }
      // One message per publisher per read, so each read starts at a PUB line.
      for (const pub of pubs) assert.equal((await pub.flush(30_000)).replace(/PING\r\n/g, ""), "");
    }

    sub.resumeReading();
    const frames = await sub.readMsgs(index, 30_000);
    const seen = new Set<number>();
    for (const f of frames) {
      assert.equal(f.sid, SID);
      const i = Number(f.payload.toString("latin1", 0, 8));
      assert.ok(Number.isInteger(i) && i >= 0 && i < index, `a payload starts with ${JSON.stringify(f.payload.toString("latin1", 0, 8))}`);
      assert.ok(f.payload.equals(payload(i, sizeOf(i))), `message ${i} arrived with other bytes`);
      seen.add(i);
    }
    assert.equal(seen.size, index, "every message arrived once");
  },
  { timeout: 90_000 },
);
