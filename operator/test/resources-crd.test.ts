// The CRD: a structural schema with a description on every field, defaults that pass their own
// schema, validation that refuses bad specs, and subresources and printer columns that point at real
// fields. The samples validate against it. Validation runs through ajv (as the fake API server does);
// CEL rules are checked against validateNatsCluster, which reports the same problems.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import { Ajv } from "ajv";
import type { NatsCluster } from "../src/api/types.js";
import { GROUP, KIND, PLURAL, SHORT_NAME, SINGULAR, VERSION } from "../src/api/types.js";
import { DEFAULT_LAME_DUCK_SECONDS, DEFAULT_SIZE, DEFAULT_VERSION, withDefaults } from "../src/api/defaults.js";
import { validateNatsCluster } from "../src/api/validate.js";
import { buildChildren, generateCredentials } from "../src/resources/index.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  default?: unknown;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-validations"?: Array<{ rule: string; message: string }>;
}

interface CRDVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: Schema };
  subresources: { status: object; scale: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string } };
  additionalPrinterColumns: Array<{ name: string; type: string; jsonPath: string }>;
}

const crd = parse(readFileSync(join(repo, "crds", "natsclusters.skein.dev.yaml"), "utf8")) as {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { group: string; scope: string; names: Record<string, unknown>; versions: CRDVersion[] };
};
const version = crd.spec.versions[0]!;
const schema = version.schema.openAPIV3Schema;

function validator() {
  const ajv = new Ajv({ strict: false, useDefaults: true, validateFormats: false, allErrors: true });
  return ajv.compile(schema);
}

function sample(file: string): NatsCluster {
  return parse(readFileSync(join(repo, "operator", "deploy", "samples", file), "utf8")) as NatsCluster;
}

test("names, scope and version", () => {
  assert.equal(crd.apiVersion, "apiextensions.k8s.io/v1");
  assert.equal(crd.metadata.name, `${PLURAL}.${GROUP}`);
  assert.equal(crd.spec.group, GROUP);
  assert.equal(crd.spec.scope, "Namespaced");
  assert.equal(crd.spec.names["kind"], KIND);
  assert.equal(crd.spec.names["plural"], PLURAL);
  assert.equal(crd.spec.names["singular"], SINGULAR);
  assert.deepEqual(crd.spec.names["shortNames"], [SHORT_NAME]);
  assert.equal(crd.spec.versions.length, 1);
  assert.equal(version.name, VERSION);
  assert.ok(version.served && version.storage);
});

function lookup(path: string): Schema | undefined {
  let node: Schema | undefined = schema;
  for (const part of path.replace(/^\./, "").split(".")) node = node?.properties?.[part];
  return node;
}

test("status and scale subresources and printer columns point at fields of the right type", () => {
  assert.deepEqual(version.subresources.status, {});
  const scale = version.subresources.scale;
  assert.equal(scale.specReplicasPath, ".spec.size");
  assert.equal(lookup(scale.specReplicasPath)?.type, "integer");
  assert.match(scale.statusReplicasPath, /^\.status\./);
  assert.equal(lookup(scale.statusReplicasPath)?.type, "integer");
  assert.match(scale.labelSelectorPath, /^\.status\./);
  assert.equal(lookup(scale.labelSelectorPath)?.type, "string");
  assert.deepEqual(version.additionalPrinterColumns.map((c) => c.name), ["Size", "Ready", "Version", "Age"]);
  for (const col of version.additionalPrinterColumns) {
    if (col.jsonPath === ".metadata.creationTimestamp") {
      assert.equal(col.type, "date");
      continue;
    }
    assert.equal(lookup(col.jsonPath)?.type, col.type, `column ${col.name}`);
  }
});

