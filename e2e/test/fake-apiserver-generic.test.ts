// client-node's generic KubernetesObjectApi, which resolves resources through discovery, against the fake.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import { CRD_PATH, failure, harness, type Harness } from "./fake-apiserver-helpers.js";

let h: Harness;
before(async () => { h = await harness({ crds: [CRD_PATH] }); });
after(async () => { await h.srv.stop(); });

interface NatsCluster extends KubernetesObject { spec: { size: number; version?: string } }

test("create, read, patch, list and delete a NatsCluster and a ConfigMap through discovery", async () => {
  const nc: NatsCluster = { apiVersion: "skein.dev/v1alpha1", kind: "NatsCluster", metadata: { name: "generic", namespace: "default" }, spec: { size: 1 } };
  const created = await h.objects.create(nc) as NatsCluster;
  assert.equal(created.spec.version, "2.9.10");
  const read = await h.objects.read({ apiVersion: "skein.dev/v1alpha1", kind: "NatsCluster", metadata: { name: "generic", namespace: "default" } }) as NatsCluster;
  assert.equal(read.metadata?.uid, created.metadata?.uid);
  const patched = await h.objects.patch({ apiVersion: "skein.dev/v1alpha1", kind: "NatsCluster", metadata: { name: "generic", namespace: "default" }, spec: { size: 4 } } as NatsCluster,
    undefined, undefined, undefined, undefined, PatchStrategy.MergePatch) as NatsCluster;
  assert.equal(patched.spec.size, 4);
  const list = await h.objects.list("skein.dev/v1alpha1", "NatsCluster", "default");
  assert.deepEqual(list.items.map((i) => i.metadata?.name), ["generic"]);
  await h.objects.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "g", namespace: "default" }, data: { a: "b" } } as KubernetesObject);
  await h.objects.delete({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "g", namespace: "default" } });
  const gone = await failure(() => h.objects.read({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "g", namespace: "default" } }));
  assert.equal(gone.code, 404);
  const unknown = await failure(() => h.objects.create({ apiVersion: "example.com/v1", kind: "Nope", metadata: { name: "x", namespace: "default" } }));
  assert.equal(unknown.code, 404);
});
