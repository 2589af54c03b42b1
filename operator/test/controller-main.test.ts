import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { allChildren, createCluster, startEnv, waitFor, NS, type Obj } from "./reconcile-harness.js";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

test("the operator binary: flags and env, /metrics and /healthz, leader Lease, clean exit on SIGTERM", async () => {
  const env = await startEnv();
  const lines: Obj[] = [];
  const proc = spawn(process.execPath, ["--import", "tsx", MAIN, "--kubeconfig", env.kubeconfigPath, "--namespace", NS,
    "--metrics-port", "0", "--metrics-host", "127.0.0.1", "--leader-elect", "--lease-namespace", NS, "--log-format", "json"], {
    env: { ...process.env, DEFAULT_IMAGE: "example.test/skein:bin", POD_NAME: "operator-0" }, stdio: ["ignore", "ignore", "pipe"],
  });
  let buf = "";
  proc.stderr.on("data", (c: Buffer) => {
    buf += c.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i); buf = buf.slice(i + 1);
      try { lines.push(JSON.parse(line) as Obj); } catch { lines.push({ raw: line }); }
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  try {
    const started = await waitFor("operator started line", () => lines.find((l) => l.msg === "operator started"));
    const url = started.metrics as string;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    await createCluster(env, "bin", { size: 2 });
    const kids = await waitFor("children from the binary", () => allChildren(env, "bin"));
    assert.equal(kids.statefulSet!.spec.template.spec.containers[0].image, "example.test/skein:bin", "DEFAULT_IMAGE is used");
    const lease = await env.coordination.readNamespacedLease({ namespace: NS, name: "skein-operator" });
    assert.equal(lease.spec?.holderIdentity, "operator-0", "POD_NAME is the Lease identity");
    const metrics = await waitFor("reconcile counted", async () => {
      const body = await (await fetch(`${url}/metrics`)).text();
      return /skein_operator_reconcile_total\{result="success"\} [1-9]/.test(body) ? body : undefined;
    });
    assert.match(metrics, /skein_operator_clusters_managed 1/);
    assert.match(metrics, /skein_operator_leader 1/);
    assert.match(metrics, /process_cpu_seconds_total/);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.ok(lines.some((l) => l.cluster === `${NS}/bin` && l.level === "info" && typeof l.time === "string"), "reconcile logs name the cluster");
    proc.kill("SIGTERM");
    assert.equal(await exited, 0);
    assert.ok(lines.some((l) => l.msg === "operator stopped"));
    const released = await env.coordination.readNamespacedLease({ namespace: NS, name: "skein-operator" });
    assert.equal(released.spec?.holderIdentity ?? "", "", "the Lease is released on shutdown");
  } finally {
    if (proc.exitCode === null) proc.kill("SIGKILL");
    await env.stop();
  }
});

test("the operator binary refuses bad flags with a usage message and exit code 2", async () => {
  const proc = spawn(process.execPath, ["--import", "tsx", MAIN, "--metrics-port", "eighty"], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  proc.stderr.on("data", (c: Buffer) => { err += c.toString(); });
  const code = await new Promise<number | null>((resolve) => proc.on("exit", resolve));
  assert.equal(code, 2);
  assert.match(err, /--metrics-port must be a port number/);
  assert.match(err, /usage: skein-operator/);
});