test("the schema is structural and every field has a description (for kubectl explain)", () => {
  const problems: string[] = [];
  const walk = (node: Schema, path: string) => {
    if (!node.type) problems.push(`${path}: no type`);
    if (!node.description && path !== ".metadata") problems.push(`${path}: no description`);
    if (node.properties && node.additionalProperties !== undefined) problems.push(`${path}: properties and additionalProperties`);
    if (node["x-kubernetes-preserve-unknown-fields"] && node.properties) problems.push(`${path}: preserve-unknown with properties`);
    for (const [k, v] of Object.entries(node.properties ?? {})) walk(v, `${path}.${k}`);
    if (node.items) walk(node.items, `${path}[]`);
    if (typeof node.additionalProperties === "object" && !node.additionalProperties.type) problems.push(`${path}{}: no type`);
  };
  walk(schema, "");
  assert.deepEqual(problems, []);
  assert.deepEqual(schema.properties?.["metadata"], { type: "object" });
  const preserved: string[] = [];
  const findPreserved = (node: Schema, path: string) => {
    if (node["x-kubernetes-preserve-unknown-fields"]) preserved.push(path);
    for (const [k, v] of Object.entries(node.properties ?? {})) findPreserved(v, `${path}.${k}`);
    if (node.items) findPreserved(node.items, `${path}[]`);
  };
  findPreserved(schema, "");
  assert.deepEqual(preserved.sort(), [".spec.pod.resources", ".spec.pod.tolerations[]", ".spec.pod.topologySpreadConstraints[]"]);
});

test("the samples validate, and the API server's defaults equal withDefaults()", () => {
  const validate = validator();
  for (const file of ["natscluster-minimal.yaml", "natscluster-full.yaml"]) {
    const nc = sample(file);
    assert.ok(validate(nc), `${file}: ${JSON.stringify(validate.errors)}`);
  }
  const minimal = sample("natscluster-minimal.yaml");
  minimal.spec = {};
  assert.ok(validate(minimal));
  assert.equal(minimal.spec.size, DEFAULT_SIZE);
  assert.equal(minimal.spec.version, DEFAULT_VERSION);
  assert.equal(minimal.spec.lameDuckDurationSeconds, DEFAULT_LAME_DUCK_SECONDS);
  assert.equal(minimal.spec.paused, false);
  assert.equal(minimal.spec.noAdvertise, false);
  const withAuth = sample("natscluster-minimal.yaml");
  withAuth.spec = { auth: {}, tls: { serverSecret: "s" } };
  assert.ok(validate(withAuth));
  assert.deepEqual(withAuth.spec, withDefaults({ auth: {}, tls: { serverSecret: "s" } }));

  // A defaulted object builds the same children as the raw one.
  const raw = { ...sample("natscluster-full.yaml"), metadata: { name: "x", namespace: "n", uid: "u" } };
  const defaulted = structuredClone(raw);
  assert.ok(validate(defaulted));
  const ctx = { defaultImage: "skein:1", credentials: generateCredentials(raw.spec) };
  assert.deepEqual(buildChildren(defaulted, ctx), buildChildren(raw, ctx));
});

test("defaults pass their own schema", () => {
  const ajv = new Ajv({ strict: false, validateFormats: false });
  const walk = (node: Schema, path: string) => {
    if (node.default !== undefined) assert.ok(ajv.validate(node, node.default), `default of ${path}`);
    for (const [k, v] of Object.entries(node.properties ?? {})) walk(v, `${path}.${k}`);
    if (node.items) walk(node.items, `${path}[]`);
  };
  walk(schema, "");
});

test("bad specs are refused with the field named", () => {
  const validate = validator();
  const bad: Array<[string, Record<string, unknown>]> = [
    ["/spec/size", { size: -1 }],
    ["/spec/size", { size: 2.5 }],
    ["/spec/size", { size: "three" }],
    ["/spec/version", { version: "v2.9.10" }],
    ["/spec/version", { version: "latest" }],
    ["/spec/serverImage", { serverImage: "has space" }],
    ["/spec/natsConfig/maxPayload", { natsConfig: { maxPayload: 67108865 } }],
    ["/spec/natsConfig/maxPayload", { natsConfig: { maxPayload: 0 } }],
    ["/spec/natsConfig/writeDeadline", { natsConfig: { writeDeadline: "10 seconds" } }],
    ["/spec/natsConfig/pingInterval", { natsConfig: { pingInterval: "2" } }],
    ["/spec/natsConfig/debug", { natsConfig: { debug: "yes" } }],
    ["/spec/lameDuckDurationSeconds", { lameDuckDurationSeconds: 10 }],
    ["/spec/auth/clientsAuthSecret", { auth: { clientsAuthSecret: "Not_A_Name" } }],
    ["/spec/tls/routesTLSTimeout", { tls: { routesTLSTimeout: -1 } }],
    ["/spec/extraRoutes/0/route", { extraRoutes: [{ route: "not a url" }] }],
    ["/spec/pod/labels/team", { pod: { labels: { team: 7 } } }],
    ["/spec/pod/antiAffinity", { pod: { antiAffinity: "true" } }],
    ["/spec/paused", { paused: "no" }],
  ];
  for (const [path, spec] of bad) {
    const obj = { apiVersion: "skein.dev/v1alpha1", kind: "NatsCluster", metadata: { name: "x" }, spec };
    assert.equal(validate(obj), false, `accepted ${JSON.stringify(spec)}`);
    assert.ok(validate.errors?.some((e) => e.instancePath === path), `${JSON.stringify(spec)}: ${JSON.stringify(validate.errors)}`);
  }
  assert.equal(validate({ apiVersion: "skein.dev/v1alpha1", kind: "NatsCluster", metadata: { name: "x" } }), false, "spec is required");
});

