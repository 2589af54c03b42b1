// Decides whether a child on the server still matches what the builders want, and builds the body
// of the update when it does not. We compare only the fields we own: the API server adds defaults
// (imagePullPolicy, terminationMessagePath, protocol, clusterIP, sessionAffinity...) and server
// fields (resourceVersion, uid, status...) that must never cause a write.
import { createHash } from "node:crypto";
import type { V1OwnerReference } from "@kubernetes/client-node";
import type { KubeObject } from "./kube-api.js";
import type { ChildKind } from "./informers.js";

/** Annotation holding a hash of what we last wrote; it catches fields we removed from the desired state. */
export const DESIRED_HASH_ANNOTATION = "skein.dev/desired-hash";
/** Annotations other actors put on a pod template that an update must keep (a roll would follow). */
const KEPT_TEMPLATE_ANNOTATIONS = ["kubectl.kubernetes.io/restartedAt"];
/** Service fields the API server allocates; an update that drops them is refused or reallocates. */
const SERVER_ALLOCATED_SERVICE_FIELDS = ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "healthCheckNodePort"];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: unknown): v is JsonObject { return typeof v === "object" && v !== null && !Array.isArray(v); }

/** A zero value that Go's omitempty drops, so the server may not echo it back. */
function isEmptyValue(v: unknown): boolean {
  return v === undefined || v === null || v === false || v === 0 || v === "" ||
    (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}

const QUANTITY_SUFFIX: Record<string, number> = {
  "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a resource.Quantity string ("500m", "0.5", "1Gi", "1e3"), or undefined. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === "number") return q;
  if (typeof q !== "string") return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|([a-zA-Z]{0,2}))$/.exec(q);
  if (!m) return undefined;
  const mult = m[2] !== undefined ? 10 ** Number(m[2].slice(1)) : QUANTITY_SUFFIX[m[3] ?? ""];
  return mult === undefined ? undefined : Number(m[1]) * mult;
}

/** Keys whose values are maps of resource.Quantity; the server canonicalises them ("0.5" -> "500m"). */
const QUANTITY_MAPS = new Set(["limits", "requests"]);

/**
 * True when every field set in `desired` has the same value in `actual`. Extra fields in `actual`
 * (server defaults) are ignored; arrays must have the same length, element by element; quantities
 * under resources limits/requests compare by value.
 */
export function isSubset(desired: unknown, actual: unknown, quantities = false): boolean {
  if (actual === undefined || actual === null) return isEmptyValue(desired);
  if (Array.isArray(desired)) {
    return Array.isArray(actual) && actual.length === desired.length && desired.every((d, i) => isSubset(d, actual[i]));
  }
  if (isObject(desired)) {
    if (!isObject(actual)) return false;
    return Object.entries(desired).every(([k, v]) => v === undefined || isSubset(v, actual[k], quantities || QUANTITY_MAPS.has(k)));
  }
  if (quantities && desired !== actual) {
    const d = parseQuantity(desired), a = parseQuantity(actual);
    return d !== undefined && d === a;
  }
  return desired === actual;
}

/** Deep equality of JSON values, ignoring key order and undefined fields. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** Secrets: the server stores stringData as base64 data; compare and write in that form. */
function normalizeSecret(obj: JsonObject): void {
  const stringData = obj.stringData;
  if (!isObject(stringData)) return;
  const data: JsonObject = isObject(obj.data) ? { ...obj.data } : {};
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), "utf8").toString("base64");
  obj.data = data;
  delete obj.stringData;
}

/** The parts of a child we own, besides metadata. */
function ownedContent(kind: ChildKind, obj: JsonObject): JsonObject {
  switch (kind) {
    case "ConfigMap": return { data: obj.data ?? {}, binaryData: obj.binaryData ?? {} };
    case "Secret": return { type: obj.type ?? "Opaque", data: obj.data ?? {} };
    default: return { spec: obj.spec ?? {} };
  }
}

