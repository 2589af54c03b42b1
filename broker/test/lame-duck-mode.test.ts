// SIGUSR2 lame duck on a skein-server child process, beside nats-server doing the same: the official
// client gets the INFO with "ldm":true, new connections are refused, the clients are closed after the
// grace period, spread out (at most a second apart), SIGTERM meanwhile is ignored, and the process
// exits 0 with nats-server's lines.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { closePacing } from "../src/lame-duck.js";
import { bare, Child, NATS_SERVER_BIN, tempDir } from "./process-child.js";

const { dir, cleanup } = tempDir("skein-ldm-");
after(cleanup);

const CLIENTS = 3;
// 30s is the smallest lame_duck_duration the loader (like nats-server) takes; with a few clients the
// pause between two closes is capped at one second, so the whole run takes a few seconds.
const CONFIG = "host: 127.0.0.1\nport: -1\nlame_duck_duration: \"30s\"\nlame_duck_grace_period: \"1s\"\n";

interface LdmRun {
  lines: string[];
  code: number | null;
  sawLdm: boolean[];
  closedAt: number[];
  refused: boolean;
}

function connectFails(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.on("connect", () => { s.destroy(); resolve(false); });
    s.on("error", () => resolve(true));
  });
}

async function runLameDuck(kind: "skein" | "nats"): Promise<LdmRun> {
  const file = join(dir, `${kind}.conf`);
  writeFileSync(file, CONFIG);
  const server = kind === "skein" ? Child.skein(["-c", file]) : Child.natsServer(["-c", file]);
  try {
    const port = await server.ready();
    const ncs: NatsConnection[] = [];
    for (let i = 0; i < CLIENTS; i++) ncs.push(await connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false }));
    const sawLdm = ncs.map(() => false);
    const closedAt = ncs.map(() => 0);
    const t0 = Date.now();
    ncs.forEach((nc, i) => {
      void (async () => {
        for await (const s of nc.status()) if (s.type === "ldm") sawLdm[i] = true;
      })();
      void nc.closed().then(() => { closedAt[i] = Date.now() - t0; });
    });
    server.kill("SIGUSR2");
    await server.waitFor(/Entering lame duck mode, stop accepting new clients/);
    // The log line comes just before the listener closes; the ldm INFO just after.
    for (let i = 0; i < 200 && !sawLdm.every(Boolean); i++) await new Promise((r) => setTimeout(r, 25));
    const refused = await connectFails(port);
    // As in nats-server, SIGTERM (what the kubelet sends after preStop) does not cut lame duck short.
    server.kill("SIGTERM");
    const exit = await server.waitExit();
    await Promise.all(ncs.map((nc) => nc.closed()));
    return { lines: server.lines.map(bare), code: exit.code, sawLdm, closedAt, refused };
  } finally {
    await server.stop();
  }
}

describe("lame duck mode", () => {
  const both = Promise.all([
    runLameDuck("skein"),
    NATS_SERVER_BIN ? runLameDuck("nats") : Promise.resolve(null),
  ]);

  test("skein-server: ldm INFO, refused connections, spread closes, exit 0", async () => {
    const [skein] = await both;
    assert.equal(skein.code, 0);
    assert.deepEqual(skein.sawLdm, [true, true, true], "every official client saw the ldm INFO");
    assert.equal(skein.refused, true, "the listener is closed in lame duck");
    const after = skein.lines.slice(skein.lines.indexOf("[INF] Entering lame duck mode, stop accepting new clients"));
    assert.deepEqual(after, [
      "[INF] Entering lame duck mode, stop accepting new clients",
      "[INF] Closing existing clients",
      "[INF] Initiating Shutdown...",
      "[INF] Server Exiting..",
    ]);
    const times = [...skein.closedAt].sort((a, b) => a - b);
    assert.ok(times[0]! >= 900, `no client closed before the 1s grace period (first at ${times[0]} ms)`);
    for (let i = 1; i < times.length; i++) {
      assert.ok(times[i]! - times[i - 1]! >= 400, `closes are spread out (${times.join(", ")} ms)`);
    }
  });

  test("nats-server does the same", { skip: NATS_SERVER_BIN ? false : "nats-server is not installed" }, async () => {
    const [skein, nats] = await both;
    assert.ok(nats);
    assert.equal(nats.code, skein.code);
    assert.deepEqual(nats.sawLdm, skein.sawLdm);
    assert.equal(nats.refused, skein.refused);
    const tail = (r: LdmRun): string[] => r.lines.slice(r.lines.indexOf("[INF] Entering lame duck mode, stop accepting new clients"));
    assert.deepEqual(tail(skein), tail(nats));
  });
});

test("pacing follows nats-server: at most 1s apart, spread over duration minus grace", () => {
  assert.deepEqual(closePacing(30_000, 1_000, 3), { pauseMs: 1000, batch: 1 });
  assert.deepEqual(closePacing(120_000, 10_000, 1000), { pauseMs: 110, batch: 1 });
  assert.deepEqual(closePacing(30_000, 10_000, 100_000), { pauseMs: 1, batch: 5 });
  // A grace period as long as the duration spreads the closes over one second.
  assert.deepEqual(closePacing(30_000, 30_000, 4), { pauseMs: 250, batch: 1 });
});
