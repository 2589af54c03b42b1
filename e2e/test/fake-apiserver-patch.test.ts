// PATCH through client-node: merge patch, JSON patch (with test), strategic merge patch with merge keys
// and kubectl's directives, server-side apply, and resourceVersion preconditions inside patches.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { PatchStrategy, setHeaderOptions, type V1StatefulSet } from "@kubernetes/client-node";
import { failure, harness, JSON_PATCH, MERGE, raw, STRATEGIC, type Harness } from "./fake-apiserver-helpers.js";

let h: Harness;
before(async () => { h = await harness(); });
after(async () => { await h.srv.stop(); });

function sts(name: string): V1StatefulSet {
  return {
    metadata: { name, labels: { a: "1" } },
    spec: { replicas: 1, serviceName: name, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [
        { name: "nats", image: "nats:2.9.10", env: [{ name: "A", value: "1" }, { name: "B", value: "2" }], ports: [{ containerPort: 4222, name: "client" }] },
        { name: "reloader", image: "reloader:1" },
      ] } } },
  };
}

test("merge patch: null deletes, lists are replaced", async () => {
  await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "m", labels: { a: "1", b: "2" } }, data: { x: "1", y: "2" } } });
  const p = await h.core.patchNamespacedConfigMap({ name: "m", namespace: "default", body: { metadata: { labels: { b: null, c: "3" } }, data: { y: null } } }, MERGE);
  assert.deepEqual(p.metadata?.labels, { a: "1", c: "3" });
  assert.deepEqual(p.data, { x: "1" });
});

test("JSON patch: add, replace, remove, test; a failed test is 422 and changes nothing", async () => {
  await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "j" }, data: { x: "1" } } });
  const p = await h.core.patchNamespacedConfigMap({ name: "j", namespace: "default", body: [
    { op: "test", path: "/data/x", value: "1" }, { op: "add", path: "/data/y", value: "2" },
    { op: "replace", path: "/data/x", value: "3" }, { op: "add", path: "/metadata/labels", value: { "k/v": "w" } },
  ] }, JSON_PATCH);
  assert.deepEqual(p.data, { x: "3", y: "2" });
  assert.deepEqual(p.metadata?.labels, { "k/v": "w" });
  const rm = await h.core.patchNamespacedConfigMap({ name: "j", namespace: "default", body: [{ op: "remove", path: "/metadata/labels/k~1v" }] }, JSON_PATCH);
  assert.equal(rm.metadata?.labels?.["k/v"], undefined);
  const e = await failure(() => h.core.patchNamespacedConfigMap({ name: "j", namespace: "default", body: [{ op: "test", path: "/data/x", value: "nope" }, { op: "remove", path: "/data/y" }] }, JSON_PATCH));
  assert.equal(e.code, 422);
  assert.deepEqual((await h.core.readNamespacedConfigMap({ name: "j", namespace: "default" })).data, { x: "3", y: "2" });
});

test("a patch that carries a stale resourceVersion is 409; one that changes nothing keeps the resourceVersion", async () => {
  const c = await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "p" }, data: { x: "1" } } });
  await h.core.patchNamespacedConfigMap({ name: "p", namespace: "default", body: { data: { x: "2" } } }, MERGE);
  const e = await failure(() => h.core.patchNamespacedConfigMap({ name: "p", namespace: "default", body: { metadata: { resourceVersion: c.metadata?.resourceVersion }, data: { x: "3" } } }, MERGE));
  assert.equal(e.code, 409);
  const a = await h.core.patchNamespacedConfigMap({ name: "p", namespace: "default", body: { data: { x: "2" } } }, MERGE);
  const b = await h.core.patchNamespacedConfigMap({ name: "p", namespace: "default", body: { data: { x: "2" } } }, MERGE);
  assert.equal(a.metadata?.resourceVersion, b.metadata?.resourceVersion);
});

