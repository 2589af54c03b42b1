// The fault hooks and write counters that the operator's tests rely on, observed through client-node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { failure, harness, MERGE, type Harness } from "./fake-apiserver-helpers.js";

let h: Harness;
before(async () => { h = await harness(); });
after(async () => { await h.srv.stop(); });

test("inject fails the next N matching requests with the given status, then stops", async () => {
  await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "f" } } });
  h.srv.faults.inject({ verb: "patch", resource: "configmaps", status: 409, count: 2 });
  const a = await failure(() => h.core.patchNamespacedConfigMap({ name: "f", namespace: "default", body: { data: { a: "1" } } }, MERGE));
  assert.equal(a.code, 409);
  assert.equal(a.status.reason, "Conflict");
  await h.core.readNamespacedConfigMap({ name: "f", namespace: "default" });
  const b = await failure(() => h.core.patchNamespacedConfigMap({ name: "f", namespace: "default", body: { data: { a: "1" } } }, MERGE));
  assert.equal(b.code, 409);
  const ok = await h.core.patchNamespacedConfigMap({ name: "f", namespace: "default", body: { data: { a: "1" } } }, MERGE);
  assert.deepEqual(ok.data, { a: "1" });
  h.srv.faults.inject({ resource: "configmaps", status: 500, count: 1 });
  const c = await failure(() => h.core.listNamespacedConfigMap({ namespace: "default" }));
  assert.deepEqual([c.code, c.status.reason], [500, "InternalError"]);
  h.srv.faults.inject({ verb: "get", status: 503, count: 1 });
  const d = await failure(() => h.core.readNamespacedConfigMap({ name: "f", namespace: "default" }));
  assert.deepEqual([d.code, d.status.reason], [503, "ServiceUnavailable"]);
  await h.core.readNamespacedConfigMap({ name: "f", namespace: "default" });
  h.srv.faults.inject({ resource: "statefulsets/status", status: 500, count: 1 });
  h.srv.faults.clear();
  await h.core.readNamespacedConfigMap({ name: "f", namespace: "default" });
  assert.throws(() => h.srv.faults.inject({ status: 404 as 409, count: 1 }), /status must be 409, 500 or 503/);
});

test("latency delays every request until cleared", async () => {
  h.srv.faults.latency(300);
  const t0 = Date.now();
  await h.core.readNamespace({ name: "default" });
  const slow = Date.now() - t0;
  h.srv.faults.clear();
  assert.ok(slow >= 290, `the request took ${slow} ms`);
});

test("write counters count every write request by verb and resource", async () => {
  h.srv.resetWriteCounts();
  await h.core.createNamespacedSecret({ namespace: "default", body: { metadata: { name: "w" } } });
  await h.core.patchNamespacedSecret({ name: "w", namespace: "default", body: { data: {} } }, MERGE);
  await h.core.readNamespacedSecret({ name: "w", namespace: "default" });
  await h.core.listNamespacedSecret({ namespace: "default" });
  await failure(() => h.core.createNamespacedSecret({ namespace: "default", body: { metadata: { name: "w" } } }));
  await h.core.deleteNamespacedSecret({ name: "w", namespace: "default" });
  assert.equal(h.srv.writeCount(), 4);
  assert.equal(h.srv.writeCount({ resource: "secrets", verb: "create" }), 2);
  assert.equal(h.srv.writeCount({ verb: "patch", name: "w" }), 1);
  assert.equal(h.srv.writeCount({ resource: "configmaps" }), 0);
  assert.deepEqual(h.srv.writes().map((w) => `${w.verb}:${w.code}`), ["create:201", "patch:200", "create:409", "delete:200"]);
});
