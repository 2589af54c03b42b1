import { test } from "node:test";
import assert from "node:assert/strict";
import { WorkQueue } from "../src/controller/work-queue.js";
import { backoffDelay } from "../src/controller/backoff.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("duplicate adds of a waiting key collapse into one run", async () => {
  const seen: string[] = [];
  const q = new WorkQueue(async (k) => { seen.push(k); });
  for (let i = 0; i < 5; i++) { q.add("ns/a"); q.add("ns/b"); }
  assert.equal(q.length, 2);
  q.start();
  await q.whenIdle();
  assert.deepEqual(seen.sort(), ["ns/a", "ns/b"]);
  await q.shutdown();
});

test("a key is never processed twice at once; re-added in flight it runs once more after", async () => {
  let concurrent = 0, maxConcurrent = 0, runs = 0;
  const gate = deferred();
  const q = new WorkQueue(async () => {
    concurrent++; runs++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    if (runs === 1) await gate.promise;
    concurrent--;
  }, { workers: 4 });
  q.start();
  q.add("ns/a");
  await until(() => q.inFlight === 1, "first run in flight");
  q.add("ns/a"); q.add("ns/a"); q.add("ns/a");
  // Three re-adds while in flight collapse into a single later run, and no second worker starts.
  await new Promise((r) => setImmediate(r));
  assert.equal(q.inFlight, 1);
  gate.resolve();
  await until(() => runs === 2 && q.inFlight === 0, "second run");
  await q.whenIdle();
  assert.equal(runs, 2);
  assert.equal(maxConcurrent, 1);
  await q.shutdown();
});

test("different keys run in parallel up to the worker count", async () => {
  const gate = deferred();
  let concurrent = 0, maxConcurrent = 0;
  const q = new WorkQueue(async () => {
    concurrent++; maxConcurrent = Math.max(maxConcurrent, concurrent);
    await gate.promise;
    concurrent--;
  }, { workers: 2 });
  q.start();
  for (const k of ["a/1", "a/2", "a/3"]) q.add(k);
  await until(() => q.inFlight === 2, "two in flight");
  assert.equal(q.length, 1);
  gate.resolve();
  await until(() => q.inFlight === 0 && q.length === 0, "drain");
  assert.equal(maxConcurrent, 2);
  await q.shutdown();
});

test("a failing key is retried with growing delays and forgotten on success", async () => {
  const times: number[] = [];
  const errors: number[] = [];
  const q = new WorkQueue(async () => {
    times.push(Date.now());
    if (times.length <= 3) throw new Error(`fail ${times.length}`);
  }, { backoff: { baseMs: 40, maxMs: 1000, random: () => 1 }, onError: (_k, _e, attempt) => errors.push(attempt) });
  q.start();
  q.add("ns/x");
  await until(() => times.length === 4, "fourth attempt");
  await q.whenIdle();
  assert.deepEqual(errors, [0, 1, 2]);
  const gaps = [1, 2, 3].map((i) => (times[i] as number) - (times[i - 1] as number));
  // With random pinned to 1 the delays are exactly 40, 80, 160 ms; timers may only fire late.
  assert.ok((gaps[0] as number) >= 38 && (gaps[1] as number) >= 78 && (gaps[2] as number) >= 158, `gaps ${gaps.join(",")}`);
  assert.equal(q.retries("ns/x"), 0, "success forgets the failure count");
  await q.shutdown();
});

test("a handler can ask to be requeued later; shutdown drops pending work", async () => {
  let runs = 0;
  const q = new WorkQueue(async () => { runs++; return { requeueAfterMs: 20 }; });
  q.start();
  q.add("ns/r");
  await until(() => runs >= 3, "requeued runs");
  await q.shutdown();
  const after = runs;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(runs, after, "no run after shutdown");
  q.add("ns/r");
  assert.equal(q.length, 0);
});

test("backoff doubles, caps and jitters within [d/2, d]", () => {
  const opts = { baseMs: 100, maxMs: 1000 };
  assert.equal(backoffDelay(0, { ...opts, random: () => 1 }), 100);
  assert.equal(backoffDelay(3, { ...opts, random: () => 1 }), 800);
  assert.equal(backoffDelay(10, { ...opts, random: () => 1 }), 1000);
  assert.equal(backoffDelay(10, { ...opts, random: () => 0 }), 500);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(2, opts);
    assert.ok(d >= 200 && d <= 400, `delay ${d}`);
  }
  assert.throws(() => backoffDelay(-1, opts), /non-negative/);
  assert.throws(() => new WorkQueue(async () => {}, { workers: 0 }), /positive integer/);
});
