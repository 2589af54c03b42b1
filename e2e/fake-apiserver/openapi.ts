// OpenAPI v3 as kubectl 1.32 reads it: the /openapi/v3 index and one document per group version.
// PATCH operations carry x-kubernetes-group-version-kind and the fieldValidation parameter, so kubectl
// leaves validation to the server; custom resources carry their CRD schema, so `kubectl explain` works.
// Built-in kinds publish no SMP request body, so `kubectl apply` falls back to its compiled-in types.
import { createHash } from "node:crypto";
import { clone, isObject, type JsonObject } from "./json.js";
import { apiVersionOf, type Registry, type ResourceType } from "./registry.js";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** Schema names as the API server derives them: group reversed, then version and kind. */
function schemaName(t: ResourceType, kind = t.kind): string {
  if (!t.group) return `io.k8s.api.core.${t.version}.${kind}`;
  if (!t.custom && !t.group.includes(".")) return `io.k8s.api.${t.group}.${t.version}.${kind}`;
  if (!t.custom) return `io.k8s.api.${t.group.split(".")[0]}.${t.version}.${kind}`;
  return `${t.group.split(".").reverse().join(".")}.${t.version}.${kind}`;
}

const objectMeta: JsonObject = {
  description: "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
  type: "object",
  properties: {
    name: { type: "string", description: "Name must be unique within a namespace." },
    generateName: { type: "string", description: "GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided." },
    namespace: { type: "string", description: "Namespace defines the space within which each name must be unique." },
    labels: { type: "object", additionalProperties: { type: "string", default: "" }, description: "Map of string keys and values that can be used to organize and categorize (scope and select) objects." },
    annotations: { type: "object", additionalProperties: { type: "string", default: "" }, description: "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata." },
    uid: { type: "string", description: "UID is the unique in time and space value for this object." },
    resourceVersion: { type: "string", description: "An opaque value that represents the internal version of this object." },
    generation: { type: "integer", format: "int64", description: "A sequence number representing a specific generation of the desired state." },
    creationTimestamp: { type: "string", format: "date-time", description: "CreationTimestamp is a timestamp representing the server time when this object was created." },
    deletionTimestamp: { type: "string", format: "date-time", description: "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted." },
    finalizers: { type: "array", items: { type: "string", default: "" }, "x-kubernetes-list-type": "set", description: "Must be empty before the object is deleted from the registry." },
    ownerReferences: { type: "array", items: { type: "object" }, "x-kubernetes-patch-merge-key": "uid", "x-kubernetes-patch-strategy": "merge", description: "List of objects depended by this object." },
  },
};

const listMeta: JsonObject = {
  description: "ListMeta describes metadata that synthetic resources must have, including lists and various status objects.",
  type: "object",
  properties: {
    resourceVersion: { type: "string", description: "String that identifies the server's internal version of this object." },
    continue: { type: "string", description: "continue may be set if the user set a limit on the number of items returned." },
    remainingItemCount: { type: "integer", format: "int64", description: "The number of subsequent items in the list which are not included in this list response." },
  },
};

function param(name: string, inWhere: "query" | "path"): JsonObject {
  return inWhere === "path" ? { name, in: "path", required: true, schema: { type: "string", uniqueItems: true } }
    : { name, in: "query", schema: { type: "string", uniqueItems: true } };
}

function op(t: ResourceType, action: string, schema: string | undefined, params: JsonObject[], body?: string[]): JsonObject {
  const o: JsonObject = {
    tags: [apiVersionOf(t)], operationId: `${action}${t.kind}`, parameters: params,
    responses: { "200": { description: "OK", content: schema ? { "application/json": { schema: { $ref: `#/components/schemas/${schema}` } } } : {} } },
    "x-kubernetes-action": action, "x-kubernetes-group-version-kind": { group: t.group, version: t.version, kind: t.kind },
  };
  if (body) o.requestBody = { content: Object.fromEntries(body.map((ct) => [ct, { schema: { $ref: `#/components/schemas/${schema ?? ""}` } }])), required: true };
  return o;
}

const PATCH_TYPES_CUSTOM = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"];

