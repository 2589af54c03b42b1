import { test } from "node:test";
import assert from "node:assert/strict";
import { differs, isSubset, parseQuantity, prepareDesired, updateBody, DESIRED_HASH_ANNOTATION } from "../src/controller/compare.js";
import { computeStatus, pausedStatus, statusDiffers } from "../src/controller/status.js";
import type { KubeObject } from "../src/controller/kube-api.js";

const owner = { apiVersion: "skein.dev/v1alpha1", kind: "NatsCluster", name: "demo", uid: "u-1", controller: true, blockOwnerDeletion: true };

function service(): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name: "demo", namespace: "ns", labels: { a: "1" }, ownerReferences: [owner] },
    spec: { selector: { a: "1" }, ports: [{ name: "client", port: 4222, targetPort: 4222 }] } };
}

test("server defaults and server fields never count as a difference", () => {
  const desired = prepareDesired("Service", service());
  const actual = JSON.parse(JSON.stringify(desired)) as KubeObject & { spec: Record<string, unknown> };
  Object.assign(actual.metadata!, { resourceVersion: "42", uid: "s-1", creationTimestamp: "2026-01-01T00:00:00Z" });
  actual.spec.clusterIP = "10.0.0.7";
  actual.spec.sessionAffinity = "None";
  (actual.spec.ports as Array<Record<string, unknown>>)[0]!.protocol = "TCP";
  actual.status = { loadBalancer: {} };
  assert.equal(differs("Service", desired, actual), false);
  // A hand edit of a field we own is drift.
  (actual.spec.ports as Array<Record<string, unknown>>)[0]!.port = 4333;
  assert.equal(differs("Service", desired, actual), true);
  // The update keeps what the server allocated and the resourceVersion for optimistic concurrency.
  const body = updateBody("Service", desired, actual) as KubeObject & { spec: Record<string, unknown> };
  assert.equal(body.spec.clusterIP, "10.0.0.7");
  assert.equal(body.metadata?.resourceVersion, "42");
  assert.deepEqual((body.spec.ports as unknown[])[0], { name: "client", port: 4222, targetPort: 4222 });
});

test("a field removed from the desired state is caught by the desired-hash annotation", () => {
  const withSel = prepareDesired("Service", { ...service(), spec: { ...service().spec as object, externalTrafficPolicy: "Local" } });
  const actual = JSON.parse(JSON.stringify(withSel)) as KubeObject;
  const without = prepareDesired("Service", service());
  assert.notEqual(withSel.metadata?.annotations?.[DESIRED_HASH_ANNOTATION], without.metadata?.annotations?.[DESIRED_HASH_ANNOTATION]);
  assert.equal(differs("Service", without, actual), true);
});

test("ConfigMap data is compared exactly and Secrets compare stringData as base64 data", () => {
  const cm = prepareDesired("ConfigMap", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ns" }, data: { "skein.conf": "port: 4222\n" } });
  const cmActual = JSON.parse(JSON.stringify(cm)) as KubeObject & { data: Record<string, string> };
  assert.equal(differs("ConfigMap", cm, cmActual), false);
  cmActual.data.extra = "x";
  assert.equal(differs("ConfigMap", cm, cmActual), true);
  const sec = prepareDesired("Secret", { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "ns" }, type: "Opaque", stringData: { user: "route" } });
  assert.deepEqual((sec as { data?: unknown }).data, { user: Buffer.from("route").toString("base64") });
  assert.equal(differs("Secret", sec, JSON.parse(JSON.stringify(sec)) as KubeObject), false);
});

test("isSubset treats omitted zero values as equal and compares arrays by position", () => {
  assert.ok(isSubset({ a: false, b: [], c: {} }, {}));
  assert.ok(!isSubset({ a: [1, 2] }, { a: [1] }));
  assert.ok(isSubset({ a: [{ x: 1 }] }, { a: [{ x: 1, y: 2 }] }));
  assert.ok(!isSubset({ a: "1" }, { a: 1 }));
});

test("conditions keep lastTransitionTime until their status flips", () => {
  const t0 = new Date("2026-01-01T00:00:00.000Z"), t1 = new Date("2026-01-01T00:05:00.000Z");
  const base = { generation: 2, size: 3, version: "2.9.10", selector: "app=x" };
  const s0 = computeStatus({ ...base, statefulSet: { generation: 1, status: { replicas: 3, readyReplicas: 1 } }, previous: undefined, now: t0 });
  const ready0 = s0.conditions?.find((c) => c.type === "Ready");
  assert.equal(ready0?.status, "False");
  assert.equal(s0.conditions?.find((c) => c.type === "Progressing")?.reason, "RollingUpdate");
  assert.equal(s0.currentVersion, undefined);
  const same = computeStatus({ ...base, statefulSet: { generation: 1, status: { replicas: 3, readyReplicas: 1 } }, previous: s0, now: t1 });
  assert.equal(statusDiffers(s0, same), false, "same inputs, later time: no write");
  const s1 = computeStatus({ ...base, statefulSet: { generation: 1, status: { replicas: 3, readyReplicas: 3 } }, previous: s0, now: t1 });
  const ready1 = s1.conditions?.find((c) => c.type === "Ready");
  assert.equal(ready1?.status, "True");
  assert.equal(ready1?.lastTransitionTime, "2026-01-01T00:05:00Z");
  assert.equal(s1.conditions?.find((c) => c.type === "Degraded")?.lastTransitionTime, "2026-01-01T00:00:00Z");
  assert.equal(s1.currentVersion, "2.9.10");
  assert.equal(s1.observedGeneration, 2);
  const failed = computeStatus({ ...base, statefulSet: undefined, previous: s1, error: "boom", now: t1 });
  assert.equal(failed.conditions?.find((c) => c.type === "Degraded")?.status, "True");
  assert.equal(failed.conditions?.find((c) => c.type === "Degraded")?.message, "boom");
  const paused = pausedStatus(s1, 3, t1);
  assert.equal(paused.conditions?.find((c) => c.type === "Progressing")?.reason, "Paused");
  assert.equal(paused.observedGeneration, 2);
});

test("resource quantities compare by value, as the API server canonicalises them", () => {
  assert.equal(parseQuantity("500m"), 0.5);
  assert.equal(parseQuantity("1Gi"), 2 ** 30);
  assert.equal(parseQuantity("1e3"), 1000);
  assert.equal(parseQuantity("1.5k"), 1500);
  assert.equal(parseQuantity("abc"), undefined);
  const desired = { resources: { requests: { cpu: "0.5", memory: "1024Mi" }, limits: { memory: "1Gi" } } };
  assert.ok(isSubset(desired, { resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } } }));
  assert.ok(!isSubset(desired, { resources: { requests: { cpu: "600m", memory: "1Gi" }, limits: { memory: "1Gi" } } }));
  // Outside limits/requests a string is a string.
  assert.ok(!isSubset({ env: [{ value: "0.5" }] }, { env: [{ value: "500m" }] }));
});
