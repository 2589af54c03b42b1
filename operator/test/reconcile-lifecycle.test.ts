import { test } from "node:test";
import assert from "node:assert/strict";
import {
  allChildren, child, condition, converged, createCluster, getCluster, patchCluster, deleteCluster, setStatefulSetStatus,
  startEnv, waitFor, writes, NS, IMAGE, type Obj,
} from "./reconcile-harness.js";

const HASH = "skein.dev/config-hash";

function templateHash(sts: Obj): string { return sts.spec.template.metadata.annotations[HASH] as string; }
function routesOf(secret: Obj): string { return Buffer.from(secret.data["routes.conf"] as string, "base64").toString("utf8"); }

test("create: every child appears with an ownerReference to the NatsCluster, and status is written", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    const nc = await createCluster(env, "demo", { size: 3 });
    const kids = await waitFor("all children", () => allChildren(env, "demo"));
    for (const [what, o] of Object.entries(kids)) {
      const ref = (o.metadata.ownerReferences as Obj[] | undefined)?.[0];
      assert.equal(ref?.uid, nc.metadata.uid, `${what} is owned by the cluster`);
      assert.equal(ref?.controller, true);
      assert.equal(ref?.blockOwnerDeletion, true);
      assert.equal(o.metadata.labels["app.kubernetes.io/managed-by"], "skein-operator");
    }
    assert.equal(kids.statefulSet!.spec.replicas, 3);
    assert.equal(kids.statefulSet!.spec.template.spec.containers[0].image, IMAGE);
    assert.equal(kids.headless!.spec.publishNotReadyAddresses, true);
    const done = await converged(env, op, "demo");
    assert.equal(done.status.size, 0, "no pods exist yet (no StatefulSet controller in the fake)");
    assert.equal(done.status.readyReplicas, 0);
    assert.equal(done.status.selector, "app.kubernetes.io/name=skein,app.kubernetes.io/instance=demo,app.kubernetes.io/component=broker");
    assert.equal(condition(done, "Ready")?.status, "False");
    assert.equal(condition(done, "Progressing")?.status, "True");
    assert.equal(condition(done, "Progressing")?.reason, "ScalingUp");
    assert.equal(condition(done, "Degraded")?.status, "False");
    // What the operator did is visible as Events on the NatsCluster.
    const events = await env.core.listNamespacedEvent({ namespace: NS });
    const reasons = events.items.filter((e) => e.involvedObject.name === "demo").map((e) => e.reason);
    for (const r of ["CreatedSecret", "CreatedConfigMap", "CreatedService", "CreatedStatefulSet", "CreatedPodDisruptionBudget"]) {
      assert.ok(reasons.includes(r), `event ${r} in ${reasons.join(",")}`);
    }
  } finally {
    await env.stop();
  }
});

test("status follows readiness: Ready/Progressing flip, currentVersion and observedGeneration are set", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 3, version: "2.9.10" });
    const before = await converged(env, op, "demo");
    const readyFalseSince = condition(before, "Ready")?.lastTransitionTime as string;
    assert.equal(before.status.currentVersion, undefined, "no version is current before the rollout completes");
    await setStatefulSetStatus(env, "demo", 1);
    const partial = await waitFor("1/3 ready in status", async () => {
      const nc = await getCluster(env, "demo");
      return nc.status?.readyReplicas === 1 ? nc : undefined;
    });
    assert.equal(condition(partial, "Ready")?.status, "False");
    assert.equal(condition(partial, "Ready")?.lastTransitionTime, readyFalseSince, "no flip, no new transition time");
    assert.equal(condition(partial, "Progressing")?.reason, "RollingUpdate");
    await setStatefulSetStatus(env, "demo", 3);
    const ready = await waitFor("Ready=True", async () => {
      const nc = await getCluster(env, "demo");
      return condition(nc, "Ready")?.status === "True" ? nc : undefined;
    });
    assert.equal(ready.status.readyReplicas, 3);
    assert.equal(ready.status.size, 3);
    assert.equal(ready.status.currentVersion, "2.9.10");
    assert.equal(ready.status.observedGeneration, ready.metadata.generation);
    assert.equal(condition(ready, "Ready")?.reason, "AllReplicasReady");
    assert.equal(condition(ready, "Progressing")?.status, "False");
    assert.equal(condition(ready, "Degraded")?.status, "False");
    for (const c of ready.status.conditions as Obj[]) assert.equal(c.observedGeneration, ready.metadata.generation);
  } finally {
    await env.stop();
  }
});