test("the CEL rules and validateNatsCluster agree on what ajv cannot check", () => {
  const rules = [
    ...(lookup(".spec.natsConfig")?.["x-kubernetes-validations"] ?? []),
    ...(lookup(".spec.extraRoutes")?.items?.["x-kubernetes-validations"] ?? []),
  ];
  assert.deepEqual(rules.map((r) => r.rule), [
    "!has(self.maxPayload) || !has(self.maxPending) || self.maxPayload <= self.maxPending",
    "has(self.cluster) != has(self.route)",
  ]);
  const nc = (spec: NatsCluster["spec"]): NatsCluster => ({ apiVersion: "", kind: "", metadata: { name: "x" }, spec });
  assert.match(validateNatsCluster(nc({ natsConfig: { maxPayload: 2, maxPending: 1 } })).join(), /maxPayload/);
  assert.deepEqual(validateNatsCluster(nc({ natsConfig: { maxPayload: 1, maxPending: 1 } })), []);
  assert.match(validateNatsCluster(nc({ extraRoutes: [{ cluster: "a", route: "nats://b:1" }] })).join(), /exactly one/);
});

test("the ClusterRole grants every verb the children need, and no more than read on NatsClusters", () => {
  const docs = parseAllDocuments(readFileSync(join(repo, "operator", "deploy", "rbac.yaml"), "utf8")).map((d) => d.toJSON() as {
    kind: string; rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
  });
  const role = docs.find((d) => d.kind === "ClusterRole");
  assert.ok(role?.rules);
  const verbsFor = (group: string, resource: string) =>
    new Set(role.rules!.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs));
  const children = buildChildren(
    { apiVersion: "skein.dev/v1alpha1", kind: "NatsCluster", metadata: { name: "x", namespace: "n", uid: "u" }, spec: {} },
    { defaultImage: "i", credentials: generateCredentials({}) },
  );
  const plural: Record<string, string> = {
    ConfigMap: "configmaps", Secret: "secrets", Service: "services", StatefulSet: "statefulsets", PodDisruptionBudget: "poddisruptionbudgets",
  };
  for (const child of Object.values(children) as Array<{ apiVersion: string; kind: string }>) {
    const group = child.apiVersion.includes("/") ? child.apiVersion.split("/")[0]! : "";
    const verbs = verbsFor(group, plural[child.kind]!);
    for (const v of ["get", "list", "watch", "create", "update", "patch", "delete"]) assert.ok(verbs.has(v), `${child.kind}: ${v}`);
  }
  assert.deepEqual([...verbsFor(GROUP, PLURAL)].sort(), ["get", "list", "watch"]);
  assert.ok(verbsFor(GROUP, `${PLURAL}/status`).has("update"));
  assert.ok(verbsFor(GROUP, `${PLURAL}/finalizers`).has("update"), "needed for blockOwnerDeletion");
  assert.ok(!role.rules.some((r) => r.verbs.includes("*") || r.resources.includes("*")), "no wildcards");
  assert.ok(docs.some((d) => d.kind === "Role" && d.rules?.some((r) => r.resources.includes("leases"))));
});
