import { test } from "node:test";
import assert from "node:assert/strict";
import type { Counter } from "prom-client";
import { child, condition, converged, createCluster, getCluster, patchCluster, startEnv, waitFor, writes, NS } from "./reconcile-harness.js";

async function total(counter: Counter<string>, labels: Record<string, string> = {}): Promise<number> {
  const got = await counter.get();
  return got.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0);
}

test("compaction: a watch resumed from a compacted resourceVersion gets 410, relists and converges", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 3 });
    await converged(env, op, "demo");
    const listsBefore = await total(op.metrics.informerLists, { resource: "configmaps" });
    // Drop the watches and forget history at once; with latency, the informers' re-watch from their
    // last resourceVersion reaches the server after the compaction (410) and after our changes.
    env.fake.faults.latency(500);
    env.fake.faults.dropWatches();
    env.fake.faults.compact();
    await env.core.deleteNamespacedConfigMap({ namespace: NS, name: "demo-config" });
    await patchCluster(env, "demo", { spec: { size: 4 } });
    env.fake.faults.clear();
    await waitFor("ConfigMap recreated after the relist", () => child(env, "ConfigMap", "demo-config"));
    await converged(env, op, "demo");
    assert.equal((await child(env, "StatefulSet", "demo"))!.spec.replicas, 4);
    assert.ok(await total(op.metrics.informerLists, { resource: "configmaps" }) > listsBefore, "the ConfigMap informer relisted");
    await waitFor("all watches re-established", () => env.fake.openWatches() >= 6);
    // The relisted cache is whole: a later change is still seen through the new watch.
    await env.core.deleteNamespacedService({ namespace: NS, name: "demo-headless" });
    await waitFor("headless Service recreated", () => child(env, "Service", "demo-headless"));
  } finally {
    await env.stop();
  }
});

test("dropped watches (abrupt and graceful) are re-established and events keep flowing", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 3 });
    await converged(env, op, "demo");
    for (const graceful of [false, true]) {
      env.fake.faults.dropWatches({ graceful });
      await waitFor("watches back", () => env.fake.openWatches() >= 6);
      const size = graceful ? 2 : 5;
      await patchCluster(env, "demo", { spec: { size } });
      await converged(env, op, "demo");
      assert.equal((await child(env, "StatefulSet", "demo"))!.spec.replicas, size);
      await env.core.deleteNamespacedSecret({ namespace: NS, name: "demo-credentials" });
      await waitFor("Secret recreated", () => child(env, "Secret", "demo-credentials"));
    }
  } finally {
    await env.stop();
  }
});

test("injected 409 conflicts on updates are retried until the update lands", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 3 });
    await converged(env, op, "demo");
    env.fake.resetWriteCounts();
    env.fake.faults.inject({ verb: "update", resource: "configmaps", status: 409, count: 3 });
    await patchCluster(env, "demo", { spec: { natsConfig: { maxPayload: 65536 } } });
    await waitFor("ConfigMap updated", async () => /max_payload: 65536/.test((await child(env, "ConfigMap", "demo-config"))!.data["skein.conf"] as string));
    assert.equal(writes(env, { verb: "update", resource: "configmaps" }), 4, "three refused, the fourth landed");
    await converged(env, op, "demo");
    assert.equal(condition(await getCluster(env, "demo"), "Degraded")?.status, "False");
  } finally {
    await env.stop();
  }
});

test("injected 500s on create and on status are retried with backoff and reported while they last", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    env.fake.faults.inject({ verb: "create", resource: "statefulsets", status: 500, count: 3 });
    await createCluster(env, "demo", { size: 3 });
    await waitFor("StatefulSet created despite 500s", () => child(env, "StatefulSet", "demo"));
    assert.equal(writes(env, { verb: "create", resource: "statefulsets" }), 4);
    assert.ok(await total(op.metrics.errors, { code: "500" }) >= 3, "errors counted by status code");
    assert.ok(await total(op.metrics.reconciles, { result: "error" }) >= 3);
    const done = await converged(env, op, "demo");
    assert.equal(condition(done, "Degraded")?.status, "False", "Degraded clears once a reconcile succeeds");
    const warnings = (await env.core.listNamespacedEvent({ namespace: NS })).items.filter((e) => e.type === "Warning" && e.reason === "ReconcileFailed");
    assert.ok(warnings.length >= 1, "the failure was reported as a Warning event");
    // The status subresource failing is retried too.
    env.fake.faults.inject({ verb: "patch", resource: "natsclusters/status", status: 503, count: 2 });
    await patchCluster(env, "demo", { spec: { size: 4 } });
    await converged(env, op, "demo");
    assert.equal((await getCluster(env, "demo")).status.observedGeneration, (await getCluster(env, "demo")).metadata.generation);
  } finally {
    await env.stop();
  }
});

test("failed lists and watches restart the informers with backoff, never the process", async () => {
  const env = await startEnv();
  try {
    env.fake.faults.inject({ verb: "list", resource: "statefulsets", status: 500, count: 3 });
    env.fake.faults.inject({ verb: "watch", resource: "natsclusters", status: 503, count: 2 });
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 3 });
    await converged(env, op, "demo");
    assert.ok(await total(op.metrics.informerRestarts, { resource: "statefulsets" }) >= 3);
    assert.ok(await total(op.metrics.informerRestarts, { resource: "natsclusters" }) >= 2);
    assert.ok(env.logs.some((l) => l.includes("informer stopped on an error; restarting")));
  } finally {
    await env.stop();
  }
});

test("latency on every request slows the operator down but it still converges", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    env.fake.faults.latency(150);
    await createCluster(env, "slow", { size: 3 });
    await converged(env, op, "slow");
    await patchCluster(env, "slow", { spec: { size: 1 } });
    await converged(env, op, "slow");
    assert.equal((await child(env, "StatefulSet", "slow"))!.spec.replicas, 1);
    env.fake.faults.clear();
  } finally {
    await env.stop();
  }
});

test("watches carry a server-side timeout; when the server ends them the informers resume without relisting", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp({ watchTimeoutSeconds: 1 });
    await createCluster(env, "demo", { size: 3 });
    await converged(env, op, "demo");
    const lists = await total(op.metrics.informerLists);
    const watches = await total(op.metrics.informerWatches, { resource: "configmaps" });
    // The server ends each watch after a second; the informers start new ones from their resourceVersion.
    await waitFor("three more ConfigMap watches", async () => await total(op.metrics.informerWatches, { resource: "configmaps" }) >= watches + 3);
    await waitFor("watches open", () => env.fake.openWatches() >= 6);
    await patchCluster(env, "demo", { spec: { size: 2 } });
    await converged(env, op, "demo");
    assert.equal((await child(env, "StatefulSet", "demo"))!.spec.replicas, 2);
    assert.equal(await total(op.metrics.informerLists), lists, "no relist: a timed-out watch resumes from its resourceVersion");
    assert.equal(await total(op.metrics.informerRestarts), 0, "a server-side timeout is not an error");
  } finally {
    await env.stop();
  }
});
