// Finalizers and ownerReference garbage collection (background, foreground, orphan), namespace
// termination, and DELETE preconditions, through client-node.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { V1ConfigMap, V1OwnerReference } from "@kubernetes/client-node";
import { failure, harness, MERGE, raw, waitFor, type Harness } from "./fake-apiserver-helpers.js";

let h: Harness;
before(async () => { h = await harness(); });
after(async () => { await h.srv.stop(); });

async function owner(name: string, ns = "default"): Promise<V1OwnerReference> {
  const o = await h.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } });
  return { apiVersion: "v1", kind: "ConfigMap", name, uid: o.metadata?.uid ?? "", controller: true, blockOwnerDeletion: true };
}

async function child(name: string, refs: V1OwnerReference[], extra: Partial<V1ConfigMap["metadata"]> = {}, ns = "default"): Promise<void> {
  await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name, ownerReferences: refs, ...extra } } });
}

async function exists(kind: "cm" | "secret", name: string, ns = "default"): Promise<boolean> {
  try {
    if (kind === "cm") await h.core.readNamespacedConfigMap({ name, namespace: ns });
    else await h.core.readNamespacedSecret({ name, namespace: ns });
    return true;
  } catch { return false; }
}

test("finalizers hold a deleted object until the last one is removed", async () => {
  await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "held", finalizers: ["example.com/a", "example.com/b"] } } });
  const d = await raw(h.srv, "DELETE", "/api/v1/namespaces/default/configmaps/held");
  assert.equal(d.status, 200);
  assert.equal(d.json.kind, "ConfigMap", "DELETE returns the object, not a Status, while finalizers remain");
  assert.ok((d.json.metadata as { deletionTimestamp?: string }).deletionTimestamp);
  const got = await h.core.readNamespacedConfigMap({ name: "held", namespace: "default" });
  assert.ok(got.metadata?.deletionTimestamp);
  const add = await failure(() => h.core.patchNamespacedConfigMap({ name: "held", namespace: "default", body: { metadata: { finalizers: ["example.com/a", "example.com/b", "example.com/c"] } } }, MERGE));
  assert.equal(add.code, 422);
  assert.match(add.status.message ?? "", /no new finalizers can be added if the object is being deleted/);
  await h.core.patchNamespacedConfigMap({ name: "held", namespace: "default", body: { metadata: { finalizers: ["example.com/b"] } } }, MERGE);
  assert.ok(await exists("cm", "held"));
  await h.core.patchNamespacedConfigMap({ name: "held", namespace: "default", body: { metadata: { finalizers: null } } }, MERGE);
  assert.equal(await exists("cm", "held"), false);
});

test("background deletion removes the owner at once, then its dependents", async () => {
  const ref = await owner("bg-owner");
  await child("bg-child", [ref]);
  await h.core.deleteNamespacedConfigMap({ name: "bg-owner", namespace: "default", propagationPolicy: "Background" });
  assert.equal(await exists("cm", "bg-owner"), false);
  await waitFor("dependent collected", async () => !(await exists("secret", "bg-child")));
});

test("a dependent with another live owner only loses the dangling reference", async () => {
  const a = await owner("two-a");
  const b = await owner("two-b");
  await child("two-child", [a, { ...b, controller: false }]);
  await h.core.deleteNamespacedConfigMap({ name: "two-a", namespace: "default" });
  await waitFor("dangling ref removed", async () => {
    const s = await h.core.readNamespacedSecret({ name: "two-child", namespace: "default" });
    return s.metadata?.ownerReferences?.length === 1 && s.metadata.ownerReferences[0]?.name === "two-b";
  });
});

