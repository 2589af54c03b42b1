// An informer stays consistent with the server through a bounded burst of creates, updates and deletes,
// with compactions and dropped watches in the middle (relists after 410, restarts after errors).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { makeInformer, type V1ConfigMap } from "@kubernetes/client-node";
import { harness, MERGE, waitFor, type Harness } from "./fake-apiserver-helpers.js";

let h: Harness;
before(async () => { h = await harness(); });
after(async () => { await h.srv.stop(); });

test("the informer cache converges to the server's state", async () => {
  await h.core.createNamespace({ body: { metadata: { name: "stress" } } });
  const inf = makeInformer<V1ConfigMap>(h.kc, "/api/v1/namespaces/stress/configmaps", () => h.core.listNamespacedConfigMap({ namespace: "stress" }));
  let restarts = 0;
  let done = false;
  inf.on("error", () => {
    restarts++;
    setTimeout(() => { if (!done) void inf.start(); }, 50);
  });
  await inf.start();
  const N = 60;
  for (let round = 0; round < 3; round++) {
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      const name = `cm-${i}`;
      if (round === 0) ops.push(h.core.createNamespacedConfigMap({ namespace: "stress", body: { metadata: { name }, data: { v: "0" } } }));
      else if (round === 1) ops.push(h.core.patchNamespacedConfigMap({ name, namespace: "stress", body: { data: { v: String(i) } } }, MERGE));
      else if (i % 3 === 0) ops.push(h.core.deleteNamespacedConfigMap({ name, namespace: "stress" }));
      if (i === N / 2) {
        // Each drop must meet an open watch (the informer may still be relisting after the last one).
        await waitFor("a watch to drop", () => h.srv.openWatches() > 0);
        h.srv.faults.compact();
        h.srv.faults.dropWatches({ graceful: round !== 1 });
      }
    }
    await Promise.all(ops);
  }
  const want = (await h.core.listNamespacedConfigMap({ namespace: "stress" })).items
    .map((o) => `${o.metadata?.name}=${o.data?.v}@${o.metadata?.resourceVersion}`).sort();
  assert.equal(want.length, N - N / 3);
  await waitFor("informer converged", () => {
    const got = inf.list("stress").map((o) => `${o.metadata?.name}=${o.data?.v}@${o.metadata?.resourceVersion}`).sort();
    return JSON.stringify(got) === JSON.stringify(want);
  }, 60_000);
  done = true;
  await inf.stop();
  assert.ok(restarts >= 1, "the abrupt drop was reported as an error");
});
