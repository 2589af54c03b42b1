// Watch semantics through client-node's Watch and informer: flushed headers, event types, replay from a
// resourceVersion, 410 after compaction (and the informer's relist), bookmarks, timeoutSeconds, selectors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { get as httpGet, type IncomingMessage } from "node:http";
import { makeInformer, Watch, type KubernetesObject, type ListWatch, type V1ConfigMap } from "@kubernetes/client-node";
import { harness, MERGE, waitFor, type Harness } from "./fake-apiserver-helpers.js";

let h: Harness;
before(async () => { h = await harness({ bookmarkIntervalMs: 100 }); });
after(async () => { await h.srv.stop(); });

interface Seen { type: string; name?: string; rv?: string; obj: Record<string, unknown> }

async function startWatch(path: string, params: Record<string, string | number | boolean | undefined>): Promise<{ events: Seen[]; done: Promise<unknown>; abort: () => void }> {
  const events: Seen[] = [];
  let resolveDone!: (v: unknown) => void;
  const done = new Promise((r) => { resolveDone = r; });
  const req = await new Watch(h.kc).watch(path, params, (type, obj: KubernetesObject) => {
    events.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion, obj: obj as Record<string, unknown> });
  }, (err) => resolveDone(err ?? "ended"));
  return { events, done, abort: () => req.abort() };
}

async function ns(name: string): Promise<void> {
  await h.core.createNamespace({ body: { metadata: { name } } });
}

test("watch headers are flushed before any event exists", async () => {
  await ns("flush");
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const r = httpGet(`${h.srv.url}/api/v1/namespaces/flush/configmaps?watch=true&resourceVersion=${h.srv.resourceVersion()}`, resolve);
    r.on("error", reject);
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers["content-type"], "application/json");
  assert.equal(res.headers["transfer-encoding"], "chunked");
  res.destroy();
});

test("ADDED, MODIFIED and DELETED arrive in order with rising resourceVersions", async () => {
  await ns("events");
  const w = await startWatch("/api/v1/namespaces/events/configmaps", { resourceVersion: String(h.srv.resourceVersion()) });
  await h.core.createNamespacedConfigMap({ namespace: "events", body: { metadata: { name: "a" }, data: { v: "1" } } });
  await h.core.patchNamespacedConfigMap({ name: "a", namespace: "events", body: { data: { v: "2" } } }, MERGE);
  await h.core.deleteNamespacedConfigMap({ name: "a", namespace: "events" });
  await waitFor("three events", () => w.events.length >= 3);
  assert.deepEqual(w.events.map((e) => e.type), ["ADDED", "MODIFIED", "DELETED"]);
  const rvs = w.events.map((e) => Number(e.rv));
  assert.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, `rising: ${rvs.join(",")}`);
  w.abort();
});

test("a watch from a resourceVersion replays what happened after it; unset RV starts with the current state", async () => {
  await ns("replay");
  const c = await h.core.createNamespacedConfigMap({ namespace: "replay", body: { metadata: { name: "r" } } });
  await h.core.patchNamespacedConfigMap({ name: "r", namespace: "replay", body: { data: { x: "1" } } }, MERGE);
  await h.core.createNamespacedConfigMap({ namespace: "replay", body: { metadata: { name: "s" } } });
  const w = await startWatch("/api/v1/namespaces/replay/configmaps", { resourceVersion: c.metadata?.resourceVersion });
  await waitFor("replay", () => w.events.length >= 2);
  assert.deepEqual(w.events.map((e) => `${e.type}:${e.name}`), ["MODIFIED:r", "ADDED:s"]);
  w.abort();
  const all = await startWatch("/api/v1/namespaces/replay/configmaps", {});
  await waitFor("initial state", () => all.events.length >= 2);
  assert.deepEqual(all.events.map((e) => `${e.type}:${e.name}`), ["ADDED:r", "ADDED:s"]);
  all.abort();
});

