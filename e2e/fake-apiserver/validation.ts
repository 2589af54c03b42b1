// Custom resources against their CRD's structural schema: defaults applied, unknown fields pruned
// (unless x-kubernetes-preserve-unknown-fields), then ajv validation reported in the API server's words.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { isObject, type JsonObject } from "./json.js";
import type { ResourceType } from "./registry.js";
import type { FieldError } from "./status.js";
import { CelError, compile, evaluate, usesOldSelf } from "./cel.js";

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const compiled = new WeakMap<JsonObject, ValidateFunction>();

/** OpenAPI v3.0 (as CRDs write it) to the JSON Schema ajv understands. */
function toJsonSchema(s: unknown): unknown {
  if (!isObject(s)) return s;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith("x-kubernetes-") || k === "nullable" || k === "default" || k === "example" || k === "description" || k === "externalDocs") continue;
    if (k === "properties" && isObject(v)) out.properties = Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, toJsonSchema(ps)]));
    else if (k === "items" || k === "not" || (k === "additionalProperties" && isObject(v))) out[k] = toJsonSchema(v);
    else if ((k === "anyOf" || k === "oneOf" || k === "allOf") && Array.isArray(v)) out[k] = v.map(toJsonSchema);
    else if (k === "exclusiveMinimum" || k === "exclusiveMaximum") continue;
    else out[k] = v;
  }
  if (s.exclusiveMinimum === true && typeof s.minimum === "number") { out.exclusiveMinimum = s.minimum; delete out.minimum; }
  if (s.exclusiveMaximum === true && typeof s.maximum === "number") { out.exclusiveMaximum = s.maximum; delete out.maximum; }
  if (s["x-kubernetes-int-or-string"] === true) {
    delete out.type;
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (s.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  return out;
}

function validatorFor(schema: JsonObject): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    const root = toJsonSchema(schema) as JsonObject;
    if (isObject(root.properties)) {
      const props = { ...root.properties };
      delete props.metadata;
      root.properties = props;
    }
    v = ajv.compile(root);
    compiled.set(schema, v);
  }
  return v;
}

/** Fills in `default`s where the parent exists, as the API server does on decode. */
export function applyDefaults(value: unknown, schema: unknown): void {
  if (!isObject(schema)) return;
  if (isObject(value)) {
    const props = isObject(schema.properties) ? schema.properties : {};
    for (const [k, ps] of Object.entries(props)) {
      if (value[k] === undefined && isObject(ps) && ps.default !== undefined) value[k] = JSON.parse(JSON.stringify(ps.default));
      if (value[k] !== undefined) applyDefaults(value[k], ps);
    }
    if (isObject(schema.additionalProperties)) {
      for (const [k, v] of Object.entries(value)) if (!(k in props)) applyDefaults(v, schema.additionalProperties);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) applyDefaults(item, schema.items);
  }
}

/** Removes fields the schema does not declare; returns their paths (`spec.foo`). */
export function prune(value: unknown, schema: unknown, path: string, out: string[]): void {
  if (!isObject(schema) || (schema["x-kubernetes-preserve-unknown-fields"] === true && !isObject(schema.properties))) return;
  if (isObject(value)) {
    const props = isObject(schema.properties) ? schema.properties : undefined;
    const addl = schema.additionalProperties;
    for (const k of Object.keys(value)) {
      const sub = `${path}${path ? "." : ""}${k}`;
      if (props && k in props) prune(value[k], props[k], sub, out);
      else if (isObject(addl)) prune(value[k], addl, sub, out);
      else if (addl === true || schema["x-kubernetes-preserve-unknown-fields"] === true) continue;
      else if (schema["x-kubernetes-embedded-resource"] === true && ["apiVersion", "kind", "metadata"].includes(k)) continue;
      else { out.push(sub); delete value[k]; }
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => prune(item, schema.items, `${path}[${i}]`, out));
  }
}

