import { test } from "node:test";
import assert from "node:assert/strict";
import { allChildren, child, converged, createCluster, startEnv, waitFor } from "./reconcile-harness.js";

test("scope: a namespaced operator ignores other namespaces; an all-namespaces operator serves every one", async () => {
  const env = await startEnv();
  try {
    for (const name of ["team-a", "team-b"]) await env.core.createNamespace({ body: { metadata: { name } } });
    const scoped = await env.startOp({ namespace: "team-a" });
    await createCluster(env, "one", { size: 1 }, "team-a");
    await createCluster(env, "two", { size: 1 }, "team-b");
    await converged(env, scoped, "one", "team-a");
    await scoped.controller.whenIdle();
    assert.equal(await child(env, "StatefulSet", "two", "team-b"), undefined, "team-b is not watched");
    assert.equal(scoped.controller.informers.listClusters().length, 1);
    await scoped.stop();
    const all = await env.startOp({ namespace: undefined });
    await waitFor("team-b cluster built", () => allChildren(env, "two", "team-b"));
    await converged(env, all, "two", "team-b");
    assert.equal(all.controller.informers.listClusters().length, 2);
    // Children of both namespaces reach the right owner through the all-namespaces informers.
    await env.core.deleteNamespacedConfigMap({ namespace: "team-a", name: "one-config" });
    await waitFor("team-a ConfigMap restored", () => child(env, "ConfigMap", "one-config", "team-a"));
  } finally {
    await env.stop();
  }
});
