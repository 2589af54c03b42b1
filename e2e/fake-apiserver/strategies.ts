// Built-in kinds' behaviour that operators see: defaults the API server applies, Secret stringData,
// Service clusterIP allocation, immutable StatefulSet and Secret/ConfigMap fields, initial status.
import { clone, deepEqual, isObject, meta, str, type JsonObject } from "./json.js";
import { storageKey } from "./registry.js";
import type { KindHooks } from "./operations.js";
import { badRequest, type FieldError } from "./status.js";

function firstBadByte(v: unknown): number {
  if (typeof v !== "string") return 0;
  const i = v.search(/[^A-Za-z0-9+/=]/);
  return i >= 0 ? i : Math.max(0, v.length - (v.length % 4));
}

/** ConfigMap data and binaryData: strings, and base64 for binaryData. */
function configMapPrepare(o: JsonObject): void {
  for (const f of ["data", "binaryData"]) {
    const d = o[f];
    if (d === undefined || d === null) continue;
    const bad = isObject(d) ? Object.values(d).find((v) => typeof v !== "string") : d;
    if (!isObject(d) || bad !== undefined) {
      const goType = bad === null ? "null" : Array.isArray(bad) ? "array" : typeof bad === "boolean" ? "bool" : typeof bad;
      throw badRequest(`ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal ${goType} into Go struct field ConfigMap.${f} of type ${isObject(d) ? (f === "data" ? "string" : "[]uint8") : `map[string]${f === "data" ? "string" : "[]uint8"}`}`);
    }
  }
}

function obj(parent: JsonObject, key: string): JsonObject {
  if (!isObject(parent[key])) parent[key] = {};
  return parent[key] as JsonObject;
}

function list(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

function probeDefaults(p: unknown): void {
  if (!isObject(p)) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (isObject(p.httpGet)) p.httpGet.scheme ??= "HTTP";
}

function containerDefaults(c: JsonObject): void {
  c.resources ??= {};
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  if (c.imagePullPolicy === undefined) {
    const image = str(c.image) ?? "";
    const tag = image.includes("@") ? "digest" : /:[^/]+$/.exec(image)?.[0].slice(1);
    c.imagePullPolicy = tag === undefined || tag === "latest" ? "Always" : "IfNotPresent";
  }
  for (const p of list(c.ports)) p.protocol ??= "TCP";
  for (const e of list(c.env)) {
    if (isObject(e.valueFrom) && isObject(e.valueFrom.fieldRef)) e.valueFrom.fieldRef.apiVersion ??= "v1";
  }
  probeDefaults(c.readinessProbe);
  probeDefaults(c.livenessProbe);
  probeDefaults(c.startupProbe);
}

/** The defaults the API server fills into a PodSpec. */
export function podSpecDefaults(spec: JsonObject): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.securityContext ??= {};
  spec.schedulerName ??= "default-scheduler";
  for (const c of [...list(spec.containers), ...list(spec.initContainers)]) containerDefaults(c);
  for (const v of list(spec.volumes)) {
    for (const k of ["configMap", "secret"]) if (isObject(v[k])) (v[k] as JsonObject).defaultMode ??= 420;
    if (isObject(v.projected)) v.projected.defaultMode ??= 420;
  }
}

function podTemplateDefaults(tpl: JsonObject): void {
  const m = obj(tpl, "metadata");
  if (m.creationTimestamp === undefined) m.creationTimestamp = null;
  podSpecDefaults(obj(tpl, "spec"));
}

function statefulSetDefaults(o: JsonObject): void {
  const spec = obj(o, "spec");
  spec.replicas ??= 1;
  spec.podManagementPolicy ??= "OrderedReady";
  spec.revisionHistoryLimit ??= 10;
  const us = obj(spec, "updateStrategy");
  us.type ??= "RollingUpdate";
  if (us.type === "RollingUpdate") obj(us, "rollingUpdate").partition ??= 0;
  const ret = obj(spec, "persistentVolumeClaimRetentionPolicy");
  ret.whenDeleted ??= "Retain";
  ret.whenScaled ??= "Retain";
  podTemplateDefaults(obj(spec, "template"));
  for (const pvc of list(spec.volumeClaimTemplates)) {
    pvc.apiVersion ??= "v1";
    pvc.kind ??= "PersistentVolumeClaim";
    obj(obj(pvc, "spec"), "resources");
    (pvc.spec as JsonObject).volumeMode ??= "Filesystem";
    pvc.status ??= { phase: "Pending" };
  }
}

const STS_MUTABLE = ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds", "revisionHistoryLimit"];

