// Custom resources of the real NatsCluster CRD through client-node: discovery once created, defaults,
// pruning and fieldValidation, 422 messages naming the field, status and scale subresources,
// generation, cluster-scoped CRDs and CRD deletion.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { loadYaml, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { CRD_PATH, failure, harness, MERGE, raw, waitFor, type Harness } from "./fake-apiserver-helpers.js";

let h: Harness;
before(async () => { h = await harness(); });
after(async () => { await h.srv.stop(); });

const G = { group: "skein.dev", version: "v1alpha1", plural: "natsclusters" };
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function nc(name: string, spec: Obj = { size: 3 }): Obj {
  return { apiVersion: "skein.dev/v1alpha1", kind: "NatsCluster", metadata: { name }, spec };
}

async function create(name: string, spec?: Obj): Promise<Obj> {
  return await h.custom.createNamespacedCustomObject({ ...G, namespace: "default", body: nc(name, spec) }) as Obj;
}

test("the CRD is established and its resource appears in discovery", async () => {
  const before = await raw(h.srv, "GET", "/apis/skein.dev/v1alpha1");
  assert.equal(before.status, 404);
  // loadYaml, not a plain YAML parse: client-node's typed serializer drops `default` and `x-kubernetes-*`
  // keys of plain objects (it looks for its own property names, e.g. `_default`).
  const crd = loadYaml<V1CustomResourceDefinition>(readFileSync(CRD_PATH, "utf8"));
  const created = await h.ext.createCustomResourceDefinition({ body: crd });
  assert.ok(created.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"));
  assert.deepEqual(created.status?.acceptedNames?.shortNames, ["nats"]);
  assert.ok(created.metadata?.finalizers?.includes("customresourcecleanup.apiextensions.k8s.io"));
  const groups = await raw(h.srv, "GET", "/apis");
  const g = (groups.json.groups as Obj[]).find((x) => x.name === "skein.dev");
  assert.deepEqual(g?.preferredVersion, { groupVersion: "skein.dev/v1alpha1", version: "v1alpha1" });
  const list = await raw(h.srv, "GET", "/apis/skein.dev/v1alpha1");
  const res = list.json.resources as Obj[];
  const main = res.find((r) => r.name === "natsclusters");
  assert.equal(main?.kind, "NatsCluster");
  assert.equal(main?.namespaced, true);
  assert.equal(main?.singularName, "natscluster");
  assert.deepEqual(main?.shortNames, ["nats"]);
  assert.deepEqual(main?.verbs, ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]);
  assert.deepEqual(res.find((r) => r.name === "natsclusters/status")?.verbs, ["get", "patch", "update"]);
  const scale = res.find((r) => r.name === "natsclusters/scale");
  assert.deepEqual([scale?.group, scale?.version, scale?.kind], ["autoscaling", "v1", "Scale"]);
});

test("defaults are applied and status is dropped on create", async () => {
  const o = await h.custom.createNamespacedCustomObject({ ...G, namespace: "default",
    body: { ...nc("defaults", {}), status: { readyReplicas: 9 } } }) as Obj;
  assert.equal(o.spec.size, 3);
  assert.equal(o.spec.version, "2.9.10");
  assert.equal(o.status, undefined);
  assert.equal(o.metadata.generation, 1);
});

