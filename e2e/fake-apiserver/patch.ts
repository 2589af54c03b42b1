// PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch with the
// merge keys and directives ($patch, $retainKeys, $setElementOrder, $deleteFromPrimitiveList) that
// kubectl sends for built-in kinds.
import { clone, deepEqual, isObject, type JsonObject } from "./json.js";
import { ApiError, badRequest } from "./status.js";

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function unescape(tok: string): string {
  return tok.replace(/~1/g, "/").replace(/~0/g, "~");
}

function pointer(path: unknown): string[] {
  if (typeof path !== "string" || (path !== "" && !path.startsWith("/"))) throw badRequest(`the server rejected our request due to an error in our request`);
  return path === "" ? [] : path.slice(1).split("/").map(unescape);
}

function patchError(msg: string): ApiError {
  return new ApiError(422, "Invalid", msg);
}

function resolveParent(doc: unknown, toks: string[]): { parent: unknown; last: string } {
  let cur = doc;
  for (const t of toks.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw patchError(`doc is missing path: "/${toks.join("/")}": missing value`);
  }
  return { parent: cur, last: toks[toks.length - 1] ?? "" };
}

function getAt(doc: unknown, toks: string[]): unknown {
  let cur = doc;
  for (const t of toks) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else return undefined;
  }
  return cur;
}

function arrayIndex(arr: unknown[], tok: string, forInsert: boolean): number {
  if (tok === "-" && forInsert) return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(tok)) throw patchError(`Unable to access invalid index: ${tok}`);
  const i = Number(tok);
  if (i > arr.length || (!forInsert && i === arr.length)) throw patchError(`Unable to access invalid index: ${i}`);
  return i;
}

function addAt(doc: unknown, toks: string[], value: unknown): unknown {
  if (toks.length === 0) return clone(value);
  const { parent, last } = resolveParent(doc, toks);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true), 0, clone(value));
  else if (isObject(parent)) parent[last] = clone(value);
  else throw patchError(`doc is missing path: "/${toks.join("/")}": missing value`);
  return doc;
}

function removeAt(doc: unknown, toks: string[]): unknown {
  const { parent, last } = resolveParent(doc, toks);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false), 1);
  else if (isObject(parent) && last in parent) delete parent[last];
  else throw patchError(`Unable to remove nonexistent key: ${last}: missing value`);
  return doc;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  let doc = clone(target);
  for (const raw of ops) {
    if (!isObject(raw)) throw badRequest("invalid JSON patch operation");
    const op = raw.op;
    const toks = pointer(raw.path);
    switch (op) {
      case "add": doc = addAt(doc, toks, raw.value); break;
      case "remove": doc = removeAt(doc, toks); break;
      case "replace": {
        if (toks.length === 0) { doc = clone(raw.value); break; }
        if (getAt(doc, toks) === undefined) throw patchError(`replace operation does not apply: doc is missing key: /${toks.join("/")}: missing value`);
        doc = removeAt(doc, toks);
        doc = addAt(doc, toks, raw.value);
        break;
      }
      case "move": case "copy": {
        const from = pointer(raw.from);
        const v = getAt(doc, from);
        if (v === undefined) throw patchError(`${String(op)} operation does not apply: doc is missing from path: /${from.join("/")}: missing value`);
        if (op === "move") doc = removeAt(doc, from);
        doc = addAt(doc, toks, v);
        break;
      }
      case "test":
        if (!deepEqual(getAt(doc, toks), raw.value)) throw patchError(`testing value /${toks.join("/")} failed: test failed`);
        break;
      default:
        throw badRequest(`Unexpected kind: ${String(op)}`);
    }
  }
  return doc;
}

/** Merge keys of the built-in types' lists, by field name (the element decides for `ports`). */
const MERGE_KEYS: Record<string, string> = {
  containers: "name", initContainers: "name", ephemeralContainers: "name", env: "name", volumes: "name",
  volumeMounts: "mountPath", volumeDevices: "devicePath", imagePullSecrets: "name", ownerReferences: "uid",
  conditions: "type", hostAliases: "ip", topologySpreadConstraints: "topologyKey", resourceClaims: "name",
  readinessGates: "conditionType", addresses: "ip", taints: "key",
};
/** Lists of primitives that merge as sets. */
const SET_LISTS = new Set(["finalizers"]);

export function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  if (field === "ports") {
    const first = items.find(isObject);
    if (first && "containerPort" in first) return "containerPort";
    return "port";
  }
  return MERGE_KEYS[field];
}

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  return smpObject(isObject(target) ? target : {}, patch);
}

function smpObject(target: JsonObject, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === "replace") {
    const p = clone(patch);
    delete p.$patch;
    return stripDirectives(p);
  }
  if (patch.$patch === "delete") return undefined;
  const out = clone(target);
  const retain = Array.isArray(patch.$retainKeys) ? patch.$retainKeys as string[] : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys" || k.startsWith("$setElementOrder/")) continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      const del = Array.isArray(v) ? v : [];
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = cur.filter((x) => !del.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) { delete out[k]; continue; }
    if (Array.isArray(v)) out[k] = smpList(k, Array.isArray(out[k]) ? out[k] as unknown[] : [], v);
    else if (isObject(v)) {
      const merged = smpObject(isObject(out[k]) ? out[k] as JsonObject : {}, v);
      if (merged === undefined) delete out[k]; else out[k] = merged;
    } else out[k] = v;
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith("$setElementOrder/") || !Array.isArray(v)) continue;
    const field = k.slice("$setElementOrder/".length);
    const cur = out[field];
    if (Array.isArray(cur)) out[field] = orderBy(field, cur, v);
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function orderBy(field: string, cur: unknown[], order: unknown[]): unknown[] {
  const key = mergeKeyFor(field, cur);
  const idOf = (x: unknown): unknown => (key && isObject(x) ? x[key] : x);
  const orderIds = order.map(idOf);
  const listed = orderIds.map((id) => cur.find((x) => deepEqual(idOf(x), id))).filter((x) => x !== undefined);
  const rest = cur.filter((x) => !orderIds.some((id) => deepEqual(idOf(x), id)));
  return [...listed, ...rest];
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => !(isObject(x) && x.$patch === "delete")).map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith("$")) out[k] = stripDirectives(x);
  return out;
}

function smpList(field: string, cur: unknown[], patch: unknown[]): unknown[] {
  if (patch.some((x) => isObject(x) && x.$patch === "replace")) {
    return patch.filter((x) => !(isObject(x) && x.$patch === "replace")).map(stripDirectives);
  }
  if (SET_LISTS.has(field)) {
    const out = [...cur];
    for (const x of patch) if (!out.some((y) => deepEqual(x, y))) out.push(x);
    return out;
  }
  const key = mergeKeyFor(field, [...patch, ...cur]);
  if (!key || !patch.every(isObject)) return patch.map(stripDirectives);
  const out = cur.map((x) => clone(x));
  for (const p of patch as JsonObject[]) {
    const id = p[key];
    const i = out.findIndex((x) => isObject(x) && deepEqual(x[key], id));
    if (p.$patch === "delete") { if (i >= 0) out.splice(i, 1); continue; }
    if (i >= 0) out[i] = smpObject(out[i] as JsonObject, p);
    else out.push(stripDirectives(p));
  }
  return out;
}
