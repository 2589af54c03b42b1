// Differential fuzzing: seeded random sessions go to nats-server 2.9 and to skein, and the replies
// must match byte for byte (see canonical() for the two nats-server orderings that are random).
// A failure names the seed and the session, so it can be replayed. SKEIN_FUZZ_SESSIONS,
// SKEIN_FUZZ_SCENARIOS and SKEIN_FUZZ_SEED widen or move the run.
import assert from "node:assert/strict";
import { test } from "node:test";
import { prng, SessionGen } from "./harness/session-fuzz.js";
import { canonical, recordScenario, recordSession, type Transcript } from "./harness/transcript.js";
import { skipReason, startServer, type RunningServer, type TestServerOptions } from "./harness/servers.js";

const SESSIONS = Number(process.env["SKEIN_FUZZ_SESSIONS"] ?? 150);
const SCENARIOS = Number(process.env["SKEIN_FUZZ_SCENARIOS"] ?? 30);
const SEED = Number(process.env["SKEIN_FUZZ_SEED"] ?? 20261125);
const WORKERS = 6; // each case runs alone on its pair of servers: cases must not see each other

const skip = skipReason("nats-server") ?? skipReason("skein");

/** Runs every case on a pool of server pairs; returns a description of each case that differs. */
async function differ<T>(
  options: TestServerOptions,
  cases: T[],
  run: (port: number, c: T) => Promise<Transcript[]>,
  describe: (c: T) => string,
): Promise<string[]> {
  const failures: string[] = [];
  const servers: RunningServer[] = [];
  const queue = [...cases];
  try {
    const pairs: [RunningServer, RunningServer][] = [];
    for (let i = 0; i < WORKERS; i++) {
      const ref = await startServer("nats-server", options);
      servers.push(ref);
      const ours = await startServer("skein", options);
      servers.push(ours);
      pairs.push([ref, ours]);
    }
    await Promise.all(
      pairs.map(async ([ref, ours]) => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          const [want, got] = await Promise.all([run(ref.port, next), run(ours.port, next)]);
          try {
            assert.deepEqual(got.map(canonical), want.map(canonical));
          } catch {
            failures.push(`${describe(next)}\n  nats-server: ${JSON.stringify(want)}\n  skein:       ${JSON.stringify(got)}`);
          }
        }
      }),
    );
  } finally {
    for (const s of servers) await s.stop();
  }
  return failures;
}

const VARIANTS: { name: string; options: TestServerOptions; seed: number }[] = [
  { name: "defaults", options: {}, seed: SEED },
  { name: "tiny limits", options: { maxPayload: 8, maxControlLine: 24, maxSubscriptions: 3 }, seed: SEED + 2 },
];

for (const v of VARIANTS) {
  test(`differential fuzz: ${SESSIONS} random sessions, ${v.name}, seed ${v.seed}`, { skip: skip ?? false, timeout: 300_000 }, async () => {
    const gen = new SessionGen(prng(v.seed));
    const cases = Array.from({ length: SESSIONS }, (_, i) => ({ i, session: gen.session() }));
    const failures = await differ(
      v.options,
      cases,
      async (port, c) => [await recordSession(port, c.session)],
      (c) => `session #${c.i} ${JSON.stringify(c.session)}`,
    );
    assert.equal(failures.length, 0, `${failures.length} of ${SESSIONS} sessions differ:\n${failures.join("\n")}`);
  });
}

test(`differential fuzz: ${SCENARIOS} random three-connection scenarios, seed ${SEED + 1}`, { skip: skip ?? false, timeout: 300_000 }, async () => {
  const gen = new SessionGen(prng(SEED + 1));
  const cases = Array.from({ length: SCENARIOS }, (_, i) => ({ i, steps: gen.scenario(3, 8) }));
  const failures = await differ(
    {},
    cases,
    (port, c) => recordScenario(port, 3, c.steps),
    (c) => `scenario #${c.i} ${JSON.stringify(c.steps)}`,
  );
  assert.equal(failures.length, 0, `${failures.length} of ${SCENARIOS} scenarios differ:\n${failures.join("\n")}`);
});