function pathsOf(t: ResourceType): [string, JsonObject][] {
  const base = `/${gvPath(t.group, t.version)}`;
  const coll = t.namespaced ? `${base}/namespaces/{namespace}/${t.plural}` : `${base}/${t.plural}`;
  const nsParam = t.namespaced ? [param("namespace", "path")] : [];
  const write = ["dryRun", "fieldManager", "fieldValidation"].map((n) => param(n, "query"));
  const s = schemaName(t);
  const item: JsonObject = {
    parameters: [param("name", "path"), ...nsParam, param("pretty", "query")],
    get: op(t, "get", s, []),
    put: op(t, "put", s, write, ["*/*"]),
    patch: op(t, "patch", s, [...write, param("force", "query")], PATCH_TYPES_CUSTOM),
    delete: op(t, "delete", undefined, ["dryRun", "gracePeriodSeconds", "propagationPolicy"].map((n) => param(n, "query"))),
  };
  const collection: JsonObject = {
    parameters: [...nsParam, param("pretty", "query")],
    get: op(t, "list", schemaName(t, `${t.kind}List`), ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "watch"].map((n) => param(n, "query"))),
    post: op(t, "post", s, write, ["*/*"]),
  };
  const out: [string, JsonObject][] = [[coll, collection], [`${coll}/{name}`, item]];
  if (t.statusSubresource) {
    out.push([`${coll}/{name}/status`, { parameters: item.parameters, get: op(t, "get", s, []), put: op(t, "put", s, write, ["*/*"]),
      patch: op(t, "patch", s, [...write, param("force", "query")], PATCH_TYPES_CUSTOM) }]);
  }
  return out;
}

/** The resource's schema: the CRD's with standard apiVersion/kind/metadata, or an open object for built-ins. */
function resourceSchema(t: ResourceType): JsonObject {
  const src = t.custom?.schema ? clone(t.custom.schema) : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  const props = isObject(src.properties) ? src.properties : {};
  src.properties = {
    apiVersion: { type: "string", description: "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values." },
    kind: { type: "string", description: "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase." },
    ...props,
    metadata: { allOf: [{ $ref: `#/components/schemas/${META}.ObjectMeta` }], description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
  };
  src["x-kubernetes-group-version-kind"] = [{ group: t.group, kind: t.kind, version: t.version }];
  return src;
}

function listSchema(t: ResourceType): JsonObject {
  return {
    description: `${t.kind}List is a list of ${t.kind}`, type: "object", required: ["items"],
    properties: {
      apiVersion: { type: "string" }, kind: { type: "string" },
      items: { type: "array", items: { $ref: `#/components/schemas/${schemaName(t)}` } },
      metadata: { allOf: [{ $ref: `#/components/schemas/${META}.ListMeta` }] },
    },
    "x-kubernetes-group-version-kind": [{ group: t.group, kind: `${t.kind}List`, version: t.version }],
  };
}

export function openApiV3Doc(registry: Registry, path: string): JsonObject | undefined {
  const gv = registry.groupVersions().flatMap((g) => g.versions.map((v) => ({ group: g.group, version: v })))
    .find((x) => gvPath(x.group, x.version) === path);
  if (!gv) return undefined;
  const types = registry.resourcesOf(gv.group, gv.version);
  const schemas: JsonObject = { [`${META}.ObjectMeta`]: objectMeta, [`${META}.ListMeta`]: listMeta };
  const paths: JsonObject = {};
  for (const t of types) {
    for (const [p, item] of pathsOf(t)) paths[p] = item;
    schemas[schemaName(t)] = resourceSchema(t);
    schemas[schemaName(t, `${t.kind}List`)] = listSchema(t);
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.32.0" }, paths, components: { schemas } };
}

export function openApiV3Index(registry: Registry): JsonObject {
  const paths: JsonObject = {};
  for (const g of registry.groupVersions()) {
    for (const v of g.versions) {
      const p = gvPath(g.group, v);
      const hash = createHash("sha512").update(JSON.stringify(openApiV3Doc(registry, p))).digest("hex").toUpperCase();
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
    }
  }
  return { paths };
}
