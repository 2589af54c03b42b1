// CRUD semantics of the fake API server through the real @kubernetes/client-node: Status errors,
// resourceVersion conflicts, semantic no-ops, generation, generateName and per-kind behaviour.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { V1StatefulSet } from "@kubernetes/client-node";
import { failure, harness, raw, type Harness } from "./fake-apiserver-helpers.js";

let h: Harness;
before(async () => { h = await harness(); });
after(async () => { await h.srv.stop(); });

function sts(name: string, replicas = 1): V1StatefulSet {
  return {
    apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name },
    spec: { replicas, serviceName: name, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nats:2.9.10", ports: [{ containerPort: 4222 }] }] } } },
  };
}

test("create, read, replace and delete a ConfigMap", async () => {
  const created = await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "cm1" }, data: { a: "1" } } });
  assert.equal(created.metadata?.namespace, "default");
  assert.match(created.metadata?.uid ?? "", /^[0-9a-f-]{36}$/);
  assert.match(created.metadata?.resourceVersion ?? "", /^\d+$/);
  assert.ok(created.metadata?.creationTimestamp);
  const got = await h.core.readNamespacedConfigMap({ name: "cm1", namespace: "default" });
  assert.deepEqual(got.data, { a: "1" });
  got.data = { a: "2" };
  const replaced = await h.core.replaceNamespacedConfigMap({ name: "cm1", namespace: "default", body: got });
  assert.ok(Number(replaced.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion));
  assert.equal(replaced.metadata?.uid, created.metadata?.uid);
  const status = await h.core.deleteNamespacedConfigMap({ name: "cm1", namespace: "default" });
  assert.equal((status as { status?: string }).status, "Success");
  const nf = await failure(() => h.core.readNamespacedConfigMap({ name: "cm1", namespace: "default" }));
  assert.equal(nf.code, 404);
  assert.deepEqual([nf.status.kind, nf.status.reason, nf.status.message], ["Status", "NotFound", 'configmaps "cm1" not found']);
  assert.deepEqual(nf.status.details, { name: "cm1", kind: "configmaps" });
});

test("creating an existing name is 409 AlreadyExists; a missing namespace is 404", async () => {
  await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "dup" } } });
  const e = await failure(() => h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "dup" } } }));
  assert.equal(e.code, 409);
  assert.equal(e.status.reason, "AlreadyExists");
  assert.equal(e.status.message, 'configmaps "dup" already exists');
  const ns = await failure(() => h.core.createNamespacedConfigMap({ namespace: "nowhere", body: { metadata: { name: "x" } } }));
  assert.equal(ns.code, 404);
  assert.equal(ns.status.message, 'namespaces "nowhere" not found');
});

test("an update with a stale resourceVersion is 409 Conflict", async () => {
  const a = await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "rv" }, data: { v: "1" } } });
  await h.core.replaceNamespacedConfigMap({ name: "rv", namespace: "default", body: { ...a, data: { v: "2" } } });
  const e = await failure(() => h.core.replaceNamespacedConfigMap({ name: "rv", namespace: "default", body: { ...a, data: { v: "3" } } }));
  assert.equal(e.code, 409);
  assert.equal(e.status.reason, "Conflict");
  assert.equal(e.status.message, 'Operation cannot be fulfilled on configmaps "rv": the object has been modified; please apply your changes to the latest version and try again');
});

test("an update that changes nothing keeps the resourceVersion", async () => {
  const a = await h.core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "noop", labels: { x: "1", y: "2" } }, data: { k: "v" } } });
  const rvBefore = h.srv.resourceVersion();
  const same = await h.core.replaceNamespacedConfigMap({ name: "noop", namespace: "default",
    body: { metadata: { name: "noop", labels: { y: "2", x: "1" }, resourceVersion: a.metadata?.resourceVersion }, data: { k: "v" } } });
  assert.equal(same.metadata?.resourceVersion, a.metadata?.resourceVersion);
  assert.equal(h.srv.resourceVersion(), rvBefore);
});