function validateStatefulSet(o: JsonObject, old: JsonObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObject(o.spec) ? o.spec : {};
  const sel = isObject(spec.selector) ? spec.selector : undefined;
  const tpl = isObject(spec.template) ? spec.template : {};
  const tplLabels = isObject(tpl.metadata) && isObject(tpl.metadata.labels) ? tpl.metadata.labels : {};
  if (!sel || (Object.keys(isObject(sel.matchLabels) ? sel.matchLabels : {}).length === 0 && !Array.isArray(sel.matchExpressions))) {
    errs.push({ field: "spec.selector", type: "Invalid value", value: sel ?? {}, detail: "empty selector is invalid for statefulset" });
  } else if (isObject(sel.matchLabels)) {
    const ok = Object.entries(sel.matchLabels).every(([k, v]) => tplLabels[k] === v);
    if (!ok) {
      errs.push({ field: "spec.template.metadata.labels", type: "Invalid value", value: tplLabels,
        detail: "`selector` does not match template `labels`" });
    }
  }
  const containers = isObject(tpl.spec) ? list(tpl.spec.containers) : [];
  if (containers.length === 0) errs.push({ field: "spec.template.spec.containers", type: "Required value", detail: "" });
  if (typeof spec.replicas === "number" && spec.replicas < 0) {
    errs.push({ field: "spec.replicas", type: "Invalid value", value: spec.replicas, detail: "must be greater than or equal to 0" });
  }
  if (old) {
    const a = clone(spec), b = clone(isObject(old.spec) ? old.spec : {});
    for (const f of STS_MUTABLE) { delete a[f]; delete b[f]; }
    if (!deepEqual(a, b)) {
      errs.push({ field: "spec", type: "Forbidden", detail: "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden" });
    }
  }
  return errs;
}

/** Service: defaults, clusterIP allocation (unless None), clusterIP immutable. */
function serviceHooks(): KindHooks {
  let next = 1;
  const allocate = (): string => {
    const n = next++;
    return `10.96.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
  };
  const defaults = (o: JsonObject): void => {
    const spec = obj(o, "spec");
    spec.type ??= "ClusterIP";
    spec.sessionAffinity ??= "None";
    for (const p of list(spec.ports)) {
      p.protocol ??= "TCP";
      p.targetPort ??= p.port;
    }
    if (spec.type !== "ExternalName") {
      spec.ipFamilies ??= ["IPv4"];
      spec.ipFamilyPolicy ??= "SingleStack";
      spec.internalTrafficPolicy ??= "Cluster";
    }
  };
  return {
    prepareCreate(o) {
      defaults(o);
      const spec = obj(o, "spec");
      if (spec.type !== "ExternalName") {
        if (spec.clusterIP === undefined || spec.clusterIP === "") spec.clusterIP = allocate();
        spec.clusterIPs ??= [spec.clusterIP];
      }
      o.status = { loadBalancer: {} };
    },
    prepareUpdate(o, old) {
      defaults(o);
      const spec = obj(o, "spec");
      const os = isObject(old.spec) ? old.spec : {};
      if (spec.clusterIP === undefined || spec.clusterIP === "") spec.clusterIP = os.clusterIP;
      if (spec.clusterIPs === undefined) spec.clusterIPs = os.clusterIPs;
    },
    validate(o, old) {
      const spec = isObject(o.spec) ? o.spec : {};
      const errs: FieldError[] = [];
      const os = old && isObject(old.spec) ? old.spec : undefined;
      if (os && os.clusterIP !== spec.clusterIP && spec.type !== "ExternalName" && os.type !== "ExternalName") {
        errs.push({ field: "spec.clusterIPs[0]", type: "Invalid value", value: spec.clusterIP, detail: "may not change once set" });
      }
      if (spec.type !== "ExternalName" && list(spec.ports).length === 0 && spec.clusterIP !== "None") {
        errs.push({ field: "spec.ports", type: "Required value", detail: "" });
      }
      return errs;
    },
  };
}

/** Secret: stringData merged into base64 data on every write; type defaults to Opaque; data must be base64. */
function secretPrepare(o: JsonObject): void {
  if (!o.type) o.type = "Opaque";
  if (isObject(o.data)) {
    for (const v of Object.values(o.data)) {
      if (typeof v !== "string" || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v)) {
        throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${firstBadByte(v)}`);
      }
    }
  }
  if (isObject(o.stringData)) {
    const data = obj(o, "data");
    for (const [k, v] of Object.entries(o.stringData)) if (typeof v === "string") data[k] = Buffer.from(v, "utf8").toString("base64");
  }
  delete o.stringData;
}

function immutableData(kind: "Secret" | "ConfigMap") {
  return (o: JsonObject, old: JsonObject | undefined): FieldError[] => {
    const errs: FieldError[] = [];
    if (kind === "Secret" && old && o.type !== old.type) errs.push({ field: "type", type: "Invalid value", value: o.type, detail: "field is immutable" });
    if (old?.immutable === true) {
      if (o.immutable !== true) errs.push({ field: "immutable", type: "Forbidden", detail: "field is immutable when `immutable` is set" });
      for (const f of kind === "Secret" ? ["data"] : ["data", "binaryData"]) {
        if (!deepEqual(o[f], old[f])) errs.push({ field: f, type: "Forbidden", detail: "field is immutable when `immutable` is set" });
      }
    }
    return errs;
  };
}

