import { test } from "node:test";
import assert from "node:assert/strict";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { child, condition, converged, createCluster, getCluster, setStatefulSetStatus, startEnv, waitFor, writes, NS, type Obj } from "./reconcile-harness.js";

const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

test("idempotence: after convergence, resyncs and a fresh operator make zero writes", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 3, natsConfig: { maxPayload: 1048576, debug: true }, auth: {}, pod: { labels: { team: "a" } } });
    await converged(env, op, "demo");
    await setStatefulSetStatus(env, "demo", 3);
    await waitFor("Ready", async () => condition(await getCluster(env, "demo"), "Ready")?.status === "True");
    await op.controller.whenIdle();
    env.fake.resetWriteCounts();
    for (let i = 0; i < 5; i++) { op.controller.resyncAll(); await op.controller.whenIdle(); }
    assert.equal(writes(env), 0, `writes after convergence: ${JSON.stringify(env.fake.writes())}`);
    // A second operator starting from an empty cache finds nothing to do either.
    await op.stop();
    const fresh = await env.startOp();
    await waitFor("fresh operator reconciled the cluster", async () => {
      const got = await fresh.metrics.reconciles.get();
      return got.values.some((v) => v.labels.result === "success" && v.value >= 1);
    });
    for (let i = 0; i < 3; i++) { fresh.controller.resyncAll(); await fresh.controller.whenIdle(); }
    assert.equal(writes(env), 0, `writes by a fresh operator: ${JSON.stringify(env.fake.writes())}`);
  } finally {
    await env.stop();
  }
});

test("drift repair: children edited or deleted by hand are put back; foreign additions are kept", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 3 });
    await converged(env, op, "demo");
    const cm0 = (await child(env, "ConfigMap", "demo-config"))!;
    const svc0 = (await child(env, "Service", "demo"))!;
    const sts0 = (await child(env, "StatefulSet", "demo"))!;

    await env.core.patchNamespacedConfigMap({ namespace: NS, name: "demo-config", body: { data: { "skein.conf": "port: 1\n", extra: "x" } } }, merge);
    await waitFor("ConfigMap restored", async () => {
      const cm = (await child(env, "ConfigMap", "demo-config"))!;
      return JSON.stringify(cm.data) === JSON.stringify(cm0.data) ? cm : undefined;
    });

    await env.core.deleteNamespacedService({ namespace: NS, name: "demo" });
    const svc1 = await waitFor("client Service recreated", () => child(env, "Service", "demo"));
    assert.notEqual(svc1.metadata.uid, svc0.metadata.uid);
    assert.deepEqual(svc1.spec.ports, svc0.spec.ports);

    await env.apps.patchNamespacedStatefulSet({ namespace: NS, name: "demo", body: {
      spec: { replicas: 7, template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z" } } } },
    } }, merge);
    const sts1 = await waitFor("StatefulSet replicas restored", async () => {
      const s = (await child(env, "StatefulSet", "demo"))!;
      return s.spec.replicas === 3 ? s : undefined;
    });
    // A rollout restart stamp is someone else's: kept, so the operator does not undo `kubectl rollout restart`.
    assert.equal(sts1.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"], "2026-01-01T00:00:00Z");
    assert.deepEqual(sts1.spec.template.spec.containers, sts0.spec.template.spec.containers);

    const sts2 = (await child(env, "StatefulSet", "demo"))!;
    const container = { ...(sts2.spec.template.spec.containers as Obj[])[0], image: "evil/image:1" };
    await env.apps.replaceNamespacedStatefulSet({ namespace: NS, name: "demo", body: {
      ...sts2, spec: { ...sts2.spec, template: { ...sts2.spec.template, spec: { ...sts2.spec.template.spec,
        containers: [container, ...(sts2.spec.template.spec.containers as Obj[]).slice(1)] } } },
    } as never });
    await waitFor("image restored", async () => {
      const s = (await child(env, "StatefulSet", "demo"))!;
      return (s.spec.template.spec.containers as Obj[])[0]!.image === (sts0.spec.template.spec.containers as Obj[])[0]!.image;
    });

    // A label someone else added to a child is not ours to remove, and causes no write loop.
    await env.core.patchNamespacedService({ namespace: NS, name: "demo-headless", body: { metadata: { labels: { "cost-center": "42" } } } }, merge);
    await op.controller.whenIdle();
    env.fake.resetWriteCounts();
    for (let i = 0; i < 3; i++) { op.controller.resyncAll(); await op.controller.whenIdle(); }
    assert.equal(writes(env), 0);
    assert.equal((await child(env, "Service", "demo-headless"))!.metadata.labels["cost-center"], "42");
  } finally {
    await env.stop();
  }
});

test("an invalid spec is reported as Degraded/InvalidSpec and builds nothing", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    // The schema (and its CEL rules) cannot see that a route names the cluster itself.
    await createCluster(env, "bad", { size: 3, extraRoutes: [{ cluster: "bad" }] });
    const nc = await waitFor("Degraded", async () => {
      const o = await getCluster(env, "bad");
      return condition(o, "Degraded")?.status === "True" ? o : undefined;
    });
    assert.equal(condition(nc, "Degraded")?.reason, "InvalidSpec");
    assert.match(condition(nc, "Degraded")?.message as string, /spec\.extraRoutes\[0\]\.cluster names this cluster itself/);
    await op.controller.whenIdle();
    assert.equal(await child(env, "StatefulSet", "bad"), undefined);
    assert.equal(await child(env, "ConfigMap", "bad-config"), undefined);
  } finally {
    await env.stop();
  }
});

test("credentials: generated once; turning auth on later adds client credentials and keeps the route ones", async () => {
  const env = await startEnv();
  try {
    const op = await env.startOp();
    await createCluster(env, "demo", { size: 3 });
    await converged(env, op, "demo");
    const s0 = (await child(env, "Secret", "demo-credentials"))!;
    assert.ok(s0.data.ROUTE_USER && s0.data.ROUTE_PASSWORD);
    assert.equal(s0.data.CLIENT_USER, undefined);
    await env.custom.patchNamespacedCustomObject({ group: "skein.dev", version: "v1alpha1", plural: "natsclusters", namespace: NS, name: "demo",
      body: { spec: { auth: {} } } }, merge);
    const s1 = await waitFor("client credentials", async () => {
      const s = (await child(env, "Secret", "demo-credentials"))!;
      return s.data.CLIENT_USER ? s : undefined;
    });
    assert.equal(s1.data.ROUTE_USER, s0.data.ROUTE_USER);
    assert.equal(s1.data.ROUTE_PASSWORD, s0.data.ROUTE_PASSWORD);
    await converged(env, op, "demo");
    for (let i = 0; i < 3; i++) { op.controller.resyncAll(); await op.controller.whenIdle(); }
    const s2 = (await child(env, "Secret", "demo-credentials"))!;
    assert.deepEqual(s2.data, s1.data, "the generated client credentials stay");
    const cm = (await child(env, "ConfigMap", "demo-config"))!;
    for (const v of Object.values(s2.data as Record<string, string>)) {
      const plain = Buffer.from(v, "base64").toString("utf8");
      if (!plain.includes("\n")) assert.ok(!(cm.data["skein.conf"] as string).includes(plain), "no credential in the ConfigMap");
    }
  } finally {
    await env.stop();
  }
});