test("strategic merge patch merges containers and env by name and honours $patch and $setElementOrder", async () => {
  await h.apps.createNamespacedStatefulSet({ namespace: "default", body: sts("smp") });
  const p = await h.apps.patchNamespacedStatefulSet({ name: "smp", namespace: "default", body: {
    spec: { template: { spec: { containers: [{ name: "nats", image: "nats:2.10.0", env: [{ name: "B", value: "20" }, { name: "C", value: "3" }] }] } } },
  } }, STRATEGIC);
  const cs = p.spec?.template.spec?.containers ?? [];
  assert.deepEqual(cs.map((c) => `${c.name}=${c.image}`), ["nats=nats:2.10.0", "reloader=reloader:1"]);
  assert.deepEqual(cs[0]?.env?.map((e) => `${e.name}=${e.value}`), ["A=1", "B=20", "C=3"]);
  assert.deepEqual(cs[0]?.ports?.map((x) => x.containerPort), [4222], "untouched lists are kept");
  assert.equal(p.metadata?.generation, 2);
  const d = await h.apps.patchNamespacedStatefulSet({ name: "smp", namespace: "default", body: {
    spec: { template: { spec: { containers: [{ name: "reloader", $patch: "delete" }] } } },
  } }, STRATEGIC);
  assert.deepEqual(d.spec?.template.spec?.containers.map((c) => c.name), ["nats"]);
  const ordered = await raw(h.srv, "PATCH", "/apis/apps/v1/namespaces/default/statefulsets/smp", {
    spec: { template: { spec: { "$setElementOrder/containers": [{ name: "side" }, { name: "nats" }], containers: [{ name: "side", image: "side:1" }] } } },
  }, "application/strategic-merge-patch+json");
  assert.equal(ordered.status, 200);
  const names = ((ordered.json.spec as { template: { spec: { containers: { name: string }[] } } }).template.spec.containers).map((c) => c.name);
  assert.deepEqual(names, ["side", "nats"]);
  const fin = await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "fins", finalizers: ["a/x"] } } });
  assert.ok(fin);
  const f = await h.core.patchNamespacedConfigMap({ name: "fins", namespace: "default", body: { metadata: { finalizers: ["b/y"] } } }, STRATEGIC);
  assert.deepEqual(f.metadata?.finalizers, ["a/x", "b/y"], "finalizers merge as a set");
  const g = await h.core.patchNamespacedConfigMap({ name: "fins", namespace: "default", body: { metadata: { "$deleteFromPrimitiveList/finalizers": ["a/x", "b/y"] } } }, STRATEGIC);
  assert.equal(g.metadata?.finalizers, undefined);
});

test("server-side apply: creates, merges, removes what a manager stops applying, and reports conflicts", async () => {
  const ssa = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);
  const cm = (data: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa", namespace: "default" }, data });
  const created = await h.core.patchNamespacedConfigMap({ name: "ssa", namespace: "default", body: cm({ a: "1", b: "2" }), fieldManager: "alpha" }, ssa);
  assert.deepEqual(created.data, { a: "1", b: "2" });
  const shrunk = await h.core.patchNamespacedConfigMap({ name: "ssa", namespace: "default", body: cm({ a: "1" }), fieldManager: "alpha" }, ssa);
  assert.deepEqual(shrunk.data, { a: "1" }, "a field the manager no longer applies is removed");
  const e = await failure(() => h.core.patchNamespacedConfigMap({ name: "ssa", namespace: "default", body: cm({ a: "9" }), fieldManager: "beta" }, ssa));
  assert.equal(e.code, 409);
  assert.equal(e.status.message, 'Apply failed with 1 conflict: conflict with "alpha": .data.a');
  const shared = await h.core.patchNamespacedConfigMap({ name: "ssa", namespace: "default", body: cm({ a: "1", c: "3" }), fieldManager: "beta" }, ssa);
  assert.deepEqual(shared.data, { a: "1", c: "3" }, "applying the same value is no conflict");
  const forced = await h.core.patchNamespacedConfigMap({ name: "ssa", namespace: "default", body: cm({ a: "9" }), fieldManager: "beta", force: true }, ssa);
  assert.deepEqual(forced.data, { a: "9" }, "beta stopped applying c, which only beta owned");
  const back = await failure(() => h.core.patchNamespacedConfigMap({ name: "ssa", namespace: "default", body: cm({ a: "1" }), fieldManager: "alpha" }, ssa));
  assert.equal(back.code, 409, "the forced manager owns the field now");
  const noManager = await failure(() => h.core.patchNamespacedConfigMap({ name: "ssa", namespace: "default", body: cm({}) }, ssa));
  assert.equal(noManager.code, 400);
});

test("server-side apply of a StatefulSet merges containers by name and removes dropped ones", async () => {
  const ssa = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);
  const body = (containers: { name: string; image: string }[]) => ({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "ssa-sts", namespace: "default" },
    spec: { serviceName: "x", selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers } } } });
  await h.apps.patchNamespacedStatefulSet({ name: "ssa-sts", namespace: "default", fieldManager: "op",
    body: body([{ name: "nats", image: "nats:1" }, { name: "reloader", image: "r:1" }]) }, ssa);
  const s = await h.apps.patchNamespacedStatefulSet({ name: "ssa-sts", namespace: "default", fieldManager: "op", body: body([{ name: "nats", image: "nats:2" }]) }, ssa);
  assert.deepEqual(s.spec?.template.spec?.containers.map((c) => `${c.name}=${c.image}`), ["nats=nats:2"]);
  assert.equal(s.spec?.replicas, 1, "defaults still apply");
});

test("patching a missing object is 404; an unknown patch type is 415", async () => {
  const e = await failure(() => h.core.patchNamespacedConfigMap({ name: "absent", namespace: "default", body: { data: {} } }, MERGE));
  assert.equal(e.code, 404);
  const r = await raw(h.srv, "PATCH", "/api/v1/namespaces/default/configmaps/m", { data: {} }, "text/plain");
  assert.equal(r.status, 415);
});