test("after compaction a watch from an old resourceVersion gets an ERROR event with a 410 Expired Status", async () => {
  const old = String(h.srv.resourceVersion());
  await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "before-compact" } } });
  h.srv.faults.compact();
  const w = await startWatch("/api/v1/namespaces/default/configmaps", { resourceVersion: old });
  assert.equal(await w.done, "ended", "the server ends the stream after the ERROR event");
  assert.equal(w.events.length, 1);
  assert.equal(w.events[0]?.type, "ERROR");
  const st = w.events[0]?.obj ?? {};
  assert.equal(st.kind, "Status");
  assert.equal(st.code, 410);
  assert.equal(st.reason, "Expired");
  assert.match(String(st.message), new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`));
  const list = await h.core.listNamespacedConfigMap({ namespace: "default" });
  const fresh = await startWatch("/api/v1/namespaces/default/configmaps", { resourceVersion: list.metadata?.resourceVersion });
  await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "after-compact" } } });
  await waitFor("event after compaction", () => fresh.events.some((e) => e.name === "after-compact"));
  assert.ok(fresh.events.every((e) => e.type !== "ERROR"), "a list's resourceVersion is watchable after compaction");
  fresh.abort();
});

test("BOOKMARK events only with allowWatchBookmarks=true", async () => {
  await ns("bookmarks");
  const rv = String(h.srv.resourceVersion());
  const plain = await startWatch("/api/v1/namespaces/bookmarks/configmaps", { resourceVersion: rv });
  const marked = await startWatch("/api/v1/namespaces/bookmarks/configmaps", { resourceVersion: rv, allowWatchBookmarks: true });
  await waitFor("three bookmarks", () => marked.events.filter((e) => e.type === "BOOKMARK").length >= 3);
  const bm = marked.events[0]!;
  assert.equal(bm.obj.kind, "ConfigMap");
  assert.match(bm.rv ?? "", /^\d+$/);
  assert.deepEqual(plain.events, []);
  plain.abort();
  marked.abort();
});

test("timeoutSeconds ends the stream", async () => {
  const w = await startWatch("/api/v1/namespaces/default/configmaps", { resourceVersion: String(h.srv.resourceVersion()), timeoutSeconds: 1 });
  assert.equal(await w.done, "ended");
});

test("label-selector watches see objects enter (ADDED) and leave (DELETED) the selection", async () => {
  await ns("sel");
  await h.core.createNamespacedConfigMap({ namespace: "sel", body: { metadata: { name: "m", labels: { app: "other" } } } });
  const w = await startWatch("/api/v1/namespaces/sel/configmaps", { resourceVersion: String(h.srv.resourceVersion()), labelSelector: "app=nats" });
  await h.core.patchNamespacedConfigMap({ name: "m", namespace: "sel", body: { metadata: { labels: { app: "nats" } } } }, MERGE);
  await h.core.patchNamespacedConfigMap({ name: "m", namespace: "sel", body: { data: { a: "b" } } }, MERGE);
  await h.core.patchNamespacedConfigMap({ name: "m", namespace: "sel", body: { metadata: { labels: { app: "gone" } } } }, MERGE);
  await waitFor("three events", () => w.events.length >= 3);
  assert.deepEqual(w.events.map((e) => e.type), ["ADDED", "MODIFIED", "DELETED"]);
  w.abort();
});

function informerOn(namespace: string) {
  return makeInformer<V1ConfigMap>(h.kc, `/api/v1/namespaces/${namespace}/configmaps`,
    () => h.core.listNamespacedConfigMap({ namespace }));
}

test("client-node informer: add, update, delete", async () => {
  await ns("inf");
  const inf = informerOn("inf");
  const seen: string[] = [];
  inf.on("add", (o) => seen.push(`add:${o.metadata?.name}`));
  inf.on("update", (o) => seen.push(`update:${o.metadata?.name}:${o.data?.v}`));
  inf.on("delete", (o) => seen.push(`delete:${o.metadata?.name}`));
  await inf.start();
  await h.core.createNamespacedConfigMap({ namespace: "inf", body: { metadata: { name: "x" }, data: { v: "1" } } });
  await h.core.patchNamespacedConfigMap({ name: "x", namespace: "inf", body: { data: { v: "2" } } }, MERGE);
  await h.core.deleteNamespacedConfigMap({ name: "x", namespace: "inf" });
  await waitFor("informer events", () => seen.length >= 3);
  assert.deepEqual(seen, ["add:x", "update:x:2", "delete:x"]);
  await inf.stop();
});

test("client-node informer relists after 410 and converges", async () => {
  await ns("relist");
  await h.core.createNamespacedConfigMap({ namespace: "relist", body: { metadata: { name: "keep" } } });
  await h.core.createNamespacedConfigMap({ namespace: "relist", body: { metadata: { name: "drop" } } });
  const inf = informerOn("relist");
  const seen: string[] = [];
  inf.on("add", (o) => seen.push(`add:${o.metadata?.name}`));
  inf.on("delete", (o) => seen.push(`delete:${o.metadata?.name}`));
  await inf.start();
  await waitFor("initial list", () => seen.length >= 2);
  const latest = (): string => (inf as unknown as ListWatch<V1ConfigMap>).latestResourceVersion();
  const staleRv = latest();
  await inf.stop();
  await h.core.deleteNamespacedConfigMap({ name: "drop", namespace: "relist" });
  await h.core.createNamespacedConfigMap({ namespace: "relist", body: { metadata: { name: "new" } } });
  h.srv.faults.compact();
  await inf.start();
  await waitFor("relist after 410", () => seen.includes("add:new") && seen.includes("delete:drop"));
  assert.deepEqual(inf.list("relist").map((o) => o.metadata?.name).sort(), ["keep", "new"]);
  assert.ok(Number(latest()) > Number(staleRv));
  await inf.stop();
});

test("dropWatches ends open watches: gracefully the informer re-watches, abruptly it reports an error", async () => {
  await ns("drop");
  const inf = informerOn("drop");
  const connects: number[] = [];
  const errors: unknown[] = [];
  inf.on("connect", () => connects.push(Date.now()));
  inf.on("error", (e) => errors.push(e));
  await inf.start();
  await waitFor("watch open", () => h.srv.openWatches() > 0);
  const before = connects.length;
  h.srv.faults.dropWatches({ graceful: true });
  await waitFor("re-watch", () => connects.length > before && h.srv.openWatches() > 0);
  await h.core.createNamespacedConfigMap({ namespace: "drop", body: { metadata: { name: "after" } } });
  await waitFor("event after re-watch", () => inf.get("after", "drop"));
  h.srv.faults.dropWatches();
  await waitFor("error reported", () => errors.length > 0);
  await inf.stop();
});

test("watch=1, the legacy /watch/ path and a named watch behave like watch=true", async () => {
  await ns("legacy");
  const rv = String(h.srv.resourceVersion());
  const lines = async (path: string): Promise<{ res: IncomingMessage; next: () => Promise<Record<string, unknown>> }> => {
    const res = await new Promise<IncomingMessage>((resolve, reject) => { httpGet(`${h.srv.url}${path}`, resolve).on("error", reject); });
    let buf = "";
    const queue: Record<string, unknown>[] = [];
    const waiters: ((v: Record<string, unknown>) => void)[] = [];
    res.on("data", (c: Buffer) => {
      buf += c.toString();
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const ev = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
        buf = buf.slice(i + 1);
        const w = waiters.shift();
        if (w) w(ev); else queue.push(ev);
      }
    });
    return { res, next: () => new Promise((r) => { const q = queue.shift(); if (q) r(q); else waiters.push(r); }) };
  };
  const a = await lines(`/api/v1/namespaces/legacy/configmaps?watch=1&resourceVersion=${rv}`);
  const b = await lines(`/api/v1/watch/namespaces/legacy/configmaps?resourceVersion=${rv}`);
  const c = await lines(`/api/v1/watch/namespaces/legacy/configmaps/only?resourceVersion=${rv}`);
  await h.core.createNamespacedConfigMap({ namespace: "legacy", body: { metadata: { name: "other" } } });
  await h.core.createNamespacedConfigMap({ namespace: "legacy", body: { metadata: { name: "only" } } });
  for (const w of [a, b]) {
    const e1 = await w.next();
    assert.equal(e1.type, "ADDED");
    assert.equal((e1.object as { metadata: { name: string } }).metadata.name, "other");
  }
  const e = await c.next();
  assert.equal((e.object as { metadata: { name: string } }).metadata.name, "only");
  for (const w of [a, b, c]) w.res.destroy();
});