test("update: a reloadable change (maxPayload) rewrites only the ConfigMap; a non-reloadable one rolls the pods", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 3 });
    await converged(env, op, "demo");
    const sts0 = (await child(env, "StatefulSet", "demo"))!;
    const secret0 = (await child(env, "Secret", "demo-credentials"))!;
    env.fake.resetWriteCounts();
    await patchCluster(env, "demo", { spec: { natsConfig: { maxPayload: 2097152 } } });
    await converged(env, op, "demo");
    const cm = (await child(env, "ConfigMap", "demo-config"))!;
    assert.match(cm.data["skein.conf"] as string, /max_payload: 2097152/);
    assert.equal(writes(env, { verb: "update", resource: "configmaps" }), 1);
    for (const r of ["statefulsets", "services", "secrets", "poddisruptionbudgets"]) {
      assert.equal(writes(env, { resource: r }), 0, `no write to ${r}`);
    }
    const sts1 = (await child(env, "StatefulSet", "demo"))!;
    assert.equal(sts1.metadata.resourceVersion, sts0.metadata.resourceVersion, "StatefulSet untouched");
    assert.equal(templateHash(sts1), templateHash(sts0));
    // noAdvertise cannot be reloaded: the config hash on the pod template changes, so the pods roll.
    await patchCluster(env, "demo", { spec: { noAdvertise: true } });
    await converged(env, op, "demo");
    const sts2 = (await child(env, "StatefulSet", "demo"))!;
    assert.notEqual(templateHash(sts2), templateHash(sts0));
    assert.match((await child(env, "ConfigMap", "demo-config"))!.data["skein.conf"] as string, /no_advertise: true/);
    const rolled = (await env.core.listNamespacedEvent({ namespace: NS })).items.filter((e) => e.reason === "RollingUpdate");
    assert.equal(rolled.length, 1, "one RollingUpdate event, for the non-reloadable change only");
    const secret1 = (await child(env, "Secret", "demo-credentials"))!;
    assert.deepEqual(secret1.data, secret0.data, "credentials stay stable across reconciles");
  } finally {
    await env.stop();
  }
});

function routeHosts(text: string): number[] {
  return [...text.matchAll(/demo-(\d+)\.demo-headless\./g)].map((m) => Number(m[1])).filter((v, i, a) => a.indexOf(v) === i).sort();
}

async function routesNow(env: Parameters<typeof child>[0]): Promise<{ secret: number[]; conf: number[] }> {
  return {
    secret: routeHosts(routesOf((await child(env, "Secret", "demo-credentials"))!)),
    conf: routeHosts((await child(env, "ConfigMap", "demo-config"))!.data["skein.conf"] as string),
  };
}

test("scale 3 -> 5 -> 2: StatefulSet replicas and one route per remaining ordinal", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 3 });
    await converged(env, op, "demo");
    const hash0 = templateHash((await child(env, "StatefulSet", "demo"))!);
    for (const size of [5, 2]) {
      await patchCluster(env, "demo", { spec: { size } });
      await converged(env, op, "demo");
      const want = [...Array(size).keys()];
      await waitFor(`routes for ${size} brokers`, async () => {
        const r = await routesNow(env);
        return JSON.stringify(r.secret) === JSON.stringify(want) && JSON.stringify(r.conf) === JSON.stringify(want);
      });
      const sts = (await child(env, "StatefulSet", "demo"))!;
      assert.equal(sts.spec.replicas, size);
      assert.equal(templateHash(sts), hash0, "scaling does not roll the pods");
    }
    const events = await env.core.listNamespacedEvent({ namespace: NS });
    const reasons = events.items.map((e) => e.reason);
    assert.ok(reasons.includes("ScaledUp") && reasons.includes("ScaledDown"), reasons.join(","));
  } finally {
    await env.stop();
  }
});

