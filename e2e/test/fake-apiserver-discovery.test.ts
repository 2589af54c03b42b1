// Discovery and OpenAPI documents, as client-node and kubectl read them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ApisApi, CoreApi, VersionApi } from "@kubernetes/client-node";
import { join } from "node:path";
import { CRD_PATH, harness, raw, SAMPLES_DIR, type Harness } from "./fake-apiserver-helpers.js";

let h: Harness;
before(async () => { h = await harness({ crds: [CRD_PATH] }); });
after(async () => { await h.srv.stop(); });

type Obj = Record<string, unknown>;

test("/version, /api and /apis through client-node", async () => {
  const v = await h.kc.makeApiClient(VersionApi).getCode();
  assert.deepEqual([v.major, v.minor, v.gitVersion], ["1", "32", "v1.32.0"]);
  const core = await h.kc.makeApiClient(CoreApi).getAPIVersions();
  assert.deepEqual(core.versions, ["v1"]);
  const groups = await h.kc.makeApiClient(ApisApi).getAPIVersions();
  const names = groups.groups.map((g) => g.name);
  for (const g of ["apps", "policy", "coordination.k8s.io", "events.k8s.io", "apiextensions.k8s.io", "skein.dev"]) assert.ok(names.includes(g), g);
});

test("resource lists carry kind, namespaced, verbs, shortNames and subresources", async () => {
  const v1 = (await raw(h.srv, "GET", "/api/v1")).json;
  assert.equal(v1.kind, "APIResourceList");
  assert.equal(v1.groupVersion, "v1");
  const res = v1.resources as Obj[];
  const cm = res.find((r) => r.name === "configmaps");
  assert.deepEqual([cm?.kind, cm?.namespaced, cm?.shortNames], ["ConfigMap", true, ["cm"]]);
  assert.equal(res.find((r) => r.name === "namespaces")?.namespaced, false);
  assert.ok(res.some((r) => r.name === "services/status"));
  const apps = (await raw(h.srv, "GET", "/apis/apps/v1")).json.resources as Obj[];
  assert.deepEqual(apps.map((r) => r.name), ["deployments", "deployments/scale", "deployments/status", "statefulsets", "statefulsets/scale", "statefulsets/status"]);
  assert.deepEqual((await raw(h.srv, "GET", "/apis/apps")).json.preferredVersion, { groupVersion: "apps/v1", version: "v1" });
  assert.equal((await raw(h.srv, "GET", "/apis/nope/v1")).status, 404);
});

test("OpenAPI v3: an index of group versions and documents with the CRD schema and fieldValidation", async () => {
  const index = (await raw(h.srv, "GET", "/openapi/v3")).json.paths as Record<string, { serverRelativeURL: string }>;
  const url = index["apis/skein.dev/v1alpha1"]?.serverRelativeURL ?? "";
  assert.match(url, /^\/openapi\/v3\/apis\/skein\.dev\/v1alpha1\?hash=[0-9A-F]+$/);
  assert.ok(index["api/v1"]);
  const doc = (await raw(h.srv, "GET", url)).json as { paths: Record<string, Obj>; components: { schemas: Record<string, Obj> } };
  const schema = doc.components.schemas["dev.skein.v1alpha1.NatsCluster"] as { properties: Record<string, Obj>; "x-kubernetes-group-version-kind": Obj[] };
  assert.deepEqual(schema["x-kubernetes-group-version-kind"], [{ group: "skein.dev", kind: "NatsCluster", version: "v1alpha1" }]);
  assert.equal((schema.properties.spec as { properties: Record<string, Obj> }).properties.size?.type, "integer");
  const item = doc.paths["/apis/skein.dev/v1alpha1/namespaces/{namespace}/natsclusters/{name}"] as { patch: { parameters: Obj[]; "x-kubernetes-group-version-kind": Obj } };
  assert.ok(item.patch.parameters.some((p) => p.name === "fieldValidation" && p.in === "query"));
  assert.deepEqual(item.patch["x-kubernetes-group-version-kind"], { group: "skein.dev", version: "v1alpha1", kind: "NatsCluster" });
  assert.equal((await raw(h.srv, "GET", "/openapi/v3/apis/nope/v1")).status, 404);
});

test("load() creates the objects of a YAML file as kubectl create would, and reports bad files", async () => {
  const made = await h.srv.load(join(SAMPLES_DIR, "natscluster-minimal.yaml"));
  assert.equal(made.length, 1);
  const o = h.srv.object("skein.dev", "natsclusters", "default", "example") as { spec: { size: number; version: string } };
  assert.deepEqual([o.spec.size, o.spec.version], [3, "2.9.10"]);
  await assert.rejects(h.srv.load(join(SAMPLES_DIR, "natscluster-minimal.yaml")), /already exists/);
  await assert.rejects(h.srv.load(join(SAMPLES_DIR, "no-such-file.yaml")), /ENOENT/);
});
