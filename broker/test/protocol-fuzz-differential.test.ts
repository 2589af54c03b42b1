// Differential fuzzing: seeded random sessions go to nats-server 2.9 and to skein, and the replies
// must match byte for byte. A failure names the seed and the session, so it can be replayed.
// SKEIN_FUZZ_SESSIONS and SKEIN_FUZZ_SEED widen or move the run.
import assert from "node:assert/strict";
import { test } from "node:test";
import { prng, SessionGen } from "./harness/session-fuzz.js";
import { canonical, recordScenario, recordSession } from "./harness/transcript.js";
import { skipReason, startServer, type RunningServer } from "./harness/servers.js";

const SESSIONS = Number(process.env["SKEIN_FUZZ_SESSIONS"] ?? 150);
const SEED = Number(process.env["SKEIN_FUZZ_SEED"] ?? 20261125);
const WORKERS = 6;

const skip = skipReason("nats-server") ?? skipReason("skein");

test(`differential fuzz: ${SESSIONS} random sessions, seed ${SEED}`, { skip: skip ?? false, timeout: 300_000 }, async () => {
  const gen = new SessionGen(prng(SEED));
  const queue = Array.from({ length: SESSIONS }, (_, i) => ({ i, session: gen.session() }));
  const failures: string[] = [];
  const servers: RunningServer[] = [];
  try {
    const pairs: [RunningServer, RunningServer][] = [];
    for (let i = 0; i < WORKERS; i++) {
      const ref = await startServer("nats-server");
      servers.push(ref);
      const ours = await startServer("skein");
      servers.push(ours);
      pairs.push([ref, ours]);
    }
    await Promise.all(
      pairs.map(async ([ref, ours]) => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [want, got] = await Promise.all([recordSession(ref.port, next.session), recordSession(ours.port, next.session)]);
          try {
            assert.deepEqual(canonical(got), canonical(want));
          } catch {
            failures.push(
              `session #${next.i} ${JSON.stringify(next.session)}\n  nats-server: ${JSON.stringify(want)}\n  skein:       ${JSON.stringify(got)}`,
            );
          }
        }
      }),
    );
  } finally {
    for (const s of servers) await s.stop();
  }
  assert.equal(failures.length, 0, `${failures.length} of ${SESSIONS} sessions differ (seed ${SEED}):\n${failures.join("\n")}`);
});

const SCENARIOS = Number(process.env["SKEIN_FUZZ_SCENARIOS"] ?? 30);

test(`differential fuzz: ${SCENARIOS} random three-connection scenarios, seed ${SEED}`, { skip: skip ?? false, timeout: 300_000 }, async () => {
  const gen = new SessionGen(prng(SEED + 1));
  const queue = Array.from({ length: SCENARIOS }, (_, i) => ({ i, steps: gen.scenario(3, 8) }));
  const failures: string[] = [];
  const servers: RunningServer[] = [];
  try {
    const pairs: [RunningServer, RunningServer][] = [];
    for (let i = 0; i < WORKERS; i++) {
      const ref = await startServer("nats-server");
      servers.push(ref);
      const ours = await startServer("skein");
      servers.push(ours);
      pairs.push([ref, ours]);
    }
    await Promise.all(
      pairs.map(async ([ref, ours]) => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [want, got] = await Promise.all([recordScenario(ref.port, 3, next.steps), recordScenario(ours.port, 3, next.steps)]);
          try {
            assert.deepEqual(got.map(canonical), want.map(canonical));
          } catch {
            failures.push(`scenario #${next.i} ${JSON.stringify(next.steps)}\n  nats-server: ${JSON.stringify(want)}\n  skein:       ${JSON.stringify(got)}`);
          }
        }
      }),
    );
  } finally {
    for (const s of servers) await s.stop();
  }
  assert.equal(failures.length, 0, `${failures.length} of ${SCENARIOS} scenarios differ (seed ${SEED + 1}):\n${failures.join("\n")}`);
});