test("foreground deletion keeps the owner (foregroundDeletion finalizer) until blocking dependents are gone", async () => {
  const ref = await owner("fg-owner");
  await child("fg-child", [ref], { finalizers: ["example.com/slow"] });
  await h.core.deleteNamespacedConfigMap({ name: "fg-owner", namespace: "default", propagationPolicy: "Foreground" });
  const d = await h.core.readNamespacedConfigMap({ name: "fg-owner", namespace: "default" });
  assert.deepEqual(d.metadata?.finalizers, ["foregroundDeletion"]);
  assert.ok(d.metadata?.deletionTimestamp);
  await waitFor("dependent marked deleted", async () => (await h.core.readNamespacedSecret({ name: "fg-child", namespace: "default" })).metadata?.deletionTimestamp);
  assert.ok(await exists("cm", "fg-owner"), "the owner waits for its blocking dependent");
  await h.core.patchNamespacedSecret({ name: "fg-child", namespace: "default", body: { metadata: { finalizers: null } } }, MERGE);
  await waitFor("owner gone", async () => !(await exists("cm", "fg-owner")));
});

test("orphan deletion removes the ownerReferences from dependents and keeps them", async () => {
  const ref = await owner("or-owner");
  await child("or-child", [ref]);
  await h.core.deleteNamespacedConfigMap({ name: "or-owner", namespace: "default", propagationPolicy: "Orphan" });
  await waitFor("owner gone", async () => !(await exists("cm", "or-owner")));
  const s = await h.core.readNamespacedSecret({ name: "or-child", namespace: "default" });
  assert.equal(s.metadata?.ownerReferences, undefined);
});

test("DELETE preconditions: a wrong uid or resourceVersion is 409", async () => {
  const c = await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "pre" } } });
  const e = await failure(() => h.core.deleteNamespacedConfigMap({ name: "pre", namespace: "default", body: { preconditions: { resourceVersion: "1" } } }));
  assert.equal(e.code, 409);
  assert.match(e.status.message ?? "", /Precondition failed: ResourceVersion in precondition: 1/);
  const u = await failure(() => h.core.deleteNamespacedConfigMap({ name: "pre", namespace: "default", body: { preconditions: { uid: "nope" } } }));
  assert.equal(u.code, 409);
  await h.core.deleteNamespacedConfigMap({ name: "pre", namespace: "default", body: { preconditions: { uid: c.metadata?.uid, resourceVersion: c.metadata?.resourceVersion } } });
});

test("deleting a namespace terminates it, deletes its contents, then removes it", async () => {
  await h.core.createNamespace({ body: { metadata: { name: "doomed" } } });
  await h.core.createNamespacedConfigMap({ namespace: "doomed", body: { metadata: { name: "a", finalizers: ["example.com/hold"] } } });
  await h.apps.createNamespacedStatefulSet({ namespace: "doomed", body: { metadata: { name: "s" }, spec: { serviceName: "s", selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i:1" }] } } } } });
  await h.core.deleteNamespace({ name: "doomed" });
  const refused = await failure(() => h.core.createNamespacedConfigMap({ namespace: "doomed", body: { metadata: { name: "late" } } }));
  assert.equal(refused.code, 403);
  assert.match(refused.status.message ?? "", /unable to create new content in namespace doomed because it is being terminated/);
  await waitFor("contents marked deleted", async () => (await h.core.readNamespacedConfigMap({ name: "a", namespace: "doomed" })).metadata?.deletionTimestamp);
  assert.equal((await h.core.readNamespace({ name: "doomed" })).status?.phase, "Terminating");
  await h.core.patchNamespacedConfigMap({ name: "a", namespace: "doomed", body: { metadata: { finalizers: null } } }, MERGE);
  await waitFor("namespace gone", async () => {
    try { await h.core.readNamespace({ name: "doomed" }); return false; } catch { return true; }
  });
  assert.deepEqual(h.srv.objects("", "configmaps", "doomed"), []);
  assert.deepEqual(h.srv.objects("apps", "statefulsets", "doomed"), []);
  const e = await failure(() => h.core.deleteNamespace({ name: "default" }));
  assert.equal(e.code, 403);
});