function deploymentDefaults(o: JsonObject): void {
  const spec = obj(o, "spec");
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  const st = obj(spec, "strategy");
  st.type ??= "RollingUpdate";
  if (st.type === "RollingUpdate") {
    const ru = obj(st, "rollingUpdate");
    ru.maxUnavailable ??= "25%";
    ru.maxSurge ??= "25%";
  }
  podTemplateDefaults(obj(spec, "template"));
}

/** RoleBinding and ClusterRoleBinding: roleRef cannot change. */
function validateBinding(o: JsonObject, old: JsonObject | undefined): FieldError[] {
  if (!isObject(o.roleRef)) return [{ field: "roleRef", type: "Required value", detail: "" }];
  if (old && !deepEqual(o.roleRef, old.roleRef)) {
    return [{ field: "roleRef", type: "Invalid value", value: o.roleRef, detail: "cannot change roleRef" }];
  }
  return [];
}

/**
 * metav1.Time is stored with second precision and metav1.MicroTime with microseconds, both in UTC, so a
 * client that writes `new Date().toISOString()` reads back a different string, as from a real server.
 */
function normalizeTimes(kind: string, o: JsonObject, seconds: string[], micro: string[]): void {
  const fix = (holder: unknown, key: string, precise: boolean): void => {
    if (!isObject(holder) || holder[key] === undefined || holder[key] === null) return;
    const v = holder[key];
    const ms = typeof v === "string" ? Date.parse(v) : NaN;
    if (Number.isNaN(ms)) {
      throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: parsing time ${JSON.stringify(String(v))} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(String(v))} as "2006"`);
    }
    const iso = new Date(ms).toISOString();
    holder[key] = precise ? iso.replace(/\.(\d{3})Z$/, ".$1000Z") : iso.replace(/\.\d{3}Z$/, "Z");
  };
  const at = (path: string, precise: boolean): void => {
    const parts = path.split(".");
    let cur: unknown = o;
    for (const p of parts.slice(0, -1)) cur = isObject(cur) ? cur[p] : undefined;
    fix(cur, parts[parts.length - 1] ?? "", precise);
  };
  for (const p of seconds) at(p, false);
  for (const p of micro) at(p, true);
}

export function builtinHooks(): Map<string, KindHooks> {
  const h = new Map<string, KindHooks>();
  const key = (group: string, plural: string): string => storageKey({ group, plural });
  h.set(key("", "namespaces"), {
    prepareCreate(o) {
      const m = meta(o);
      m.labels = { ...(isObject(m.labels) ? m.labels : {}), "kubernetes.io/metadata.name": str(m.name) ?? "" };
      o.spec = { finalizers: ["kubernetes"] };
      o.status = { phase: "Active" };
    },
    prepareUpdate(o, old) {
      const m = meta(o);
      m.labels = { ...(isObject(m.labels) ? m.labels : {}), "kubernetes.io/metadata.name": str(m.name) ?? "" };
      o.spec = clone(old.spec);
    },
  });
  h.set(key("", "secrets"), { prepareCreate: secretPrepare, prepareUpdate: secretPrepare, validate: immutableData("Secret") });
  h.set(key("", "configmaps"), { prepareCreate: configMapPrepare, prepareUpdate: configMapPrepare, validate: immutableData("ConfigMap") });
  h.set(key("", "services"), serviceHooks());
  h.set(key("", "pods"), {
    prepareCreate(o) {
      podSpecDefaults(obj(o, "spec"));
      o.status = { phase: "Pending", qosClass: "BestEffort" };
    },
    prepareUpdate(o) { podSpecDefaults(obj(o, "spec")); },
  });
  h.set(key("apps", "statefulsets"), {
    prepareCreate(o) { statefulSetDefaults(o); o.status = { replicas: 0, availableReplicas: 0 }; },
    prepareUpdate(o) { statefulSetDefaults(o); },
    validate: validateStatefulSet,
  });
  const eventTimes = (o: JsonObject): void =>
    normalizeTimes("Event", o, ["firstTimestamp", "lastTimestamp"], ["eventTime", "series.lastObservedTime"]);
  h.set(key("", "events"), { prepareCreate: eventTimes, prepareUpdate: eventTimes });
  const leaseTimes = (o: JsonObject): void => normalizeTimes("Lease", o, [], ["spec.acquireTime", "spec.renewTime"]);
  h.set(key("coordination.k8s.io", "leases"), { prepareCreate: leaseTimes, prepareUpdate: leaseTimes });
  h.set(key("apps", "deployments"), {
    prepareCreate(o) { deploymentDefaults(o); o.status = {}; },
    prepareUpdate(o) { deploymentDefaults(o); },
  });
  h.set(key("rbac.authorization.k8s.io", "rolebindings"), { validate: validateBinding });
  h.set(key("rbac.authorization.k8s.io", "clusterrolebindings"), { validate: validateBinding });
  h.set(key("policy", "poddisruptionbudgets"), {
    prepareCreate(o) { o.status = { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 }; },
    validate(o) {
      const spec = isObject(o.spec) ? o.spec : {};
      if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
        return [{ field: "spec", type: "Invalid value", value: spec, detail: "minAvailable and maxUnavailable cannot be both set" }];
      }
      return [];
    },
  });
  return h;
}
