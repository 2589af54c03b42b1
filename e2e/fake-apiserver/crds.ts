// CustomResourceDefinitions: defaults and status as the API server sets them, and the registry
// entries that make their custom resources servable (and visible in discovery) once created.
import { isObject, meta, str, type JsonObject } from "./json.js";
import type { KindHooks } from "./operations.js";
import type { PrinterColumn, Registry, ScaleSpec } from "./registry.js";
import type { FieldError } from "./status.js";

export const CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

function names(o: JsonObject): JsonObject {
  const spec = isObject(o.spec) ? o.spec : {};
  return isObject(spec.names) ? spec.names : {};
}

function defaults(o: JsonObject): void {
  const spec = isObject(o.spec) ? o.spec : (o.spec = {});
  const n = isObject(spec.names) ? spec.names : (spec.names = {});
  if (typeof n.kind === "string") {
    n.singular ??= n.kind.toLowerCase();
    n.listKind ??= `${n.kind}List`;
  }
  spec.conversion ??= { strategy: "None" };
  for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
    if (!isObject(v)) continue;
    for (const c of Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []) {
      if (isObject(c) && c.jsonPath === undefined && typeof c.JSONPath === "string") c.jsonPath = c.JSONPath;
    }
  }
}

function status(o: JsonObject): JsonObject {
  const spec = isObject(o.spec) ? o.spec : {};
  const storage = (Array.isArray(spec.versions) ? spec.versions : []).find((v) => isObject(v) && v.storage === true);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const prevConditions = isObject(o.status) && Array.isArray(o.status.conditions) ? o.status.conditions.filter(isObject) : [];
  /** A condition that keeps its status keeps its lastTransitionTime, so an unchanged CRD is a no-op update. */
  const since = (type: string): string => {
    const c = prevConditions.find((x) => x.type === type && x.status === "True");
    return c && typeof c.lastTransitionTime === "string" ? c.lastTransitionTime : now;
  };
  const prev = isObject(o.status) && Array.isArray(o.status.storedVersions) ? o.status.storedVersions as string[] : [];
  const sv = isObject(storage) && typeof storage.name === "string" && !prev.includes(storage.name) ? [...prev, storage.name] : prev;
  return {
    acceptedNames: { ...names(o) },
    conditions: [
      { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found", lastTransitionTime: since("NamesAccepted") },
      { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted", lastTransitionTime: since("Established") },
    ],
    storedVersions: sv,
  };
}

function validate(o: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObject(o.spec) ? o.spec : {};
  const n = names(o);
  const name = str(meta(o).name) ?? "";
  if (!str(spec.group)) errs.push({ field: "spec.group", type: "Required value", detail: "" });
  if (!str(n.plural)) errs.push({ field: "spec.names.plural", type: "Required value", detail: "" });
  if (!str(n.kind)) errs.push({ field: "spec.names.kind", type: "Required value", detail: "" });
  if (str(spec.group) && str(n.plural) && name !== `${str(n.plural)}.${str(spec.group)}`) {
    errs.push({ field: "metadata.name", type: "Invalid value", value: name, detail: 'must be spec.names.plural+"."+spec.group' });
  }
  if (!["Namespaced", "Cluster"].includes(str(spec.scope) ?? "")) {
    errs.push({ field: "spec.scope", type: "Unsupported value", value: spec.scope ?? "", detail: 'supported values: "Cluster", "Namespaced"' });
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
  if (versions.length === 0) errs.push({ field: "spec.versions", type: "Invalid value", value: [], detail: "must have exactly one version marked as storage version" });
  else if (versions.filter((v) => v.storage === true).length !== 1) {
    errs.push({ field: "spec.versions", type: "Invalid value", value: versions.map((v) => v.name), detail: "must have exactly one version marked as storage version" });
  }
  versions.forEach((v, i) => {
    const schema = isObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (!isObject(schema)) errs.push({ field: `spec.versions[${i}].schema.openAPIV3Schema`, type: "Required value", detail: "schemas are required" });
  });
  return errs;
}

export function crdHooks(): KindHooks {
  return {
    prepareCreate(o) {
      defaults(o);
      const m = meta(o);
      const f = Array.isArray(m.finalizers) ? m.finalizers : [];
      if (!f.includes(CLEANUP_FINALIZER)) m.finalizers = [...f, CLEANUP_FINALIZER];
      o.status = status(o);
    },
    prepareUpdate(o) {
      defaults(o);
      o.status = status(o);
    },
    validate,
  };
}

/** Replaces the registry entries of one CRD with its currently served versions. */
export function registerCrd(registry: Registry, crd: JsonObject): void {
  const name = str(meta(crd).name) ?? "";
  registry.removeCrd(name);
  const spec = isObject(crd.spec) ? crd.spec : {};
  const n = names(crd);
  for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
    if (!isObject(v) || v.served !== true || typeof v.name !== "string") continue;
    const schema = isObject(v.schema) && isObject(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined;
    const sub = isObject(v.subresources) ? v.subresources : {};
    const scale = isObject(sub.scale) ? sub.scale : undefined;
    registry.add({
      group: str(spec.group) ?? "", version: v.name, plural: str(n.plural) ?? "", singular: str(n.singular) ?? "",
      kind: str(n.kind) ?? "", namespaced: spec.scope === "Namespaced",
      shortNames: Array.isArray(n.shortNames) ? n.shortNames.filter((s): s is string => typeof s === "string") : [],
      categories: Array.isArray(n.categories) ? n.categories.filter((s): s is string => typeof s === "string") : [],
      statusSubresource: isObject(sub.status),
      scale: scale ? { specReplicasPath: str(scale.specReplicasPath) ?? "", statusReplicasPath: str(scale.statusReplicasPath) ?? "",
        labelSelectorPath: str(scale.labelSelectorPath) } as ScaleSpec : undefined,
      generation: "content",
      custom: {
        crdName: name, schema,
        printerColumns: (Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []).filter(isObject) as unknown as PrinterColumn[],
        preserveUnknownAtRoot: schema?.["x-kubernetes-preserve-unknown-fields"] === true && !isObject(schema.properties),
      },
    });
  }
}
