import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { parseArgs } from "../src/main.js";
import { createLogger } from "../src/log.js";
import { OperatorMetrics, startMetricsServer } from "../src/metrics.js";

test("flags and env configure the operator; bad input is refused with a reason", () => {
  assert.deepEqual(parseArgs([], {}), {});
  assert.deepEqual(parseArgs([], { WATCH_NAMESPACE: "team-a", DEFAULT_IMAGE: "reg/skein:1" }), { namespace: "team-a", defaultImage: "reg/skein:1" });
  assert.deepEqual(parseArgs(["--all-namespaces"], { WATCH_NAMESPACE: "team-a" }), {});
  assert.deepEqual(parseArgs(["--kubeconfig", "/k", "--namespace=b", "--default-image", "img", "--metrics-port", "0",
    "--metrics-host", "127.0.0.1", "--leader-elect", "--lease-name", "l", "--lease-namespace", "ops", "--log-format", "logfmt", "--log-level", "debug"], {}),
  { kubeconfig: "/k", namespace: "b", defaultImage: "img", metricsPort: 0, metricsHost: "127.0.0.1", leaderElect: true, leaseName: "l", leaseNamespace: "ops", logFormat: "logfmt", logLevel: "debug" });
  assert.throws(() => parseArgs(["--metrics-port", "http"], {}), /--metrics-port must be a port number/);
  assert.throws(() => parseArgs(["--metrics-port", "70000"], {}), /0\.\.65535/);
  assert.throws(() => parseArgs(["--namespace"], {}), /--namespace needs a value/);
  assert.throws(() => parseArgs(["--namespace", "a", "--all-namespaces"], {}), /exclude each other/);
  assert.throws(() => parseArgs(["--log-format", "xml"], {}), /json or logfmt/);
  assert.throws(() => parseArgs(["--bogus"], {}), /unknown flag "--bogus"/);
});

function capture(): { stream: PassThrough; lines: () => string[] } {
  const stream = new PassThrough();
  let buf = "";
  stream.on("data", (c: Buffer) => { buf += c.toString(); });
  return { stream, lines: () => buf.split("\n").filter(Boolean) };
}

test("log lines carry level, time, msg and the cluster, as JSON or logfmt", async () => {
  const j = capture();
  createLogger({ stream: j.stream }).info("reconciled", { cluster: "ns/demo" });
  const l = capture();
  const lf = createLogger({ stream: l.stream, format: "logfmt", level: "warn" });
  lf.info("hidden");
  lf.warn("reconcile failed", { cluster: "ns/demo", error: "HTTP 500: boom" });
  await new Promise((r) => setImmediate(r));
  const rec = JSON.parse(j.lines()[0] as string) as Record<string, unknown>;
  assert.equal(rec.level, "info");
  assert.equal(rec.msg, "reconciled");
  assert.equal(rec.cluster, "ns/demo");
  assert.match(String(rec.time), /^\d{4}-\d\d-\d\dT/);
  assert.equal(l.lines().length, 1);
  assert.match(l.lines()[0] as string, /^level=warn time=\S+ msg="reconcile failed" cluster=ns\/demo error="HTTP 500: boom"$/);
  assert.throws(() => createLogger({ format: "xml" as never }), /json or logfmt/);
});

test("/metrics serves the operator's metrics and /healthz follows the health source", async () => {
  const m = new OperatorMetrics();
  m.reconciles.inc({ result: "success" });
  m.clustersManaged.set(2);
  let healthy = true;
  const srv = await startMetricsServer(m, { healthy: () => healthy }, 0, "127.0.0.1");
  try {
    const body = await (await fetch(`${srv.url}/metrics`)).text();
    assert.match(body, /skein_operator_reconcile_total\{result="success"\} 1/);
    assert.match(body, /skein_operator_clusters_managed 2/);
    assert.match(body, /skein_operator_reconcile_duration_seconds_bucket/);
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
    healthy = false;
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 503);
    assert.equal((await fetch(`${srv.url}/nope`)).status, 404);
  } finally {
    await srv.close();
  }
});
