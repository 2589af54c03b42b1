// max_pending: a subscriber that stops reading is closed as a slow consumer; its publisher is not
// cut, and other clients keep exchanging messages meanwhile.
//
// nats-server 2.9 holds back ("stalls") a producer whose target is over half of max_pending, up to a
// second per message, and flushes other targets of that producer only between its reads. So a
// healthy subscriber of the same publisher can be cut too when max_pending is tiny; the
// "unaffected" clients here use their own connections and subjects, as in nats-server's own tests.
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";
import { freePort } from "./harness/servers.js";

const MSG_SIZE = 128 * 1024;
const MONITOR_PORT = await freePort();
const COUNT = 200; // 25 MiB in all: far beyond max_pending plus the kernel's socket buffers

forBothServers(
  "a subscriber that stops reading is cut as a slow consumer; its publisher and other clients carry on",
  async ({ client }) => {
    const slow = await client();
    slow.label = "slow";
    slow.send("SUB data 1\r\n");
    await slow.flush();
    slow.pauseReading();

    const echo = await client();
    echo.label = "other subscriber";
    echo.send("SUB other 1\r\n");
    await echo.flush();
    const talker = await client();
    talker.label = "other publisher";

    const pub = await client();
    pub.label = "publisher";
    const payload = "p".repeat(MSG_SIZE);
    for (let i = 0; i < COUNT; i++) pub.send(`PUB data ${MSG_SIZE}\r\n${payload}\r\n`);
    const published = pub.flush(30_000);

    // While the publisher's output backs up, another pair of clients keeps working.
    for (let i = 0; i < 20; i++) {
      talker.send(`PUB other ${String(i).length}\r\n${i}\r\n`);
      assert.equal(await talker.flush(), "");
      const [m] = await echo.collectMsgs();
      assert.equal(m?.payload.toString(), String(i));
    }

    // The publisher may be held back long enough for the server's first PING (two seconds after
    // connect), but it is neither cut nor sent an -ERR.
    assert.equal((await published).replace(/PING\r\n/g, ""), "", "the publisher is not cut and gets no -ERR");
    slow.resumeReading();
    // Whatever was already in flight may arrive, then the server closes the connection.
    const deadline = Date.now() + 20_000;
    while (!slow.closed) {
      assert.ok(Date.now() < deadline, "the slow consumer was not closed");
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(slow.receivedBytes < COUNT * MSG_SIZE, "the slow consumer did not get everything");
    // The publisher is still connected and can publish to others.
    pub.send("PUB other 4\r\nlast\r\n");
    assert.equal((await pub.flush()).replace(/PING\r\n/g, ""), "");
    const [m] = await echo.collectMsgs();
    assert.equal(m?.payload.toString(), "last");
  },
  // A short write_deadline: nats-server otherwise spends its default 10 s blocked writing to the
  // stopped reader before it notices the pending bytes.
  { server: { maxPending: 256 * 1024, maxPayload: 128 * 1024, writeDeadline: 1000 }, timeout: 60_000 },
);

forBothServers(
  "a reader that stops for longer than write_deadline is cut even below max_pending",
  async ({ client }) => {
    const slow = await client();
    slow.label = "slow";
    slow.send("SUB data 1\r\n");
    await slow.flush();
    slow.pauseReading();
    const pub = await client();
    pub.label = "publisher";
    const payload = "d".repeat(MSG_SIZE);
    // 25 MiB: more than the kernel buffers hold, far less than the 64 MiB max_pending.
    for (let i = 0; i < COUNT; i++) pub.send(`PUB data ${MSG_SIZE}\r\n${payload}\r\n`);
    assert.equal((await pub.flush(30_000)).replace(/PING\r\n/g, ""), "", "the publisher is not cut");
    slow.resumeReading();
    const deadline = Date.now() + 20_000;
    while (!slow.closed) {
      assert.ok(Date.now() < deadline, "the stopped reader was not closed");
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(slow.receivedBytes < COUNT * MSG_SIZE, "the stopped reader did not get everything");
  },
  { server: { writeDeadline: 500 }, timeout: 60_000 },
);

forBothServers(
  "a cut slow consumer is counted in /varz slow_consumers",
  async ({ client }) => {
    const varz = async (): Promise<Record<string, unknown>> =>
      (await (await fetch(`http://127.0.0.1:${MONITOR_PORT}/varz`)).json()) as Record<string, unknown>;
    assert.equal((await varz())["slow_consumers"], 0);
    const slow = await client();
    slow.send("SUB data 1\r\n");
    await slow.flush();
    slow.pauseReading();
    const pub = await client();
    const payload = "v".repeat(MSG_SIZE);
    for (let i = 0; i < COUNT; i++) pub.send(`PUB data ${MSG_SIZE}\r\n${payload}\r\n`);
    await pub.flush(30_000);
    const deadline = Date.now() + 20_000;
    // nats-server may count one consumer twice: once for max_pending, and once more when the
    // write it was blocked in hits the write deadline. So: at least one.
    for (let n = Number((await varz())["slow_consumers"]); n < 1; n = Number((await varz())["slow_consumers"])) {
      assert.ok(Date.now() < deadline, `slow_consumers is still ${n}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  },
  { server: { maxPending: 256 * 1024, maxPayload: 128 * 1024, writeDeadline: 1000, httpPort: MONITOR_PORT }, timeout: 60_000 },
);
