// Fuzz test of the config lexer, parser and loader: random and mutated inputs from a seed corpus, in
// a child process with a memory cap and a watchdog. Every input must parse or fail with a
// ConfigError; no other exception, no hang, no runaway memory. SKEIN_FUZZ_SEED and
// SKEIN_FUZZ_ITERATIONS override the defaults to replay or extend a run.

import { it } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FuzzJob, FuzzReport } from "./fixtures/config/fuzz-worker.js";

const CORPUS = [
  "port: 4222\nhost = 127.0.0.1\nserver_name: $VAR\n",
  "listen: 0.0.0.0:4222\nhttp: 8222\nmax_payload: 1MB\nmax_pending: 64MB\nping_interval: \"2m\"\n",
  "authorization {\n  users: [\n    {user: a, password: \"p\\x41\", permissions: {publish: {allow: [\"a.>\"], deny: \"b\"}, subscribe: [\"x\", \"y q\"]}}\n  ]\n}\nno_auth_user: a\n",
  "cluster {\n  name: c\n  listen: 0.0.0.0:6222\n  routes: [nats://a:6222, \"nats://b:6222\"]\n  authorization { user: r, password: p, timeout: 0.5 }\n}\n",
  "{ \"port\": 4222, \"debug\": true, \"a\": [1, 2.5, \"x\", [true]] }\n",
  "# comment\n// another\nlame_duck_duration: \"30s\"; lame_duck_grace_period: 10s, write_deadline '2s'\n",
  "text: (\nline one\n  line two\n)\nd: 2020-01-01T00:00:00Z\nsz: [1k, 1kb, 1ki, 1m, 1mb, 1g, 1gb, -5, 1.2.3.4]\n",
  "A = { x: 1 }\nb: $A\nc { d: $VAR, e: $2a$11$hash }\ninclude './none.conf'\n",
];

it("config fuzz: only ConfigErrors, no hang, bounded memory", { timeout: 120_000 }, async (t) => {
  const seed = Number(process.env.SKEIN_FUZZ_SEED ?? Date.now() % 1_000_000);
  const iterations = Number(process.env.SKEIN_FUZZ_ITERATIONS ?? 4000);
  const job: FuzzJob = { seed, iterations, budgetMs: 30_000, corpus: CORPUS };
  const script = fileURLToPath(new URL("./fixtures/config/fuzz-worker.ts", import.meta.url));
  const child = fork(script, [JSON.stringify(job)], {
    execArgv: ["--import", "tsx", "--max-old-space-size=256", "--stack-size=984"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const crashes: { text: string; error: string }[] = [];
  let last = "";
  const result = await new Promise<{ runs: number; accepted: number; rejected: number }>((resolve, reject) => {
    // A watchdog per input: parsing one input must not take more than this, even on a loaded machine.
    const HANG_MS = 10_000;
    let timer = setTimeout(onHang, HANG_MS);
    function onHang(): void {
      child.kill("SIGKILL");
      reject(new Error(`seed ${seed}: no progress for ${HANG_MS} ms on input ${JSON.stringify(last.slice(0, 500))}`));
    }
    child.on("message", (m: FuzzReport) => {
      clearTimeout(timer);
      timer = setTimeout(onHang, HANG_MS);
      if (m.type === "input") last = m.text;
      else if (m.type === "crash") crashes.push({ text: m.text, error: m.error });
      else { clearTimeout(timer); resolve(m); }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      // After "done" this is a no-op; before it, the child died (out of memory, stack, or a crash).
      reject(new Error(`seed ${seed}: fuzz child exited (code ${code}, signal ${signal}) on input ${JSON.stringify(last.slice(0, 500))}`));
    });
  });
  t.diagnostic(`seed ${seed}: ${result.runs} inputs, ${result.accepted} accepted, ${result.rejected} rejected`);
  assert.deepEqual(crashes.slice(0, 3), [], `seed ${seed}: inputs crashed the parser`);
  assert.ok(result.runs >= Math.min(iterations, 500), `seed ${seed}: only ${result.runs} inputs ran`);
  assert.ok(result.accepted > 0 && result.rejected > 0, `seed ${seed}: ${result.accepted} accepted, ${result.rejected} rejected`);
});
