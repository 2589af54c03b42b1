// Proves the benchmark harness itself, with nats-server standing in for
// skein-server: the table and JSON come out for a clean run, a slow-consumer
// cut and a server that cannot start are harness failures (exit 1), bad flags
// exit 2, and both subscriber kinds of the load generator count every message.
// Run with: node scripts/run-tests.mjs broker/bench
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const runner = join(benchDir, "run.mjs");
const missing = ["nats-server", "go"].filter((bin) => spawnSync(bin, ["--help"]).error !== undefined);
const skip = missing.length > 0 ? `needs ${missing.join(" and ")}` : false;
const tmp = mkdtempSync(join(tmpdir(), "skein-bench-"));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Run {
  const r = spawnSync(process.execPath, [runner, ...args], { encoding: "utf8", timeout: 170_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Side {
  runs: number;
  rate: number;
  cpuMsPerMillion: number;
  peakRssMiB: number;
}
interface BenchJson {
  scenarios: { id: string; skein: Side | null; nats: Side | null; runs: Record<string, { result: { sent: number; received: number; expected: number; complete: boolean } }[]> }[];
  idle: Record<string, { conns: number; bytesPerConn: number }> | null;
  failures: string[];
}

test("a clean run prints the table and writes every run as JSON", { skip }, () => {
  const jsonFile = join(tmp, "clean.json");
  const r = run(["--quick", "--skein-cmd", "nats-server", "--only", "pubsub,queue4,reqrep,idle", "--idle-conns", "300", "--json", jsonFile]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^\| 1:1, 16 B \| [\d,]+ \| [\d,]+ \| \d+\.\d\d \|/m);
  assert.match(r.stdout, /^\| request-reply, 16 B, p99 µs \| [\d.]+ \| [\d.]+ \|/m);
  assert.match(r.stdout, /^\| bytes per connection \| [\d,]+ \| [\d,]+ \|/m);
  assert.match(r.stdout, /nats-server: v2\.9/);
  const doc = JSON.parse(readFileSync(jsonFile, "utf8")) as BenchJson;
  assert.deepEqual(doc.failures, []);
  assert.deepEqual(doc.scenarios.map((s) => s.id), ["pubsub", "queue4", "reqrep"]);
  for (const s of doc.scenarios) {
    for (const kind of ["skein", "nats"]) {
      const side = s[kind as "skein" | "nats"];
      assert.ok(side && side.runs === 1 && side.rate > 0 && side.cpuMsPerMillion > 0 && side.peakRssMiB > 1, `${s.id} ${kind}`);
      for (const { result } of s.runs[kind] ?? []) {
        assert.ok(result.complete);
        assert.equal(result.received, result.expected);
      }
    }
  }
  assert.equal(doc.idle?.nats?.conns, 300);
  assert.ok((doc.idle?.nats?.bytesPerConn ?? 0) > 1000, "nats-server uses kilobytes per idle connection");
});

test("a slow-consumer cut is a loud harness failure with exit code 1", { skip }, () => {
  const conf = join(tmp, "tiny-pending.conf");
  writeFileSync(conf, "max_payload: 128\nmax_pending: 512\n");
  const r = run(["--quick", "--skein-cmd", `nats-server -c ${conf}`, "--only", "fanout4", "--idle-conns", "0"]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /HARNESS FAILURES \(1\)/);
  assert.match(r.stdout, /skein server on port \d+ cut a subscriber as a slow consumer/);
  assert.match(r.stdout, /^\| 1 pub → 4 subs, 16 B \| n\/a \| [\d,]+ \|/m, "the healthy side is still reported");
});

test("a server that cannot start is a harness failure with its log", { skip }, () => {
  const r = run(["--quick", "--skein-cmd", "nats-server --no-such-flag", "--only", "pub", "--idle-conns", "0"]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /skein server did not start on port \d+: nats-server --no-such-flag/);
});

test("bad flags exit 2 with a clear message", () => {
  const unknown = run(["--only", "pubsub,nope"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown scenario "nope"; known: pub, pubsub, fanout4, queue4, pubsub1k, reqrep, pub2sub2, mesh3, idle/);
  const repeat = run(["--repeat", "0"]);
  assert.equal(repeat.code, 2);
  assert.match(repeat.stderr, /--repeat needs an integer >= 1, got "0"/);
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

async function startNats(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let log = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("Server is ready")) resolve();
    });
    child.once("exit", () => reject(new Error(`nats-server exited: ${log}`)));
  });
  return { child, url: `nats://127.0.0.1:${port}` };
}

test("the load generator counts every delivery with raw and with nats.go subscribers", { skip }, async () => {
  // run.mjs builds the tools; the clean-run test above (or this call) does it.
  assert.equal(run(["--quick", "--skein-cmd", "nats-server", "--only", "pub", "--idle-conns", "0"]).code, 0);
  const loadgen = join(benchDir, "bin", "loadgen");
  const { child, url } = await startNats();
  try {
    for (const client of ["raw", "nats"]) {
      for (const extra of [["-subs=4"], ["-subs=4", "-queue=q"], ["-pubs=2", "-subs=2", "-size=1024"]]) {
        const r = spawnSync(loadgen, [`-url=${url}`, `-sub-client=${client}`, "-msgs=20000", ...extra], { encoding: "utf8", timeout: 120_000 });
        assert.equal(r.status, 0, r.stderr);
        const result = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as { event: string; sent: number; received: number; expected: number; complete: boolean; errors: string[] };
        const label = `${client} ${extra.join(" ")}`;
        assert.equal(result.event, "result", label);
        assert.deepEqual(result.errors, [], label);
        assert.equal(result.sent, 20000, label);
        const perMsg = extra.includes("-queue=q") ? 1 : extra.includes("-subs=4") ? 4 : 2;
        assert.equal(result.expected, 20000 * perMsg, label);
        assert.equal(result.received, result.expected, label);
        assert.ok(result.complete, label);
      }
    }
  } finally {
    child.kill();
  }
});