function fieldPath(instancePath: string): string {
  let out = "";
  for (const part of instancePath.split("/").slice(1)) {
    const p = part.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(p) ? `[${p}]` : `${out ? "." : ""}${p}`;
  }
  return out;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function valueAt(root: unknown, instancePath: string): unknown {
  let cur = root;
  for (const part of instancePath.split("/").slice(1)) {
    const p = part.replace(/~1/g, "/").replace(/~0/g, "~");
    cur = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
  }
  return cur;
}

/** One ajv error in the wording of k8s.io/kube-openapi's validator. */
function toFieldError(e: ErrorObject, root: unknown): FieldError | undefined {
  const field = fieldPath(e.instancePath);
  const value = valueAt(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const inBody = `${field} in body`;
  switch (e.keyword) {
    case "required": {
      const child = String(p.missingProperty);
      return { field: field ? `${field}.${child}` : child, type: "Required value", detail: "" };
    }
    case "type":
      return { field, type: "Invalid value", value: typeName(value), detail: `${inBody} must be of type ${String(Array.isArray(p.type) ? p.type[0] : p.type)}: ${JSON.stringify(typeName(value))}` };
    case "enum":
      return { field, type: "Unsupported value", value, detail: `supported values: ${(Array.isArray(p.allowedValues) ? p.allowedValues : []).map((v) => JSON.stringify(v)).join(", ")}` };
    case "minimum": return { field, type: "Invalid value", value, detail: `${inBody} should be greater than or equal to ${String(p.limit)}` };
    case "maximum": return { field, type: "Invalid value", value, detail: `${inBody} should be less than or equal to ${String(p.limit)}` };
    case "exclusiveMinimum": return { field, type: "Invalid value", value, detail: `${inBody} should be greater than ${String(p.limit)}` };
    case "exclusiveMaximum": return { field, type: "Invalid value", value, detail: `${inBody} should be less than ${String(p.limit)}` };
    case "multipleOf": return { field, type: "Invalid value", value, detail: `${inBody} should be a multiple of ${String(p.multipleOf)}` };
    case "minLength": return { field, type: "Invalid value", value, detail: `${inBody} should be at least ${String(p.limit)} chars long` };
    case "maxLength": return { field, type: "Too long", detail: `may not be more than ${String(p.limit)} bytes` };
    case "pattern": return { field, type: "Invalid value", value, detail: `${inBody} should match '${String(p.pattern)}'` };
    case "minItems": return { field, type: "Invalid value", value: Array.isArray(value) ? value.length : value, detail: `${inBody} should have at least ${String(p.limit)} items` };
    case "maxItems": return { field, type: "Too many", detail: `${Array.isArray(value) ? value.length : 0}: must have at most ${String(p.limit)} items` };
    case "uniqueItems": return { field: `${field}[${String(p.j)}]`, type: "Duplicate value", value: Array.isArray(value) ? value[Number(p.j)] : value, detail: "" };
    case "minProperties": return { field, type: "Invalid value", value: isObject(value) ? Object.keys(value).length : value, detail: `${inBody} should have at least ${String(p.limit)} properties` };
    case "maxProperties": return { field, type: "Too many", detail: `${isObject(value) ? Object.keys(value).length : 0}: must have at most ${String(p.limit)} items` };
    case "anyOf": case "oneOf": case "allOf": case "not":
      return { field, type: "Invalid value", value, detail: `${inBody} must validate ${e.keyword === "not" ? "not" : e.keyword === "allOf" ? "all the schemas (allOf)" : e.keyword === "oneOf" ? "one and only one schema (oneOf)" : "at least one schema (anyOf)"}` };
    case "additionalProperties": return undefined; // pruned earlier; reported as unknown fields
    default:
      return { field, type: "Invalid value", value, detail: e.message ?? e.keyword };
  }
}

const CEL_REASONS: Record<string, FieldError["type"]> = {
  FieldValueInvalid: "Invalid value", FieldValueForbidden: "Forbidden", FieldValueRequired: "Required value", FieldValueDuplicate: "Duplicate value",
};

function join(path: string, f: string): string {
  if (f.startsWith("[")) return path + f;
  return path ? `${path}.${f}` : f;
}

/** Evaluates `x-kubernetes-validations` rules (CEL) wherever the value exists; transition rules need the old value. */
function celRules(value: unknown, old: unknown, schema: unknown, path: string, errs: FieldError[]): void {
  if (value === undefined || !isObject(schema)) return;
  const rules = Array.isArray(schema["x-kubernetes-validations"]) ? schema["x-kubernetes-validations"].filter(isObject) : [];
  for (const r of rules) {
    const rule = typeof r.rule === "string" ? r.rule : "";
    if (usesOldSelf(rule) && old === undefined && r.optionalOldSelf !== true) continue;
    const type = typeof schema.type === "string" ? schema.type : "object";
    const at = typeof r.fieldPath === "string" ? join(path, r.fieldPath.replace(/^\./, "")) : path;
    let ok: unknown;
    try {
      ok = evaluate(compile(rule), { self: value, oldSelf: old });
    } catch (e) {
      if (!(e instanceof CelError) || /^(undeclared reference|unexpected|expected|unterminated)/.test(e.message)) continue; // not evaluable here
      errs.push({ field: at, type: "Invalid value", value: type, detail: `${e.message} evaluating rule: ${rule}` });
      continue;
    }
    if (ok === true) continue;
    let message = typeof r.message === "string" ? r.message : `failed rule: ${rule}`;
    if (typeof r.messageExpression === "string") {
      try {
        const m = evaluate(compile(r.messageExpression), { self: value, oldSelf: old });
        if (typeof m === "string" && m !== "") message = m;
      } catch { /* keep message */ }
    }
    const kind = CEL_REASONS[typeof r.reason === "string" ? r.reason : "FieldValueInvalid"] ?? "Invalid value";
    errs.push(kind === "Invalid value" || kind === "Duplicate value" ? { field: at, type: kind, value: type, detail: message } : { field: at, type: kind, detail: message });
  }
  if (isObject(value)) {
    const props = isObject(schema.properties) ? schema.properties : {};
    const oldObj = isObject(old) ? old : undefined;
    for (const [k, v] of Object.entries(value)) {
      const ps = k in props ? props[k] : schema.additionalProperties;
      celRules(v, oldObj?.[k], ps, join(path, k), errs);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => celRules(item, undefined, schema.items, `${path}[${i}]`, errs));
  }
}

/**
 * Defaults, prunes and validates a custom resource in place. `unknown` lists the pruned fields, so the
 * caller can honour fieldValidation (Strict refuses them, Warn reports them).
 */
export function validateCustomResource(t: ResourceType, o: JsonObject, old?: JsonObject): { errors: FieldError[]; warnings: string[]; unknown: string[] } {
  const schema = t.custom?.schema;
  if (!schema) return { errors: [], warnings: [], unknown: [] };
  const unknown: string[] = [];
  if (!t.custom?.preserveUnknownAtRoot) {
    const props = isObject(schema.properties) ? schema.properties : {};
    for (const k of Object.keys(o)) {
      if (["apiVersion", "kind", "metadata"].includes(k)) continue;
      if (k in props) prune(o[k], props[k], k, unknown);
      else if (schema["x-kubernetes-preserve-unknown-fields"] !== true) { unknown.push(k); delete o[k]; }
    }
  }
  applyDefaults(o, schema);
  const v = validatorFor(schema);
  const errors: FieldError[] = [];
  if (!v(o)) {
    const seen = new Set<string>();
    for (const e of v.errors ?? []) {
      const fe = toFieldError(e, o);
      if (!fe) continue;
      const k = `${fe.field}|${fe.type}|${fe.detail}`;
      if (!seen.has(k)) { seen.add(k); errors.push(fe); }
    }
  }
  if (errors.length === 0) {
    const props = isObject(schema.properties) ? schema.properties : {};
    for (const [k, v] of Object.entries(o)) if (k !== "metadata" && k in props) celRules(v, old?.[k], props[k], k, errors);
  }
  return { errors, warnings: [], unknown };
}