/** The desired object in wire form, with the desired-hash annotation set. */
export function prepareDesired(kind: ChildKind, desired: object): KubeObject {
  const obj = JSON.parse(JSON.stringify(desired)) as JsonObject;
  if (kind === "Secret") normalizeSecret(obj);
  const meta = (isObject(obj.metadata) ? obj.metadata : (obj.metadata = {})) as JsonObject;
  const hash = createHash("sha256").update(stableStringify({
    content: ownedContent(kind, obj), labels: meta.labels ?? {}, annotations: meta.annotations ?? {},
  })).digest("hex").slice(0, 16);
  meta.annotations = { ...(isObject(meta.annotations) ? meta.annotations : {}), [DESIRED_HASH_ANNOTATION]: hash };
  return obj as KubeObject;
}

function controllerRef(obj: KubeObject): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** Why `actual` may not be updated by us (it is controlled by something else), or undefined. */
export function foreignController(desired: KubeObject, actual: KubeObject): string | undefined {
  const want = controllerRef(desired);
  const have = controllerRef(actual);
  if (!want || !have) return undefined;
  if (have.uid !== want.uid || have.kind !== want.kind) {
    return `${actual.kind ?? "object"} ${actual.metadata?.name ?? ""} is controlled by ${have.kind} ${have.name} (uid ${have.uid}), not by this ${want.kind}`;
  }
  return undefined;
}

/** True when `actual` no longer carries what we want (hand edits, or a changed desired state). */
export function differs(kind: ChildKind, desired: KubeObject, actual: KubeObject): boolean {
  const dm = desired.metadata ?? {};
  const am = actual.metadata ?? {};
  if (!isSubset(dm.labels ?? {}, am.labels ?? {})) return true;
  if (!isSubset(dm.annotations ?? {}, am.annotations ?? {})) return true;
  const want = controllerRef(desired);
  if (want && !am.ownerReferences?.some((r) => r.uid === want.uid && r.controller === true)) return true;
  const d = ownedContent(kind, desired as unknown as JsonObject);
  const a = ownedContent(kind, actual as unknown as JsonObject);
  // ConfigMap and Secret contents are ours entirely: a key added by hand is drift too.
  if (kind === "ConfigMap" || kind === "Secret") return !jsonEqual(d, a);
  return !isSubset(d, a);
}

/** The body of a PUT that makes `actual` what we want, keeping what other actors own. */
export function updateBody(kind: ChildKind, desired: KubeObject, actual: KubeObject): KubeObject {
  const dm = desired.metadata ?? {};
  const am = actual.metadata ?? {};
  const want = controllerRef(desired);
  const otherRefs = (am.ownerReferences ?? []).filter((r) => r.controller !== true && r.uid !== want?.uid);
  const body: JsonObject = {
    apiVersion: desired.apiVersion ?? actual.apiVersion ?? null,
    kind: desired.kind ?? actual.kind ?? null,
    metadata: JSON.parse(JSON.stringify({
      name: am.name, namespace: am.namespace, resourceVersion: am.resourceVersion, uid: am.uid,
      finalizers: am.finalizers,
      labels: { ...am.labels, ...dm.labels },
      annotations: { ...am.annotations, ...dm.annotations },
      ownerReferences: [...otherRefs, ...(dm.ownerReferences ?? [])],
    })) as JsonObject,
    ...(JSON.parse(JSON.stringify(ownedContent(kind, desired as unknown as JsonObject))) as JsonObject),
  };
  const spec = body.spec;
  const actualSpec = (actual as unknown as JsonObject).spec;
  if (kind === "Service" && isObject(spec) && isObject(actualSpec)) {
    for (const f of SERVER_ALLOCATED_SERVICE_FIELDS) if (spec[f] === undefined && actualSpec[f] !== undefined) spec[f] = actualSpec[f] as Json;
  }
  if (kind === "StatefulSet" && isObject(spec) && isObject(actualSpec)) {
    const have = (actualSpec.template as JsonObject | undefined)?.metadata as JsonObject | undefined;
    const haveAnn = isObject(have?.annotations) ? have.annotations : {};
    const tmpl = isObject(spec.template) ? spec.template : (spec.template = {});
    const meta = isObject(tmpl.metadata) ? tmpl.metadata : (tmpl.metadata = {});
    const ann = isObject(meta.annotations) ? meta.annotations : (meta.annotations = {});
    for (const k of KEPT_TEMPLATE_ANNOTATIONS) if (haveAnn[k] !== undefined && ann[k] === undefined) ann[k] = haveAnn[k] as Json;
  }
  return body as KubeObject;
}