test("scale down: the highest ordinals leave first and the remaining routes are rewritten only after they are gone", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 5 });
    await converged(env, op, "demo");
    await setStatefulSetStatus(env, "demo", 5);
    await waitFor("Ready", async () => condition(await getCluster(env, "demo"), "Ready")?.status === "True");
    await patchCluster(env, "demo", { spec: { size: 2 } });
    await waitFor("StatefulSet scaled to 2", async () => (await child(env, "StatefulSet", "demo"))!.spec.replicas === 2);
    const progressing = await waitFor("Progressing/ScalingDown", async () => {
      const nc = await getCluster(env, "demo");
      return condition(nc, "Progressing")?.reason === "ScalingDown" ? nc : undefined;
    });
    assert.equal(progressing.status.size, 5, "five pods still exist");
    await op.controller.whenIdle();
    // Pods 2..4 are still in lame duck: the remaining brokers keep their routes to them.
    assert.deepEqual(await routesNow(env), { secret: [0, 1, 2, 3, 4], conf: [0, 1, 2, 3, 4] });
    // The StatefulSet controller removed ordinals 4, 3, 2: now the routes shrink to 0 and 1.
    await setStatefulSetStatus(env, "demo", 2);
    await waitFor("routes for the two remaining brokers", async () => JSON.stringify(await routesNow(env)) === JSON.stringify({ secret: [0, 1], conf: [0, 1] }));
    const done = await waitFor("Ready and stable at 2", async () => {
      const nc = await getCluster(env, "demo");
      return condition(nc, "Progressing")?.status === "False" && nc.status.size === 2 ? nc : undefined;
    });
    assert.equal(condition(done, "Ready")?.status, "True");
  } finally {
    await env.stop();
  }
});

test("pause: a paused cluster is left alone and says so once; unpausing catches up", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 3 });
    await converged(env, op, "demo");
    await patchCluster(env, "demo", { spec: { paused: true } });
    const paused = await waitFor("Paused condition", async () => {
      const nc = await getCluster(env, "demo");
      return condition(nc, "Progressing")?.reason === "Paused" ? nc : undefined;
    });
    await op.controller.whenIdle();
    env.fake.resetWriteCounts();
    await patchCluster(env, "demo", { spec: { size: 5, natsConfig: { maxPayload: 4096 } } });
    await env.core.deleteNamespacedService({ namespace: NS, name: "demo" });
    // Give the operator every chance to act: resync twice and wait for the queue to drain.
    for (let i = 0; i < 2; i++) { op.controller.resyncAll(); await op.controller.whenIdle(); }
    await new Promise((r) => setTimeout(r, 300));
    await op.controller.whenIdle();
    const operatorWrites = writes(env) - 2; // our own patch and delete
    assert.equal(operatorWrites, 0, "no write at all while paused (not even status)");
    assert.equal((await child(env, "StatefulSet", "demo"))!.spec.replicas, 3);
    assert.equal(await child(env, "Service", "demo"), undefined);
    assert.equal(condition(await getCluster(env, "demo"), "Progressing")?.lastTransitionTime, condition(paused, "Progressing")?.lastTransitionTime);
    await patchCluster(env, "demo", { spec: { paused: false } });
    await converged(env, op, "demo");
    assert.equal((await child(env, "StatefulSet", "demo"))!.spec.replicas, 5);
    assert.ok(await child(env, "Service", "demo"), "client Service is back");
    assert.notEqual(condition(await getCluster(env, "demo"), "Progressing")?.reason, "Paused");
  } finally {
    await env.stop();
  }
});

test("delete: garbage collection removes the children and the operator does not bring them back", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 3 });
    await converged(env, op, "demo");
    await deleteCluster(env, "demo");
    await waitFor("children collected", async () => {
      for (const [k, n] of [["ConfigMap", "demo-config"], ["Secret", "demo-credentials"], ["Service", "demo"], ["Service", "demo-headless"], ["StatefulSet", "demo"], ["PodDisruptionBudget", "demo"]] as const) {
        if (await child(env, k, n)) return false;
      }
      return true;
    });
    op.controller.resyncAll();
    await op.controller.whenIdle();
    await new Promise((r) => setTimeout(r, 300));
    await op.controller.whenIdle();
    assert.equal(await child(env, "StatefulSet", "demo"), undefined);
    assert.equal(await child(env, "ConfigMap", "demo-config"), undefined);
  } finally {
    await env.stop();
  }
});
