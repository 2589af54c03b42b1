// The scale subresource (autoscaling/v1 Scale) of StatefulSets and of custom resources that declare one.
import { getPath, isObject, meta, setPath, str, type JsonObject } from "./json.js";
import type { Operations, WriteOptions } from "./operations.js";
import type { ResourceType } from "./registry.js";
import { badRequest, conflict, invalid } from "./status.js";

function selectorString(v: unknown): string {
  if (typeof v === "string") return v;
  if (!isObject(v)) return "";
  const parts: string[] = [];
  if (isObject(v.matchLabels)) for (const [k, x] of Object.entries(v.matchLabels)) parts.push(`${k}=${String(x)}`);
  for (const e of Array.isArray(v.matchExpressions) ? v.matchExpressions.filter(isObject) : []) {
    const vals = Array.isArray(e.values) ? e.values.join(",") : "";
    switch (e.operator) {
      case "In": parts.push(`${String(e.key)} in (${vals})`); break;
      case "NotIn": parts.push(`${String(e.key)} notin (${vals})`); break;
      case "Exists": parts.push(String(e.key)); break;
      case "DoesNotExist": parts.push(`!${String(e.key)}`); break;
    }
  }
  return parts.join(",");
}

export function scaleOf(t: ResourceType, o: JsonObject): JsonObject {
  const s = t.scale;
  if (!s) throw badRequest("the server could not find the requested resource");
  const m = meta(o);
  const status: JsonObject = { replicas: Number(getPath(o, s.statusReplicasPath) ?? 0) };
  if (s.labelSelectorPath) {
    const sel = selectorString(getPath(o, s.labelSelectorPath));
    if (sel) status.selector = sel;
  }
  const spec: JsonObject = {};
  const want = getPath(o, s.specReplicasPath);
  if (typeof want === "number") spec.replicas = want;
  return { kind: "Scale", apiVersion: "autoscaling/v1",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec, status };
}

/** Writes a Scale back into its object's replicas field. */
export function updateScale(ops: Operations, t: ResourceType, ns: string | undefined, name: string, body: unknown, opts: WriteOptions): JsonObject {
  const s = t.scale;
  if (!s) throw badRequest("the server could not find the requested resource");
  if (!isObject(body)) throw badRequest("the body of the request was in an unknown format");
  const cur = ops.get(t, ns, name);
  const rv = isObject(body.metadata) ? str(body.metadata.resourceVersion) : undefined;
  if (rv && rv !== str(meta(cur).resourceVersion)) throw conflict(t.plural, t.group, name);
  const replicas = isObject(body.spec) ? body.spec.replicas : undefined;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid("Scale", "autoscaling", name, [{ field: "spec.replicas", type: "Invalid value", value: replicas ?? null, detail: "must be greater than or equal to 0" }]);
  }
  setPath(cur, s.specReplicasPath, replicas);
  const written = ops.update(t, ns, name, cur, undefined, opts).object;
  return scaleOf(t, written);
}
