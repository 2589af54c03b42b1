// The real kubectl (v1.32) against the fake API server: apply the NatsCluster CRD and a sample, get with
// printer columns and the short name, scale, explain, refusal of a bad spec naming the field,
// unchanged re-apply, and delete cascading to owned children.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CRD_PATH, harness, SAMPLES_DIR, waitFor, type Harness } from "./fake-apiserver-helpers.js";

const KUBECTL = "/usr/bin/kubectl";
let h: Harness;
let dir: string;

before(async () => {
  h = await harness();
  dir = mkdtempSync(join(tmpdir(), "kubectl-test-"));
});
after(async () => {
  await h.srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Run { code: number; stdout: string; stderr: string }

/** Runs kubectl asynchronously (the server lives in this process) with its own discovery cache. */
function kubectl(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, ["--kubeconfig", h.srv.kubeconfigPath, "--cache-dir", join(dir, "cache"), ...args],
      { timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

function rows(out: string): string[][] {
  return out.trim().split("\n").map((l) => l.trim().split(/\s{2,}/));
}

test("kubectl applies the CRD and it becomes established", async () => {
  assert.match(await ok(["apply", "-f", CRD_PATH]), /customresourcedefinition\.apiextensions\.k8s\.io\/natsclusters\.skein\.dev created/);
  assert.match(await ok(["wait", "--for", "condition=established", "--timeout=30s", "crd/natsclusters.skein.dev"]), /condition met/);
  assert.match(await ok(["apply", "-f", CRD_PATH]), /customresourcedefinition\.apiextensions\.k8s\.io\/natsclusters\.skein\.dev unchanged/);
});

test("kubectl applies the minimal sample; re-applying it is unchanged", async () => {
  assert.match(await ok(["apply", "-f", join(SAMPLES_DIR, "natscluster-minimal.yaml")]), /natscluster\.skein\.dev\/example created/);
  assert.match(await ok(["apply", "-f", join(SAMPLES_DIR, "natscluster-minimal.yaml")]), /natscluster\.skein\.dev\/example unchanged/);
});

test("kubectl get natsclusters prints the printer columns; the short name works", async () => {
  await h.custom.patchNamespacedCustomObjectStatus({ group: "skein.dev", version: "v1alpha1", plural: "natsclusters", namespace: "default",
    name: "example", body: [{ op: "add", path: "/status", value: { readyReplicas: 2 } }] });
  const out = rows(await ok(["get", "natsclusters"]));
  assert.deepEqual(out[0], ["NAME", "SIZE", "READY", "VERSION", "AGE"]);
  assert.deepEqual(out[1]?.slice(0, 4), ["example", "3", "2", "2.9.10"]);
  assert.match(out[1]?.[4] ?? "", /^\d+s$/);
  const short = rows(await ok(["get", "nats"]));
  assert.deepEqual(short[0], ["NAME", "SIZE", "READY", "VERSION", "AGE"]);
  assert.equal(short[1]?.[0], "example");
  const all = rows(await ok(["get", "nats", "-A"]));
  assert.deepEqual(all[0]?.slice(0, 2), ["NAMESPACE", "NAME"]);
  assert.deepEqual(all[1]?.slice(0, 2), ["default", "example"]);
  assert.equal(await ok(["get", "nats", "example", "-o", "jsonpath={.spec.lameDuckDurationSeconds}"]), "30", "CRD defaults are applied");
});

test("kubectl scale changes spec.size through the scale subresource", async () => {
  assert.match(await ok(["scale", "natscluster/example", "--replicas=5"]), /natscluster\.skein\.dev\/example scaled/);
  assert.equal(await ok(["get", "nats", "example", "-o", "jsonpath={.spec.size}"]), "5");
  assert.equal(await ok(["get", "nats", "example", "-o", "jsonpath={.metadata.generation}"]), "2");
});

test("kubectl wait sees a change through a watch", async () => {
  const waiting = kubectl(["wait", "--for=jsonpath={.spec.size}=7", "natscluster/example", "--timeout=60s"]);
  await waitFor("kubectl's watch", () => h.srv.openWatches() > 0);
  await h.custom.patchNamespacedCustomObjectScale({ group: "skein.dev", version: "v1alpha1", plural: "natsclusters", namespace: "default",
    name: "example", body: [{ op: "replace", path: "/spec/replicas", value: 7 }] });
  const r = await waiting;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /natscluster\.skein\.dev\/example condition met/);
});

test("kubectl create namespace, configmap and secret (sent as protobuf) work", async () => {
  assert.match(await ok(["create", "namespace", "made"]), /namespace\/made created/);
  assert.match(await ok(["create", "configmap", "cfg", "-n", "made", "--from-literal=a=b", "--from-literal=c=d"]), /configmap\/cfg created/);
  assert.match(await ok(["create", "secret", "generic", "sec", "-n", "made", "--from-literal=user=admin"]), /secret\/sec created/);
  assert.deepEqual(h.srv.object("", "configmaps", "made", "cfg")?.data, { a: "b", c: "d" });
  const sec = h.srv.object("", "secrets", "made", "sec");
  assert.equal(sec?.type, "Opaque");
  assert.deepEqual(sec?.data, { user: Buffer.from("admin").toString("base64") });
  assert.equal((h.srv.object("", "namespaces", undefined, "made")?.status as { phase?: string }).phase, "Active");
});

test("kubectl applies the operator's RBAC (ServiceAccount, Roles and bindings)", async () => {
  const missing = await kubectl(["apply", "-f", join(SAMPLES_DIR, "..", "rbac.yaml")]);
  assert.match(missing.stderr, /namespaces "skein-system" not found/, "namespaced objects need their namespace");
  await ok(["create", "namespace", "skein-system"]);
  const out = await ok(["apply", "-f", join(SAMPLES_DIR, "..", "rbac.yaml")]);
  assert.match(out, /serviceaccount\/\S+ (created|unchanged)/);
  assert.match(out, /clusterrole\.rbac\.authorization\.k8s\.io\/\S+ (created|unchanged)/);
  assert.match(out, /clusterrolebinding\.rbac\.authorization\.k8s\.io\/\S+ (created|unchanged)/);
  assert.match(out, /rolebinding\.rbac\.authorization\.k8s\.io\/\S+ created/);
  assert.match(await ok(["apply", "-f", join(SAMPLES_DIR, "..", "rbac.yaml")]), /unchanged/);
  const crb = rows(await ok(["get", "clusterrolebindings"]));
  assert.deepEqual(crb[0], ["NAME", "ROLE", "AGE"]);
  assert.match(crb[1]?.[1] ?? "", /^ClusterRole\//);
});

test("kubectl get events prints the event columns", async () => {
  await h.core.createNamespacedEvent({ namespace: "default", body: { metadata: { name: "example.1" }, type: "Normal", reason: "Scaled",
    message: "scaled to 7", involvedObject: { apiVersion: "skein.dev/v1alpha1", kind: "NatsCluster", name: "example", namespace: "default" },
    lastTimestamp: new Date() } });
  const out = rows(await ok(["get", "events"]));
  assert.deepEqual(out[0], ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
  assert.deepEqual(out[1]?.slice(1), ["Normal", "Scaled", "natscluster/example", "scaled to 7"]);
});

test("kubectl apply of a bad spec is refused with a reason naming the field", async () => {
  const bad = "apiVersion: skein.dev/v1alpha1\nkind: NatsCluster\nmetadata:\n  name: bad\nspec:\n  size: -1\n";
  const r = await kubectl(["apply", "-f", "-"], bad);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /NatsCluster "bad" is invalid: spec\.size: Invalid value: -1: spec\.size in body should be greater than or equal to 0/);
  const unknown = await kubectl(["apply", "-f", "-"], "apiVersion: skein.dev/v1alpha1\nkind: NatsCluster\nmetadata:\n  name: bad\nspec:\n  size: 1\n  sise: 2\n");
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /strict decoding error: unknown field "spec\.sise"/);
  const r2 = await kubectl(["get", "nats", "bad"]);
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr, /natsclusters\.skein\.dev "bad" not found/);
});

test("kubectl explain uses the CRD schema", async () => {
  const out = await ok(["explain", "natsclusters.spec.size"]);
  assert.match(out, /KIND:\s+NatsCluster/);
  assert.match(out, /VERSION:\s+v1alpha1/);
  assert.match(out, /FIELD:\s+size <integer>/);
  assert.match(out, /number of brokers/);
  const spec = await ok(["explain", "nats.spec"]);
  assert.match(spec, /natsConfig\s+<Object>/);
});

test("kubectl apply of a built-in kind uses strategic merge on re-apply; kubectl get shows its columns", async () => {
  const sts = (image: string): string => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  replicas: 2
  serviceName: web
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nats
        image: ${image}
        env:
        - {name: A, value: "1"}
`;
  assert.match(await ok(["apply", "-f", "-"], sts("nats:2.9.10")), /statefulset\.apps\/web created/);
  assert.match(await ok(["apply", "-f", "-"], sts("nats:2.10.0")), /statefulset\.apps\/web configured/);
  assert.equal(await ok(["get", "sts", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]), "nats:2.10.0");
  const out = rows(await ok(["get", "statefulsets"]));
  assert.deepEqual(out[0], ["NAME", "READY", "AGE"]);
  assert.deepEqual(out[1]?.slice(0, 2), ["web", "0/2"]);
  const imm = await kubectl(["apply", "-f", "-"], sts("nats:2.10.0").replace("serviceName: web", "serviceName: other"));
  assert.notEqual(imm.code, 0);
  assert.match(imm.stderr, /updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/);
});

test("kubectl apply --server-side removes what it stopped applying and keeps others' labels", async () => {
  const doc = (extra: string): string => `apiVersion: skein.dev/v1alpha1\nkind: NatsCluster\nmetadata:\n  name: ssa\nspec:\n  size: 1\n${extra}`;
  assert.match(await ok(["apply", "--server-side", "-f", "-"], doc("  natsConfig:\n    debug: true\n")), /natscluster\.skein\.dev\/ssa serverside-applied/);
  await ok(["label", "nats", "ssa", "team=messaging"]);
  await ok(["apply", "--server-side", "-f", "-"], doc(""));
  assert.equal(await ok(["get", "nats", "ssa", "-o", "jsonpath={.spec.natsConfig}"]), "");
  assert.equal(await ok(["get", "nats", "ssa", "-o", "jsonpath={.metadata.labels.team}"]), "messaging");
  const conflict = await kubectl(["apply", "--server-side", "--field-manager=other", "-f", "-"], doc("").replace("size: 1", "size: 2"));
  assert.notEqual(conflict.code, 0);
  assert.match(conflict.stderr, /conflict with "kubectl": \.spec\.size/);
  await ok(["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-"], doc("").replace("size: 1", "size: 2"));
  assert.equal(await ok(["get", "nats", "ssa", "-o", "jsonpath={.spec.size}"]), "2");
  await ok(["delete", "nats", "ssa"]);
});

test("kubectl delete of a NatsCluster cascades to the children it owns", async () => {
  const uid = await ok(["get", "nats", "example", "-o", "jsonpath={.metadata.uid}"]);
  const ownerRef = `ownerReferences:\n  - {apiVersion: skein.dev/v1alpha1, kind: NatsCluster, name: example, uid: ${uid}, controller: true, blockOwnerDeletion: true}`;
  const children = `apiVersion: v1
kind: ConfigMap
metadata:
  name: example-config
  ${ownerRef}
data: {skein.conf: "port: 4222"}
---
apiVersion: v1
kind: Service
metadata:
  name: example
  ${ownerRef}
spec:
  ports: [{name: client, port: 4222}]
`;
  const file = join(dir, "children.yaml");
  writeFileSync(file, children);
  await ok(["apply", "-f", file]);
  const svc = rows(await ok(["get", "svc", "example"]));
  assert.deepEqual(svc[0], ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
  assert.match(await ok(["delete", "natscluster", "example"]), /natscluster\.skein\.dev "example" deleted/);
  await waitFor("children collected", async () => {
    const r = await kubectl(["get", "cm,svc", "-o", "name"]);
    return r.code === 0 && !/example/.test(r.stdout);
  });
  assert.equal(h.srv.object("", "configmaps", "default", "example-config"), undefined);
});