test("generateName makes a unique name", async () => {
  const a = await h.core.createNamespacedSecret({ namespace: "default", body: { metadata: { generateName: "gen-" } } });
  const b = await h.core.createNamespacedSecret({ namespace: "default", body: { metadata: { generateName: "gen-" } } });
  assert.match(a.metadata?.name ?? "", /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.notEqual(a.metadata?.name, b.metadata?.name);
  const e = await failure(() => h.core.createNamespacedSecret({ namespace: "default", body: { metadata: {} } }));
  assert.equal(e.code, 422);
  assert.equal(e.status.message, 'Secret "" is invalid: metadata.name: Required value: name or generateName is required');
});

test("Secret stringData is merged into base64 data and never stored", async () => {
  const s = await h.core.createNamespacedSecret({ namespace: "default", body: { metadata: { name: "s1" }, data: { a: Buffer.from("x").toString("base64") }, stringData: { b: "hello" } } });
  assert.equal(s.type, "Opaque");
  assert.deepEqual(s.data, { a: "eA==", b: Buffer.from("hello").toString("base64") });
  assert.equal(s.stringData, undefined);
  s.stringData = { a: "over" };
  const u = await h.core.replaceNamespacedSecret({ name: "s1", namespace: "default", body: s });
  assert.equal(Buffer.from(u.data?.a ?? "", "base64").toString(), "over");
  assert.equal(u.stringData, undefined);
});

test("Secret data must be base64 and ConfigMap data strings (400, as a decode error)", async () => {
  const s = await raw(h.srv, "POST", "/api/v1/namespaces/default/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: "raw" }, data: { a: "not base64!" } });
  assert.equal(s.status, 400);
  assert.equal(s.json.message, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3');
  const c = await raw(h.srv, "POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "num" }, data: { a: 1 } });
  assert.equal(c.status, 400);
  assert.equal(c.json.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string');
});

test("Services get a clusterIP unless None, and keep it on update", async () => {
  const svc = await h.core.createNamespacedService({ namespace: "default", body: { metadata: { name: "svc" }, spec: { selector: { a: "b" }, ports: [{ name: "client", port: 4222 }] } } });
  assert.match(svc.spec?.clusterIP ?? "", /^10\.96\.\d+\.\d+$/);
  assert.deepEqual(svc.spec?.clusterIPs, [svc.spec?.clusterIP]);
  assert.equal(svc.spec?.type, "ClusterIP");
  assert.equal(svc.spec?.ports?.[0]?.protocol, "TCP");
  assert.equal(svc.spec?.ports?.[0]?.targetPort, 4222);
  const headless = await h.core.createNamespacedService({ namespace: "default", body: { metadata: { name: "hl" }, spec: { clusterIP: "None", publishNotReadyAddresses: true, ports: [{ port: 6222 }] } } });
  assert.equal(headless.spec?.clusterIP, "None");
  const upd = await h.core.replaceNamespacedService({ name: "svc", namespace: "default",
    body: { metadata: { name: "svc", resourceVersion: svc.metadata?.resourceVersion }, spec: { selector: { a: "c" }, ports: [{ name: "client", port: 4222 }] } } });
  assert.equal(upd.spec?.clusterIP, svc.spec?.clusterIP);
  const e = await failure(() => h.core.replaceNamespacedService({ name: "svc", namespace: "default",
    body: { metadata: { name: "svc" }, spec: { clusterIP: "10.0.0.1", ports: [{ port: 1 }] } } }));
  assert.equal(e.code, 422);
  assert.match(e.status.message ?? "", /spec\.clusterIPs\[0\]: Invalid value: "10\.0\.0\.1": may not change once set/);
});

test("StatefulSet: defaults, generation on spec changes only, immutable fields refused", async () => {
  const s = await h.apps.createNamespacedStatefulSet({ namespace: "default", body: sts("web", 3) });
  assert.equal(s.metadata?.generation, 1);
  assert.equal(s.spec?.podManagementPolicy, "OrderedReady");
  assert.equal(s.spec?.revisionHistoryLimit, 10);
  assert.equal(s.spec?.updateStrategy?.type, "RollingUpdate");
  assert.equal(s.spec?.updateStrategy?.rollingUpdate?.partition, 0);
  assert.equal(s.spec?.template.spec?.restartPolicy, "Always");
  assert.equal(s.spec?.template.spec?.containers[0]?.imagePullPolicy, "IfNotPresent");
  assert.equal(s.status?.replicas, 0);
  assert.equal(s.status?.readyReplicas, undefined);

  s.metadata!.labels = { changed: "yes" };
  const labelled = await h.apps.replaceNamespacedStatefulSet({ name: "web", namespace: "default", body: s });
  assert.equal(labelled.metadata?.generation, 1, "metadata changes do not bump generation");
  labelled.spec!.replicas = 5;
  const scaled = await h.apps.replaceNamespacedStatefulSet({ name: "web", namespace: "default", body: labelled });
  assert.equal(scaled.metadata?.generation, 2);

  scaled.status = { replicas: 5, readyReplicas: 5 };
  const st = await h.apps.replaceNamespacedStatefulSetStatus({ name: "web", namespace: "default", body: scaled });
  assert.equal(st.status?.readyReplicas, 5);
  assert.equal(st.metadata?.generation, 2, "status writes do not bump generation");
  st.status = { replicas: 0 };
  const main = await h.apps.replaceNamespacedStatefulSet({ name: "web", namespace: "default", body: st });
  assert.equal(main.status?.readyReplicas, 5, "main-resource writes ignore status");

  main.spec!.serviceName = "other";
  const e = await failure(() => h.apps.replaceNamespacedStatefulSet({ name: "web", namespace: "default", body: main }));
  assert.equal(e.code, 422);
  assert.equal(e.status.reason, "Invalid");
  assert.equal(e.status.message, `StatefulSet.apps "web" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden`);
  assert.equal(e.status.details?.causes?.[0]?.field, "spec");
});

test("StatefulSet scale subresource", async () => {
  await h.apps.createNamespacedStatefulSet({ namespace: "default", body: sts("scaled", 2) });
  const sc = await h.apps.readNamespacedStatefulSetScale({ name: "scaled", namespace: "default" });
  assert.equal(sc.kind, "Scale");
  assert.equal(sc.spec?.replicas, 2);
  assert.equal(sc.status?.selector, "app=scaled");
  await h.apps.replaceNamespacedStatefulSetScale({ name: "scaled", namespace: "default", body: { metadata: { name: "scaled" }, spec: { replicas: 4 } } });
  const s = await h.apps.readNamespacedStatefulSet({ name: "scaled", namespace: "default" });
  assert.equal(s.spec?.replicas, 4);
  assert.equal(s.metadata?.generation, 2);
});

test("PodDisruptionBudget, Lease and both Event kinds round-trip", async () => {
  const pdb = await h.policy.createNamespacedPodDisruptionBudget({ namespace: "default", body: { metadata: { name: "pdb" }, spec: { maxUnavailable: 1, selector: { matchLabels: { a: "b" } } } } });
  assert.equal(pdb.metadata?.generation, 1);
  assert.equal(pdb.status?.disruptionsAllowed, 0);
  const both = await failure(() => h.policy.createNamespacedPodDisruptionBudget({ namespace: "default", body: { metadata: { name: "pdb2" }, spec: { maxUnavailable: 1, minAvailable: 1 } } }));
  assert.equal(both.code, 422);
  const lease = await h.coordination.createNamespacedLease({ namespace: "default", body: { metadata: { name: "leader" }, spec: { holderIdentity: "a", leaseDurationSeconds: 15 } } });
  assert.equal(lease.spec?.holderIdentity, "a");
  const ev = await h.core.createNamespacedEvent({ namespace: "default", body: { metadata: { name: "e1" }, involvedObject: { kind: "NatsCluster", name: "x", namespace: "default" }, reason: "Created", message: "m", type: "Normal" } });
  assert.equal(ev.reason, "Created");
  const ev2 = await h.events.createNamespacedEvent({ namespace: "default", body: { metadata: { name: "e2" }, eventTime: new Date(), reportingController: "skein", reportingInstance: "a", action: "Create", reason: "Created", regarding: { kind: "NatsCluster", name: "x" }, type: "Normal" } });
  assert.equal(ev2.reason, "Created");
  const list = await h.core.listNamespacedEvent({ namespace: "default", fieldSelector: "involvedObject.kind=NatsCluster,involvedObject.name=x" });
  assert.deepEqual(list.items.map((i) => i.metadata?.name), ["e1", "e2"], "events.k8s.io events share storage with core events");
  const e2core = list.items.find((i) => i.metadata?.name === "e2");
  assert.equal(e2core?.involvedObject.kind, "NatsCluster");
  assert.equal(e2core?.reportingComponent, "skein");
  const v1 = await h.events.listNamespacedEvent({ namespace: "default", fieldSelector: "regarding.name=x" });
  assert.deepEqual(v1.items.map((i) => `${i.metadata?.name}:${i.regarding?.kind}:${i.note ?? ""}`), ["e1:NatsCluster:m", "e2:NatsCluster:"]);
});

test("bad requests: kind, name and namespace mismatches", async () => {
  const r1 = await raw(h.srv, "POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "Secret", metadata: { name: "x" } });
  assert.equal(r1.status, 400);
  assert.equal(r1.json.reason, "BadRequest");
  const r2 = await raw(h.srv, "POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "kube-system" } });
  assert.equal(r2.json.message, "the namespace of the provided object does not match the namespace sent on the request");
  await raw(h.srv, "POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "named" } });
  const r3 = await raw(h.srv, "PUT", "/api/v1/namespaces/default/configmaps/named", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "other" } });
  assert.equal(r3.json.message, "the name of the object (other) does not match the name on the URL (named)");
  const r4 = await raw(h.srv, "POST", "/api/v1/namespaces/default/configmaps", "{not json");
  assert.equal(r4.status, 400);
  const r6 = await raw(h.srv, "POST", "/api/v1/namespaces/default/configmaps", "{}", "application/vnd.kubernetes.protobuf");
  assert.equal(r6.status, 400);
  assert.equal(r6.json.message, "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
  const r5 = await raw(h.srv, "GET", "/api/v1/namespaces/default/widgets");
  assert.equal(r5.status, 404);
  assert.equal(r5.json.message, "the server could not find the requested resource");
});

test("pods on a node are deleted gracefully; unscheduled pods at once", async () => {
  const spec = { containers: [{ name: "c", image: "i:1" }], terminationGracePeriodSeconds: 60 };
  await h.core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "loose" }, spec } });
  await h.core.deleteNamespacedPod({ name: "loose", namespace: "default" });
  assert.equal((await failure(() => h.core.readNamespacedPod({ name: "loose", namespace: "default" }))).code, 404);

  await h.core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "placed" }, spec: { ...spec, nodeName: "node-1" } } });
  const t0 = Date.now();
  await h.core.deleteNamespacedPod({ name: "placed", namespace: "default" });
  const p = await h.core.readNamespacedPod({ name: "placed", namespace: "default" });
  assert.equal(p.metadata?.deletionGracePeriodSeconds, 60);
  assert.ok((p.metadata?.deletionTimestamp?.getTime() ?? 0) >= t0 + 58_000, "deletionTimestamp is the end of the grace period");
  const st = await h.core.replaceNamespacedPodStatus({ name: "placed", namespace: "default", body: { ...p, status: { phase: "Running" } } });
  assert.equal(st.status?.phase, "Running", "a pod in its grace period can still be updated");
  await h.core.deleteNamespacedPod({ name: "placed", namespace: "default", gracePeriodSeconds: 0 });
  assert.equal((await failure(() => h.core.readNamespacedPod({ name: "placed", namespace: "default" }))).code, 404);
});

test("times are stored as the API server stores them: seconds for Time, microseconds for MicroTime", async () => {
  const when = new Date("2026-01-02T03:04:05.678Z");
  const lease = await raw(h.srv, "POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases",
    { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "times" }, spec: { holderIdentity: "a", renewTime: when.toISOString() } });
  assert.equal((lease.json.spec as { renewTime: string }).renewTime, "2026-01-02T03:04:05.678000Z");
  const ev = await raw(h.srv, "POST", "/api/v1/namespaces/default/events", { apiVersion: "v1", kind: "Event", metadata: { name: "times" },
    involvedObject: { kind: "Pod", name: "p" }, lastTimestamp: when.toISOString(), eventTime: when.toISOString() });
  assert.equal(ev.json.lastTimestamp, "2026-01-02T03:04:05Z");
  assert.equal(ev.json.eventTime, "2026-01-02T03:04:05.678000Z");
  const bad = await raw(h.srv, "POST", "/api/v1/namespaces/default/events", { apiVersion: "v1", kind: "Event", metadata: { name: "bad-time" }, lastTimestamp: "yesterday" });
  assert.equal(bad.status, 400);
});
