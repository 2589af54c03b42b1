// Lists through client-node: label selectors (=, ==, !=, in, notin, exists, !key), field selectors,
// limit/continue paging, and the errors for bad selectors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { failure, harness, raw, type Harness } from "./fake-apiserver-helpers.js";

let h: Harness;
before(async () => {
  h = await harness();
  await h.core.createNamespace({ body: { metadata: { name: "lists" } } });
  const labels: Record<string, Record<string, string>> = {
    a: { app: "nats", tier: "broker" }, b: { app: "nats", tier: "reloader" }, c: { app: "web" }, d: {},
  };
  for (const [name, l] of Object.entries(labels)) {
    await h.core.createNamespacedConfigMap({ namespace: "lists", body: { metadata: { name, labels: l } } });
  }
  await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "a", labels: { app: "nats" } } } });
});
after(async () => { await h.srv.stop(); });

async function names(labelSelector?: string, fieldSelector?: string, namespace = "lists"): Promise<string[]> {
  const l = await h.core.listNamespacedConfigMap({ namespace, labelSelector, fieldSelector });
  return l.items.map((i) => i.metadata?.name ?? "");
}

test("label selector operators", async () => {
  assert.deepEqual(await names("app=nats"), ["a", "b"]);
  assert.deepEqual(await names("app==nats"), ["a", "b"]);
  assert.deepEqual(await names("app!=nats"), ["c", "d"]);
  assert.deepEqual(await names("app in (web, nats),tier notin (reloader)"), ["a", "c"]);
  assert.deepEqual(await names("tier"), ["a", "b"]);
  assert.deepEqual(await names("!tier"), ["c", "d"]);
  assert.deepEqual(await names("app=nats,tier=broker"), ["a"]);
});

test("field selectors on metadata.name and metadata.namespace; unsupported fields are 400", async () => {
  assert.deepEqual(await names(undefined, "metadata.name=b"), ["b"]);
  assert.deepEqual(await names(undefined, "metadata.name!=b"), ["a", "c", "d"]);
  const all = await h.core.listConfigMapForAllNamespaces({ fieldSelector: "metadata.namespace=default,metadata.name=a" });
  assert.deepEqual(all.items.map((i) => `${i.metadata?.namespace}/${i.metadata?.name}`), ["default/a"]);
  const e = await failure(() => h.core.listNamespacedConfigMap({ namespace: "lists", fieldSelector: "data.x=1" }));
  assert.equal(e.code, 400);
  assert.equal(e.status.message, "field label not supported: data.x");
  const bad = await failure(() => h.core.listNamespacedConfigMap({ namespace: "lists", labelSelector: "app in nats" }));
  assert.equal(bad.code, 400);
});

test("lists carry the current resourceVersion; limit and continue page through the items", async () => {
  const first = await h.core.listNamespacedConfigMap({ namespace: "lists", limit: 3 });
  assert.equal(first.metadata?.resourceVersion, String(h.srv.resourceVersion()));
  assert.deepEqual(first.items.map((i) => i.metadata?.name), ["a", "b", "c"]);
  assert.equal(first.metadata?.remainingItemCount, 1);
  assert.ok(first.metadata?._continue);
  const second = await h.core.listNamespacedConfigMap({ namespace: "lists", limit: 3, _continue: first.metadata?._continue });
  assert.deepEqual(second.items.map((i) => i.metadata?.name), ["d"]);
  assert.equal(second.metadata?._continue, undefined);
  assert.equal(second.metadata?.resourceVersion, first.metadata?.resourceVersion);
  h.srv.faults.compact();
  const expired = await failure(() => h.core.listNamespacedConfigMap({ namespace: "lists", limit: 3, _continue: first.metadata?._continue }));
  assert.equal(expired.code, 410);
  assert.equal(expired.status.reason, "Expired");
});

test("list kinds and items carry apiVersion and kind", async () => {
  const r = await raw(h.srv, "GET", "/api/v1/namespaces/lists/configmaps");
  assert.equal(r.json.kind, "ConfigMapList");
  assert.equal(r.json.apiVersion, "v1");
  const items = r.json.items as { kind: string; apiVersion: string }[];
  assert.ok(items.every((i) => i.kind === "ConfigMap" && i.apiVersion === "v1"));
});
