// The REST semantics of the API server on top of the store: create, read, list, update (main and
// status), delete with finalizers, with resourceVersion preconditions, generation and no-op detection.
import { randomUUID } from "node:crypto";
import { clone, deepEqual, isObject, meta, nowRfc3339, str, type JsonObject } from "./json.js";
import { apiVersionOf, storageKey, type Registry, type ResourceType } from "./registry.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { pruneBuiltin } from "./known-fields.js";
import { fromCoreEvent, isEventsV1, toCoreEvent } from "./events.js";
import { ApiError, alreadyExists, badRequest, conflict, gone, invalid, notFound, type FieldError } from "./status.js";
import type { Store } from "./store.js";

/** Per-kind behaviour: defaults, carried-over fields and validation (see strategies.ts, validation.ts). */
export interface KindHooks {
  prepareCreate?(obj: JsonObject, t: ResourceType): void;
  /** Called for main-resource updates only, after the system fields were carried over. */
  prepareUpdate?(obj: JsonObject, old: JsonObject, t: ResourceType): void;
  validate?(obj: JsonObject, old: JsonObject | undefined, t: ResourceType): FieldError[];
}

export interface WriteOptions { dryRun?: boolean; fieldValidation?: string }
export interface WriteResult { object: JsonObject; warnings: string[] }
export interface DeleteOptions { propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: boolean; gracePeriodSeconds?: number }
export interface ListOptions { labelSelector?: string; fieldSelector?: string; limit?: number; continueToken?: string; resourceVersion?: string; resourceVersionMatch?: string }

export type Validator = (t: ResourceType, obj: JsonObject, old: JsonObject | undefined, fieldValidation: string | undefined) => { errors: FieldError[]; warnings: string[]; unknown: string[] };

const NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class Operations {
  /** Called after every committed write, with the stored object (or the removed one). */
  readonly afterWrite: ((t: ResourceType, obj: JsonObject, removed: boolean) => void)[] = [];

  constructor(readonly store: Store, readonly registry: Registry, private readonly hooks: Map<string, KindHooks>,
    private readonly validateCustom: Validator) {}

  private hooksOf(t: ResourceType): KindHooks {
    return this.hooks.get(storageKey(t)) ?? {};
  }

  /** Presents a stored object in the requested version. */
  view(t: ResourceType, stored: JsonObject): JsonObject {
    const o = isEventsV1(t) ? fromCoreEvent(stored) : stored;
    o.apiVersion = apiVersionOf(t);
    o.kind = t.kind;
    return o;
  }

  /** Stores an object (in its storage shape) and returns it as the request's version shows it. */
  private persist(t: ResourceType, o: JsonObject): JsonObject {
    const stored = this.store.write(storageKey(t), isEventsV1(t) ? toCoreEvent(o) : o);
    return this.view(t, stored);
  }

  private unstore(t: ResourceType, ns: string | undefined, name: string, finalState?: JsonObject): JsonObject | undefined {
    const removed = this.store.remove(storageKey(t), t.namespaced ? ns : undefined, name,
      finalState && isEventsV1(t) ? toCoreEvent(finalState) : finalState);
    return removed ? this.view(t, removed) : undefined;
  }

  get(t: ResourceType, ns: string | undefined, name: string): JsonObject {
    const o = this.store.get(storageKey(t), t.namespaced ? ns : undefined, name);
    if (!o) throw notFound(t.plural, t.group, name);
    return this.view(t, o);
  }

  find(t: ResourceType, ns: string | undefined, name: string): JsonObject | undefined {
    const o = this.store.get(storageKey(t), t.namespaced ? ns : undefined, name);
    return o ? this.view(t, o) : undefined;
  }

  list(t: ResourceType, ns: string | undefined, opts: ListOptions): JsonObject {
    const ls = parseLabelSelector(opts.labelSelector);
    const fs = parseFieldSelector(opts.fieldSelector, t.kind, t.group);
    const rv = this.store.currentRv();
    if (opts.resourceVersionMatch === "Exact" && opts.resourceVersion && Number(opts.resourceVersion) < this.store.oldestRv()) {
      throw gone(`too old resource version: ${opts.resourceVersion} (${this.store.oldestRv()})`);
    }
    let items = this.store.list(storageKey(t), t.namespaced ? ns : undefined).filter((o) => ls.matches(o) && fs.matches(o));
    let listRv = String(rv);
    if (opts.continueToken) {
      const tok = decodeContinue(opts.continueToken);
      if (tok.rv < this.store.oldestRv()) {
        throw gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
      }
      items = items.filter((o) => itemSortKey(o) > tok.start);
      listRv = String(tok.rv);
    }
    const listMeta: JsonObject = { resourceVersion: listRv };
    if (opts.limit !== undefined && opts.limit > 0 && items.length > opts.limit) {
      const rest = items.length - opts.limit;
      items = items.slice(0, opts.limit);
      const last = items[items.length - 1];
      if (last) listMeta.continue = encodeContinue(Number(listRv), itemSortKey(last));
      listMeta.remainingItemCount = rest;
    }
    return { kind: `${t.kind}List`, apiVersion: apiVersionOf(t), metadata: listMeta,
      items: items.map((o) => this.view(t, o)) };
  }

  private checkNamespace(t: ResourceType, ns: string | undefined): void {
    if (!t.namespaced) return;
    if (!ns) throw badRequest("the server could not find the requested resource");
    const nsObj = this.store.get(storageKey({ group: "", plural: "namespaces" }), undefined, ns);
    if (!nsObj) throw notFound("namespaces", "", ns);
    if (meta(nsObj).deletionTimestamp) {
      throw new ApiError(403, "Forbidden", `${t.plural}${t.group ? "." + t.group : ""} "${str(meta(nsObj).name)}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
        { name: ns, group: t.group || undefined, kind: t.plural });
    }
  }

  /** Decodes and checks a request body: kind/apiVersion, name and namespace against the URL. */
  private decode(t: ResourceType, body: unknown, ns: string | undefined, urlName?: string): JsonObject {
    if (!isObject(body)) throw badRequest("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");
    const o = clone(body);
    if (o.kind === undefined || o.kind === "") {
      if (t.custom) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
      o.kind = t.kind;
    }
    if (o.apiVersion === undefined || o.apiVersion === "") o.apiVersion = apiVersionOf(t);
    if (o.apiVersion !== apiVersionOf(t)) {
      throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${apiVersionOf(t)})`);
    }
    if (o.kind !== t.kind) throw badRequest(`the kind in the data (${String(o.kind)}) does not match the expected kind (${t.kind})`);
    const m = meta(o);
    if (t.namespaced) {
      const bodyNs = str(m.namespace);
      if (bodyNs && ns && bodyNs !== ns) throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      m.namespace = ns;
    } else delete m.namespace;
    if (urlName !== undefined) {
      const bodyName = str(m.name);
      if (bodyName !== undefined && bodyName !== "" && bodyName !== urlName) {
        throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${urlName})`);
      }
      m.name = urlName;
    }
    return o;
  }

  /** Go's omitempty: empty metadata lists and maps are not stored. */
  private normalizeMeta(o: JsonObject): void {
    const m = meta(o);
    for (const f of ["finalizers", "ownerReferences", "labels", "annotations", "managedFields"]) {
      const v = m[f];
      if (v === null || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0)) delete m[f];
    }
  }

  private validateMeta(o: JsonObject, old: JsonObject | undefined): FieldError[] {
    const m = meta(o);
    const errs: FieldError[] = [];
    const name = str(m.name) ?? "";
    if (!old && !DNS1123_SUBDOMAIN.test(name)) {
      errs.push({ field: "metadata.name", type: "Invalid value", value: name,
        detail: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')" });
    }
    const refs = m.ownerReferences;
    if (refs !== undefined) {
      if (!Array.isArray(refs)) errs.push({ field: "metadata.ownerReferences", type: "Invalid value", value: refs, detail: "must be a list" });
      else {
        let controllers = 0;
        refs.forEach((r: unknown, i) => {
          const ref = isObject(r) ? r : {};
          for (const f of ["apiVersion", "kind", "name", "uid"]) {
            if (!str(ref[f])) errs.push({ field: `metadata.ownerReferences[${i}].${f}`, type: f === "uid" || f === "name" ? "Invalid value" : "Invalid value", value: "", detail: `${f} must not be empty` });
          }
          if (ref.controller === true) controllers++;
        });
        if (controllers > 1) errs.push({ field: "metadata.ownerReferences", type: "Invalid value", value: refs, detail: "Only one reference can have Controller set to true" });
      }
    }
    for (const f of ["labels", "annotations"]) {
      const v = m[f];
      if (v === undefined || v === null) continue;
      if (!isObject(v)) errs.push({ field: `metadata.${f}`, type: "Invalid value", value: v, detail: "must be a map of strings" });
      else for (const [k, x] of Object.entries(v)) {
        if (typeof x !== "string") errs.push({ field: `metadata.${f}`, type: "Invalid value", value: x, detail: `value of ${k} must be a string` });
        else if (f === "labels" && x !== "" && (!/^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(x) || x.length > 63)) {
          errs.push({ field: `metadata.labels`, type: "Invalid value", value: x, detail: "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')" });
        }
      }
    }
    return errs;
  }

  private runValidation(t: ResourceType, o: JsonObject, old: JsonObject | undefined, opts: WriteOptions): string[] {
    this.normalizeMeta(o);
    const errs = this.validateMeta(o, old);
    const warnings: string[] = [];
    const unknownFields = (unknown: string[]): void => {
      if (unknown.length > 0 && opts.fieldValidation === "Strict") {
        throw badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(", ")}`);
      }
      if (opts.fieldValidation !== "Ignore") warnings.push(...unknown.map((f) => `unknown field "${f}"`));
    };
    if (t.custom) {
      const r = this.validateCustom(t, o, old, opts.fieldValidation);
      unknownFields(r.unknown);
      errs.push(...r.errors);
      warnings.push(...r.warnings);
    } else unknownFields(pruneBuiltin(`${t.group}|${t.plural}`, o));
    errs.push(...(this.hooksOf(t).validate?.(o, old, t) ?? []));
    if (errs.length > 0) throw invalid(t.kind, t.group, str(meta(o).name) ?? "", errs);
    return warnings;
  }

  create(t: ResourceType, ns: string | undefined, body: unknown, opts: WriteOptions = {}): WriteResult {
    const o = this.decode(t, body, ns);
    this.checkNamespace(t, ns);
    if (t.custom) {
      const crd = this.store.get(storageKey({ group: "apiextensions.k8s.io", plural: "customresourcedefinitions" }), undefined, t.custom.crdName);
      if (crd && meta(crd).deletionTimestamp) {
        throw new ApiError(405, "MethodNotAllowed", "create not allowed while custom resource definition is terminating");
      }
    }
    const m = meta(o);
    const key = storageKey(t);
    if (!str(m.name)) {
      const gen = str(m.generateName);
      if (!gen) throw invalid(t.kind, t.group, "", [{ field: "metadata.name", type: "Required value", detail: "name or generateName is required" }]);
      let name = "";
      do {
        name = gen + Array.from({ length: 5 }, () => NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)]).join("");
      } while (this.store.get(key, t.namespaced ? ns : undefined, name));
      m.name = name;
    }
    const name = str(m.name) ?? "";
    if (this.store.get(key, t.namespaced ? ns : undefined, name)) throw alreadyExists(t.plural, t.group, name);
    for (const f of ["resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "managedFields"]) delete m[f];
    m.uid = randomUUID();
    m.creationTimestamp = nowRfc3339();
    if (t.generation !== "none") m.generation = 1; else delete m.generation;
    if (t.statusSubresource && t.custom) delete o.status;
    this.hooksOf(t).prepareCreate?.(o, t);
    const warnings = this.runValidation(t, o, undefined, opts);
    if (opts.dryRun) { m.resourceVersion = ""; return { object: this.view(t, o), warnings }; }
    const stored = this.persist(t, o);
    this.notify(t, stored, false);
    return { object: stored, warnings };
  }

  /**
   * PUT of the main resource or of `/status`. Stale resourceVersion: 409. A write that changes nothing
   * returns the stored object with its resourceVersion unchanged and emits no event.
   */
  update(t: ResourceType, ns: string | undefined, name: string, body: unknown, subresource: string | undefined,
    opts: WriteOptions = {}): WriteResult {
    const o = this.decode(t, body, ns, name);
    const old = this.find(t, ns, name);
    if (!old) throw notFound(t.plural, t.group, name);
    const m = meta(o);
    const om = meta(old);
    const rv = str(m.resourceVersion);
    if ((rv === undefined || rv === "") && (t.custom || t.plural === "customresourcedefinitions")) {
      // Custom resources and CRDs do not allow unconditional updates.
      throw invalid(t.plural, t.group, name, [{ field: "metadata.resourceVersion", type: "Invalid value", rawValue: "0x0", detail: "must be specified for an update" }]);
    }
    if (rv !== undefined && rv !== "" && rv !== str(om.resourceVersion)) throw conflict(t.plural, t.group, name);
    if (str(m.uid) && m.uid !== om.uid) {
      throw conflict(t.plural, t.group, name, `Precondition failed: UID in precondition: ${str(m.uid)}, UID in object meta: ${str(om.uid)}`);
    }
    let next: JsonObject;
    if (subresource === "status") {
      next = clone(old);
      if (o.status === undefined) delete next.status; else next.status = o.status;
    } else {
      next = o;
      if (t.statusSubresource) { if (old.status === undefined) delete next.status; else next.status = clone(old.status); }
      const nm = meta(next);
      for (const f of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"]) {
        if (om[f] === undefined) delete nm[f]; else nm[f] = om[f];
      }
      delete nm.selfLink;
      delete nm.managedFields;
      this.hooksOf(t).prepareUpdate?.(next, old, t);
      if (om.deletionTimestamp) {
        const before = new Set(Array.isArray(om.finalizers) ? om.finalizers : []);
        const added = (Array.isArray(nm.finalizers) ? nm.finalizers : []).filter((f) => !before.has(f));
        if (added.length > 0) {
          throw invalid(t.kind, t.group, name, [{ field: "metadata.finalizers", type: "Forbidden",
            detail: `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(", ")}}` }]);
        }
      }
    }
    const warnings = this.runValidation(t, next, old, opts);
    meta(next).resourceVersion = om.resourceVersion;
    if (deepEqual(next, old)) return { object: old, warnings };
    if (subresource !== "status" && this.specChanged(t, next, old)) meta(next).generation = Number(om.generation ?? 0) + 1;
    if (opts.dryRun) return { object: next, warnings };
    return { object: this.commit(t, next), warnings };
  }

  /** Writes an already prepared object; removes it instead when it is being deleted and has no finalizers left. */
  commit(t: ResourceType, next: JsonObject): JsonObject {
    this.normalizeMeta(next);
    const m = meta(next);
    const finalizers = Array.isArray(m.finalizers) ? m.finalizers : [];
    const nsFinalizers = t.group === "" && t.plural === "namespaces" && isObject(next.spec) && Array.isArray(next.spec.finalizers)
      ? next.spec.finalizers : [];
    const grace = typeof m.deletionGracePeriodSeconds === "number" ? m.deletionGracePeriodSeconds : 0;
    if (m.deletionTimestamp && finalizers.length === 0 && nsFinalizers.length === 0 && grace === 0) {
      const removed = this.unstore(t, str(m.namespace), str(m.name) ?? "", next);
      if (removed) this.notify(t, removed, true);
      return removed ?? next;
    }
    const stored = this.persist(t, next);
    this.notify(t, stored, false);
    return stored;
  }

  private specChanged(t: ResourceType, a: JsonObject, b: JsonObject): boolean {
    if (t.generation === "spec") return !deepEqual(a.spec, b.spec);
    if (t.generation === "content") {
      const strip = (o: JsonObject): JsonObject => {
        const c = { ...o };
        delete c.metadata; delete c.apiVersion; delete c.kind;
        if (t.statusSubresource) delete c.status;
        return c;
      };
      return !deepEqual(strip(a), strip(b));
    }
    return false;
  }

  /**
   * DELETE: with finalizers (including orphan/foregroundDeletion added for the propagation policy)
   * the object only gets deletionTimestamp; otherwise it is removed at once.
   */
  delete(t: ResourceType, ns: string | undefined, name: string, opts: DeleteOptions = {}): { object: JsonObject; removed: boolean } {
    const old = this.find(t, ns, name);
    if (!old) throw notFound(t.plural, t.group, name);
    const om = meta(old);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== om.uid) {
      throw conflict(t.plural, t.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${str(om.uid)}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== om.resourceVersion) {
      throw conflict(t.plural, t.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${str(om.resourceVersion)}`);
    }
    const policy = opts.propagationPolicy;
    if (policy !== undefined && !["Orphan", "Background", "Foreground"].includes(policy)) {
      throw invalid("DeleteOptions", "", "", [{ field: "propagationPolicy", type: "Unsupported value", value: policy, detail: 'supported values: "Foreground", "Background", "Orphan", "nil"' }]);
    }
    const next = clone(old);
    const nm = meta(next);
    let finalizers = Array.isArray(nm.finalizers) ? [...(nm.finalizers as string[])] : [];
    if (policy === "Orphan" && !finalizers.includes("orphan")) finalizers = [...finalizers.filter((f) => f !== "foregroundDeletion"), "orphan"];
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion")) finalizers = [...finalizers.filter((f) => f !== "orphan"), "foregroundDeletion"];
    if (policy === "Background") finalizers = finalizers.filter((f) => f !== "orphan" && f !== "foregroundDeletion");
    if (t.plural === "namespaces" && t.group === "") {
      const spec = isObject(next.spec) ? next.spec : {};
      next.spec = { ...spec, finalizers: ["kubernetes"] };
      next.status = { ...(isObject(next.status) ? next.status : {}), phase: "Terminating" };
      if (["default", "kube-system", "kube-public"].includes(name)) {
        throw new ApiError(403, "Forbidden", `namespaces "${name}" is forbidden: this namespace may not be deleted`,
          { name, kind: "namespaces" });
      }
      nm.deletionTimestamp ??= nowRfc3339();
      nm.deletionGracePeriodSeconds = 0;
      if (finalizers.length > 0) nm.finalizers = finalizers; else delete nm.finalizers;
      if (opts.dryRun || deepEqual(next, old)) return { object: old, removed: false };
      const stored = this.persist(t, next);
      this.notify(t, stored, false);
      return { object: stored, removed: false };
    }
    const grace = podGracePeriod(t, old, opts.gracePeriodSeconds);
    if (grace > 0) {
      const current = typeof nm.deletionGracePeriodSeconds === "number" ? nm.deletionGracePeriodSeconds : undefined;
      if (!nm.deletionTimestamp || (current !== undefined && grace < current)) {
        nm.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
        nm.deletionGracePeriodSeconds = grace;
      }
      if (finalizers.length > 0) nm.finalizers = finalizers;
      if (opts.dryRun || deepEqual(next, old)) return { object: old, removed: false };
      const stored = this.persist(t, next);
      this.notify(t, stored, false);
      return { object: stored, removed: false };
    }
    if (typeof nm.deletionGracePeriodSeconds === "number" && nm.deletionGracePeriodSeconds > 0) nm.deletionGracePeriodSeconds = 0;
    if (finalizers.length > 0) {
      nm.finalizers = finalizers;
      if (!nm.deletionTimestamp) {
        nm.deletionTimestamp = nowRfc3339();
        nm.deletionGracePeriodSeconds = 0;
        if (typeof nm.generation === "number" && nm.generation > 0) nm.generation += 1;
      }
      if (opts.dryRun || deepEqual(next, old)) return { object: old, removed: false };
      return { object: this.commit(t, next), removed: false };
    }
    if (opts.dryRun) return { object: old, removed: true };
    const removed = this.unstore(t, ns, name);
    if (removed) this.notify(t, removed, true);
    return { object: removed ?? old, removed: true };
  }

  private notify(t: ResourceType, obj: JsonObject, removed: boolean): void {
    for (const f of this.afterWrite) f(t, obj, removed);
  }
}

/**
 * Pods on a node are deleted gracefully (deletionTimestamp in the future, the kubelet removes them with a
 * grace period of 0); unscheduled or finished pods, and everything else, go at once.
 */
function podGracePeriod(t: ResourceType, o: JsonObject, requested: number | undefined): number {
  if (t.group !== "" || t.plural !== "pods") return 0;
  const spec = isObject(o.spec) ? o.spec : {};
  const phase = isObject(o.status) ? o.status.phase : undefined;
  if (!str(spec.nodeName) || phase === "Succeeded" || phase === "Failed") return 0;
  const g = requested ?? (typeof spec.terminationGracePeriodSeconds === "number" ? spec.terminationGracePeriodSeconds : 30);
  return g < 0 ? 1 : g;
}

function itemSortKey(o: JsonObject): string {
  const m = meta(o);
  return `${str(m.namespace) ?? ""}/${str(m.name) ?? ""}`;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start })).toString("base64url");
}

function decodeContinue(tok: string): { rv: number; start: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(tok, "base64url").toString("utf8"));
    if (isObject(v) && typeof v.rv === "number" && typeof v.start === "string") return { rv: v.rv, start: v.start };
  } catch { /* reported below */ }
  throw badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
}
