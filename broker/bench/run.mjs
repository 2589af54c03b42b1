#!/usr/bin/env node
// npm run bench: skein-server against nats-server, side by side, in one run.
// See broker/bench/README.md for the flags and what each column means.
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { cpus, loadavg, setPriority } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { hasTaskset } from "./lib/proc.mjs";
import { startServers, stopServers } from "./lib/servers.mjs";
import { buildTools, runScenario, measureIdle } from "./lib/loadgen.mjs";
import { SCENARIOS, IDLE_ID } from "./lib/scenarios.mjs";
import { KINDS, summarize, scenarioTable, idleTable, noiseNotes } from "./lib/report.mjs";

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoDir = resolve(benchDir, "../..");
const RSS_BUDGET_MIB = 150;
const OTHER_LOAD_NOTE_PCT = 10;
// Unmeasured messages sent first through the same path, as a share of the measured count:
// a fresh Node process runs interpreted code until its JIT has compiled the hot path.
const WARMUP_SHARE = 1 / 3;
const NAMES = { skein: "skein", nats: "nats-server" };

const USAGE = `usage: node broker/bench/run.mjs [options]
  --quick             small counts and one repeat (CI smoke run)
  --repeat N          runs per scenario and server, median taken (default 3, quick 1)
  --only LIST         comma-separated scenario ids: ${[...SCENARIOS.map((s) => s.id), IDLE_ID].join(", ")}
  --node PATH         node binary for skein-server (default: this node)
  --skein-main PATH   skein-server entry point run by --node (default broker/dist/main.js)
  --skein-cmd CMD     command that replaces "node broker/dist/main.js" (e.g. nats-server)
  --nats-server PATH  reference server binary (default nats-server)
  --idle-conns N      idle connections for the memory measurement (default 10000, quick 1000; 0 skips)
  --no-pin            do not pin the load generator and the server to separate CPUs
  --nice N            run servers and load generator at this niceness (default -20 as root, else none)
  --json FILE         also write every run and summary as JSON`;

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: "boolean", default: false },
        repeat: { type: "string" },
        only: { type: "string" },
        node: { type: "string", default: process.execPath },
        "skein-main": { type: "string" },
        "skein-cmd": { type: "string" },
        "nats-server": { type: "string", default: "nats-server" },
        "idle-conns": { type: "string" },
        "no-pin": { type: "boolean", default: false },
        nice: { type: "string" },
        json: { type: "string" },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (err) {
    fail(`${err.message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const count = (name, fallback, min) => {
    if (values[name] === undefined) return fallback;
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) fail(`--${name} needs an integer >= ${min}, got "${values[name]}"`);
    return n;
  };
  const known = new Set([...SCENARIOS.map((s) => s.id), IDLE_ID]);
  const only = values.only?.split(",").map((s) => s.trim()).filter(Boolean);
  for (const id of only ?? []) if (!known.has(id)) fail(`unknown scenario "${id}"; known: ${[...known].join(", ")}`);
  const skeinCmd = values["skein-cmd"]?.trim().split(/\s+/);
  const skeinMain = resolve(values["skein-main"] ?? join(repoDir, "broker/dist/main.js"));
  if (!skeinCmd && !existsSync(skeinMain)) fail(`${skeinMain} not found: run npm run build (or pass --skein-cmd)`);
  let nice = process.geteuid?.() === 0 ? -20 : null;
  if (values.nice !== undefined) {
    nice = Number(values.nice);
    if (!Number.isInteger(nice) || nice < -20 || nice > 19) fail(`--nice needs an integer from -20 to 19, got "${values.nice}"`);
  }
  const pin = !values["no-pin"] && cpus().length >= 2 && hasTaskset();
  return {
    quick: values.quick,
    repeat: count("repeat", values.quick ? 1 : 3, 1),
    only: only ? new Set(only) : null,
    node: values.node,
    skeinCmd,
    skeinMain,
    natsServer: values["nats-server"],
    idleConns: count("idle-conns", values.quick ? 1000 : 10000, 0),
    json: values.json,
    pin,
    nice,
    serverCpu: pin ? 1 : null,
    loadgenCpu: pin ? 0 : null,
  };
}

function version(argv) {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: "utf8" }).trim();
  } catch (err) {
    fail(`cannot run ${argv.join(" ")}: ${err.message}`);
  }
}

const log = (msg) => process.stderr.write(`${msg}\n`);

async function benchScenario(scenario, opts, bins, failures) {
  const runs = { skein: [], nats: [] };
  const broken = new Set();
  const msgs = opts.quick ? scenario.quick : scenario.msgs;
  const pinned = opts.pin && scenario.pin !== false;
  const serverOpts = { ...opts, serverCpu: pinned ? opts.serverCpu : null };
  for (let rep = 0; rep < opts.repeat; rep++) {
    // Alternate who goes first, so drift on a shared machine hits both alike.
    const order = rep % 2 === 0 ? KINDS : [...KINDS].reverse();
    for (const kind of order) {
      if (broken.has(kind)) continue;
      const tag = `[${scenario.id} ${rep + 1}/${opts.repeat}] ${NAMES[kind]}`;
      let servers = [];
      try {
        servers = await startServers(kind, serverOpts, {
          count: scenario.nodes ?? 1,
          extraArgs: (i, ports) => scenario.nodeArgs?.(kind, i, ports) ?? [],
        });
        const run = await runScenario(bins.loadgen, scenario, servers, {
          msgs,
          warmup: Math.round(msgs * WARMUP_SHARE),
          timeoutSec: opts.quick ? 20 : 60,
          cpu: pinned ? opts.loadgenCpu : null,
          nice: opts.nice,
          serverCpu: serverOpts.serverCpu,
        });
        const r = run.result;
        if (!r.complete || r.errors.length > 0) {
          throw new Error(`incomplete run: sent ${r.sent}, received ${r.received} of ${r.expected}; ${r.errors.join("; ")}`);
        }
        runs[kind].push(run);
        log(`${tag}: ${Math.round(r.received_per_sec || r.sent_per_sec)} msgs/s, server ${Math.round(run.serverCpuMs)} ms CPU, peak ${Math.round(run.peakKiB / 1024)} MB, other load ${Math.round(run.otherLoadPct)}%, loadgen ${Math.round(r.client_cpu_util * 100)}% CPU`);
      } catch (err) {
        broken.add(kind);
        failures.push(`${tag}: ${err.message}`);
        log(`${tag}: FAILED: ${err.message}`);
      } finally {
        await stopServers(servers);
      }
    }
  }
  return { scenario, skein: summarize(scenario, runs.skein), nats: summarize(scenario, runs.nats), runs };
}

async function benchIdle(opts, bins, failures) {
  const idle = {};
  for (const kind of KINDS) {
    let servers = [];
    try {
      servers = await startServers(kind, opts);
      idle[kind] = await measureIdle(bins.idleconns, servers[0], opts.idleConns, opts.loadgenCpu, opts.nice);
      log(`[${IDLE_ID}] ${NAMES[kind]}: ${Math.round(idle[kind].bytesPerConn)} bytes per connection`);
    } catch (err) {
      failures.push(`[${IDLE_ID}] ${NAMES[kind]}: ${err.message}`);
      log(`[${IDLE_ID}] ${NAMES[kind]}: FAILED: ${err.message}`);
    } finally {
      await stopServers(servers);
    }
  }
  return idle;
}

async function main() {
  const opts = parseOptions();
  // The runner samples /proc at the loadgen's handshakes; it should not lag behind other work
  // of its own session. (Its session's autogroup is left alone: that is the caller's shell.)
  if (opts.nice !== null) setPriority(opts.nice);
  const bins = buildTools(benchDir, log);
  const skeinDesc = opts.skeinCmd
    ? `skein-server replaced by: ${opts.skeinCmd.join(" ")}`
    : `skein-server ${opts.skeinMain} on Node ${version([opts.node, "--version"])} (${opts.node})`;
  const header = [
    `# skein-server vs nats-server${opts.quick ? " (quick)" : ""}`,
    "",
    `- ${skeinDesc}`,
    `- ${version([opts.natsServer, "--version"])}`,
    `- load generator: Go ${version(["go", "env", "GOVERSION"])}, nats.go publishers and requesters, counting raw-protocol subscribers`,
    `- machine: ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")} at start`,
    `- pinning: ${opts.pin ? `load generator on CPU 0, servers on CPU 1 (taskset), except ${SCENARIOS.filter((s) => s.pin === false).map((s) => s.id).join(", ")}` : "none"}`,
    `- priority: ${opts.nice === null ? "default" : `nice ${opts.nice} for servers and load generator (ahead of other work on the machine)`}`,
    `- ${opts.repeat} run(s) per scenario and server, median shown; servers started fresh for every run, each warmed up with ${Math.round(WARMUP_SHARE * 100)}% more messages first (not measured)`,
  ];
  log(`benchmarking: ${skeinDesc}; ${opts.pin ? "pinned" : "not pinned"}; ${opts.repeat} run(s) each`);

  const failures = [];
  const summaries = [];
  for (const scenario of SCENARIOS) {
    if (opts.only && !opts.only.has(scenario.id)) continue;
    summaries.push(await benchScenario(scenario, opts, bins, failures));
  }
  const wantIdle = opts.idleConns > 0 && (!opts.only || opts.only.has(IDLE_ID));
  const idle = wantIdle ? await benchIdle(opts, bins, failures) : null;

  const out = [...header, ""];
  if (summaries.length > 0) out.push(scenarioTable(summaries), "");
  if (idle) out.push(idleTable(opts.idleConns, idle), "");
  for (const { scenario, skein } of summaries) {
    if (skein && skein.peakRssMiB > RSS_BUDGET_MIB) {
      out.push(`WARNING: skein peak RSS ${skein.peakRssMiB.toFixed(1)} MB in "${scenario.label}" exceeds the ${RSS_BUDGET_MIB} MB budget`);
    }
  }
  const noisy = noiseNotes(summaries, NAMES, OTHER_LOAD_NOTE_PCT);
  if (noisy) out.push(noisy);
  if (failures.length > 0) {
    out.push("", `HARNESS FAILURES (${failures.length}): these runs are not in the table`);
    for (const f of failures) out.push(`- ${f.replace(/\n/g, "\n    ")}`);
  }
  process.stdout.write(`${out.join("\n")}\n`);

  if (opts.json) {
    const doc = {
      header,
      options: { ...opts, only: opts.only ? [...opts.only] : null },
      scenarios: summaries.map(({ scenario, skein, nats, runs }) => ({ id: scenario.id, label: scenario.label, skein, nats, runs })),
      idle,
      failures,
    };
    writeFileSync(opts.json, `${JSON.stringify(doc, null, 2)}\n`);
  }
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack ?? err}\n`);
  process.exit(2);
});
