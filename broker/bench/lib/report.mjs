// Turns raw runs into medians and a Markdown table.
import { deliveredMsgs, throughput } from "./scenarios.mjs";

export const KINDS = ["skein", "nats"];

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Medians over the repeats of one scenario on one kind of server. */
export function summarize(scenario, runs) {
  if (runs.length === 0) return null;
  return {
    runs: runs.length,
    rate: median(runs.map((r) => throughput(scenario, r.result))),
    cpuMsPerMillion: median(runs.map((r) => (r.serverCpuMs * 1e6) / deliveredMsgs(scenario, r.result))),
    peakRssMiB: Math.max(...runs.map((r) => r.peakKiB / 1024)),
    otherLoadPct: median(runs.map((r) => r.otherLoadPct)),
    loadgenCpuPct: Math.max(...runs.map((r) => r.result.client_cpu_util * 100)),
    p50us: median(runs.map((r) => r.result.latency_us?.p50)),
    p99us: median(runs.map((r) => r.result.latency_us?.p99)),
  };
}

const fmtInt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");
const fmt1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : "n/a");
const fmt2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");

const HEADER = [
  "scenario",
  "skein msgs/s",
  "nats-server msgs/s",
  "ratio",
  "skein CPU ms/M msgs",
  "nats CPU ms/M msgs",
  "skein peak RSS MB",
  "nats peak RSS MB",
  "loadgen CPU %",
];

function row(cells) {
  return `| ${cells.join(" | ")} |`;
}

/** The main table. summaries: [{ scenario, skein, nats }] (a side may be null). */
export function scenarioTable(summaries) {
  const lines = [row(HEADER), row(HEADER.map((h, i) => (i === 0 ? "---" : "---:")))];
  for (const { scenario, skein, nats } of summaries) {
    const get = (s, key) => (s ? s[key] : NaN);
    const shared = [
      fmtInt(get(skein, "cpuMsPerMillion")),
      fmtInt(get(nats, "cpuMsPerMillion")),
      fmt1(get(skein, "peakRssMiB")),
      fmt1(get(nats, "peakRssMiB")),
      fmtInt(Math.max(get(skein, "loadgenCpuPct"), get(nats, "loadgenCpuPct"))),
    ];
    if (scenario.mode === "reqrep") {
      for (const [key, name] of [["p50us", "p50"], ["p99us", "p99"]]) {
        const s = get(skein, key);
        const n = get(nats, key);
        lines.push(row([`${scenario.label}, ${name} µs`, fmt1(s), fmt1(n), fmt2(n / s), ...shared]));
      }
      continue;
    }
    const s = get(skein, "rate");
    const n = get(nats, "rate");
    lines.push(row([scenario.label, fmtInt(s), fmtInt(n), fmt2(s / n), ...shared]));
  }
  return lines.join("\n");
}

/** The idle-connection table. idle: { skein, nats } results of measureIdle. */
export function idleTable(n, idle) {
  const per = (k) => idle[k]?.bytesPerConn ?? NaN;
  const held = (k) => (idle[k] ? idle[k].rssHeldKiB / 1024 : NaN);
  const before = (k) => (idle[k] ? idle[k].rssBeforeKiB / 1024 : NaN);
  return [
    row([`${n.toLocaleString("en-US")} idle connections`, "skein", "nats-server", "ratio (nats/skein)"]),
    row(["---", "---:", "---:", "---:"]),
    row(["bytes per connection", fmtInt(per("skein")), fmtInt(per("nats")), fmt2(per("nats") / per("skein"))]),
    row(["RSS before, MB", fmt1(before("skein")), fmt1(before("nats")), ""]),
    row(["RSS holding them, MB", fmt1(held("skein")), fmt1(held("nats")), fmt2(held("nats") / held("skein"))]),
  ].join("\n");
}

/** One note naming the rows measured while other processes used the CPU, or "". */
export function noiseNotes(summaries, names, limitPct) {
  const rows = [];
  for (const { scenario, ...sides } of summaries) {
    const loads = KINDS.filter((k) => sides[k]?.otherLoadPct > limitPct).map((k) => `${names[k]} run ${sides[k].otherLoadPct.toFixed(0)}%`);
    if (loads.length > 0) rows.push(`${scenario.id} (${loads.join(", ")})`);
  }
  if (rows.length === 0) return "";
  return (
    `NOTE: noisy rows, where other processes used more than ${limitPct}% of a core ` +
    `(the servers' core when pinned) during the measured phase: ${rows.join("; ")}`
  );
}