test("an invalid spec is refused with 422 naming the field, in the API server's words", async () => {
  const e = await failure(() => create("bad", { size: -1 }));
  assert.equal(e.code, 422);
  assert.equal(e.status.reason, "Invalid");
  assert.equal(e.status.message, 'NatsCluster.skein.dev "bad" is invalid: spec.size: Invalid value: -1: spec.size in body should be greater than or equal to 0');
  assert.deepEqual(e.status.details?.causes, [{ reason: "FieldValueInvalid", message: "Invalid value: -1: spec.size in body should be greater than or equal to 0", field: "spec.size" }]);
  const many = await failure(() => create("bad2", { size: "three", version: "v2" }));
  assert.equal(many.code, 422);
  assert.match(many.status.message ?? "", /^NatsCluster\.skein\.dev "bad2" is invalid: \[/);
  assert.match(many.status.message ?? "", /spec\.size: Invalid value: "string": spec\.size in body must be of type integer: "string"/);
  assert.match(many.status.message ?? "", /spec\.version: Invalid value: "v2": spec\.version in body should match '\^\[0-9\]/);
  const missing = await failure(() => h.custom.createNamespacedCustomObject({ ...G, namespace: "default",
    body: { apiVersion: "skein.dev/v1alpha1", kind: "NatsCluster", metadata: { name: "nospec" } } }));
  assert.equal(missing.status.message, 'NatsCluster.skein.dev "nospec" is invalid: spec: Required value');
});

test("x-kubernetes-validations (CEL) rules of the CRD are enforced with their messages", async () => {
  const e = await failure(() => create("cel", { size: 1, natsConfig: { maxPayload: 2000, maxPending: 1000 } }));
  assert.equal(e.code, 422);
  assert.equal(e.status.message, 'NatsCluster.skein.dev "cel" is invalid: spec.natsConfig: Invalid value: "object": maxPayload cannot be higher than maxPending');
  const routes = await failure(() => create("cel2", { size: 1, extraRoutes: [{ cluster: "a" }, { cluster: "b", route: "nats://x:6222" }] }));
  assert.equal(routes.status.message, 'NatsCluster.skein.dev "cel2" is invalid: spec.extraRoutes[1]: Invalid value: "object": set exactly one of cluster and route');
  const ok = await create("cel3", { size: 1, natsConfig: { maxPayload: 1000, maxPending: 2000 }, extraRoutes: [{ cluster: "a" }] });
  assert.equal(ok.spec.natsConfig.maxPayload, 1000);
});

test("custom resources refuse an update without resourceVersion, as the API server does", async () => {
  await create("unconditional");
  const e = await failure(() => h.custom.replaceNamespacedCustomObject({ ...G, namespace: "default", name: "unconditional", body: nc("unconditional", { size: 2 }) }));
  assert.equal(e.code, 422);
  assert.equal(e.status.message, 'natsclusters.skein.dev "unconditional" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
});

test("unknown fields are pruned, or refused with fieldValidation=Strict", async () => {
  const o = await create("pruned", { size: 1, bogus: true, natsConfig: { debug: true, nope: 1 } });
  assert.equal(o.spec.bogus, undefined);
  assert.deepEqual(o.spec.natsConfig, { debug: true });
  const strict = await raw(h.srv, "POST", "/apis/skein.dev/v1alpha1/namespaces/default/natsclusters?fieldValidation=Strict", nc("strict", { size: 1, bogus: true }));
  assert.equal(strict.status, 400);
  assert.equal(strict.json.message, 'NatsCluster in version "v1alpha1" cannot be handled as a NatsCluster: strict decoding error: unknown field "spec.bogus"');
  const warn = await raw(h.srv, "POST", "/apis/skein.dev/v1alpha1/namespaces/default/natsclusters?fieldValidation=Warn", nc("warned", { size: 1, bogus: true }));
  assert.equal(warn.status, 201);
  assert.equal(warn.headers.get("warning"), '299 - "unknown field \\"spec.bogus\\""');
});

test("status subresource: status writes ignore spec, main writes ignore status, generation follows spec", async () => {
  const o = await create("sub", { size: 3 });
  o.status = { readyReplicas: 2, observedGeneration: 1 };
  o.spec.size = 10;
  const st = await h.custom.replaceNamespacedCustomObjectStatus({ ...G, namespace: "default", name: "sub", body: o }) as Obj;
  assert.equal(st.status.readyReplicas, 2);
  assert.equal(st.spec.size, 3);
  assert.equal(st.metadata.generation, 1);
  st.status = { readyReplicas: 0 };
  st.metadata.labels = { a: "b" };
  const main = await h.custom.replaceNamespacedCustomObject({ ...G, namespace: "default", name: "sub", body: st }) as Obj;
  assert.equal(main.status.readyReplicas, 2);
  assert.equal(main.metadata.generation, 1, "metadata changes keep generation");
  const patched = await h.custom.patchNamespacedCustomObject({ ...G, namespace: "default", name: "sub", body: { spec: { size: 4 } } }, MERGE) as Obj;
  assert.equal(patched.metadata.generation, 2);
  const same = await h.custom.patchNamespacedCustomObject({ ...G, namespace: "default", name: "sub", body: { spec: { size: 4 } } }, MERGE) as Obj;
  assert.equal(same.metadata.resourceVersion, patched.metadata.resourceVersion, "a no-op patch keeps the resourceVersion");
  const stp = await h.custom.patchNamespacedCustomObjectStatus({ ...G, namespace: "default", name: "sub", body: { status: { observedGeneration: 2 } } }, MERGE) as Obj;
  assert.equal(stp.status.observedGeneration, 2);
  assert.equal(stp.metadata.generation, 2);
});

test("scale subresource reads and writes spec.size", async () => {
  await create("scalable", { size: 3 });
  await h.custom.patchNamespacedCustomObjectStatus({ ...G, namespace: "default", name: "scalable", body: { status: { size: 3, selector: "app=x" } } }, MERGE);
  const sc = await h.custom.getNamespacedCustomObjectScale({ ...G, namespace: "default", name: "scalable" }) as Obj;
  assert.deepEqual([sc.kind, sc.apiVersion, sc.spec.replicas, sc.status.replicas, sc.status.selector], ["Scale", "autoscaling/v1", 3, 3, "app=x"]);
  await h.custom.patchNamespacedCustomObjectScale({ ...G, namespace: "default", name: "scalable", body: { spec: { replicas: 5 } } }, MERGE);
  const o = await h.custom.getNamespacedCustomObject({ ...G, namespace: "default", name: "scalable" }) as Obj;
  assert.equal(o.spec.size, 5);
  assert.equal(o.metadata.generation, 2);
  const bad = await failure(() => h.custom.replaceNamespacedCustomObjectScale({ ...G, namespace: "default", name: "scalable", body: { spec: { replicas: -2 } } }));
  assert.equal(bad.code, 422);
  assert.equal(bad.status.message, 'Scale.autoscaling "scalable" is invalid: spec.replicas: Invalid value: -2: must be greater than or equal to 0');
});

test("strategic merge patch on a custom resource is 415, as on a real server", async () => {
  await create("smp");
  const r = await raw(h.srv, "PATCH", "/apis/skein.dev/v1alpha1/namespaces/default/natsclusters/smp", { spec: { size: 1 } }, "application/strategic-merge-patch+json");
  assert.equal(r.status, 415);
  assert.equal(r.json.reason, "UnsupportedMediaType");
});

test("a cluster-scoped CRD serves cluster-scoped resources", async () => {
  await h.ext.createCustomResourceDefinition({ body: {
    metadata: { name: "widgets.example.com" },
    spec: { group: "example.com", scope: "Cluster", names: { plural: "widgets", kind: "Widget" },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", x_kubernetes_preserve_unknown_fields: true } } } } }] },
  } });
  await h.custom.createClusterCustomObject({ group: "example.com", version: "v1", plural: "widgets", body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { anything: [1, 2] } } });
  const w = await h.custom.getClusterCustomObject({ group: "example.com", version: "v1", plural: "widgets", name: "w" }) as Obj;
  assert.deepEqual(w.spec, { anything: [1, 2] });
  assert.equal(w.metadata.namespace, undefined);
  const res = (await raw(h.srv, "GET", "/apis/example.com/v1")).json.resources as Obj[];
  assert.equal(res.find((r) => r.name === "widgets")?.namespaced, false);
});

test("deleting a CRD deletes its custom resources, then leaves discovery", async () => {
  await h.custom.deleteClusterCustomObject({ group: "example.com", version: "v1", plural: "widgets", name: "w" }).catch(() => undefined);
  await h.custom.createClusterCustomObject({ group: "example.com", version: "v1", plural: "widgets", body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w2", finalizers: ["example.com/hold"] } } });
  await h.ext.deleteCustomResourceDefinition({ name: "widgets.example.com" });
  const w2 = await waitFor("cleanup marks the CR deleted", async () => {
    const o = await h.custom.getClusterCustomObject({ group: "example.com", version: "v1", plural: "widgets", name: "w2" }) as Obj;
    return o.metadata.deletionTimestamp ? o : undefined;
  });
  const crd = await h.ext.readCustomResourceDefinition({ name: "widgets.example.com" });
  assert.ok(crd.metadata?.deletionTimestamp, "the CRD waits for its resources' finalizers");
  const late = await failure(() => h.custom.createClusterCustomObject({ group: "example.com", version: "v1", plural: "widgets", body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w3" } } }));
  assert.equal(late.code, 405);
  assert.equal(late.status.message, "create not allowed while custom resource definition is terminating");
  await h.custom.patchClusterCustomObject({ group: "example.com", version: "v1", plural: "widgets", name: "w2", body: { metadata: { finalizers: null } } }, MERGE);
  assert.ok(w2);
  await waitFor("CRD gone", async () => (await raw(h.srv, "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")).status === 404);
  assert.equal((await raw(h.srv, "GET", "/apis/example.com/v1")).status, 404);
});
