// Thin, typed access to the API server for the kinds the operator touches, on @kubernetes/client-node.
// Objects leave this module in wire form (plain JSON, timestamps as strings), the same form the
// watch delivers, so that the informer cache holds one shape whether an object came from a list or
// a watch event. Every write is counted (metrics), which the idempotence tests rely on.
import {
  ApiException, AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, PolicyV1Api, PatchStrategy,
  setHeaderOptions, type KubeConfig, type KubernetesObject, type V1ObjectMeta,
} from "@kubernetes/client-node";

/** A Kubernetes object in wire form. */
export interface KubeObject extends KubernetesObject { metadata?: V1ObjectMeta; [field: string]: unknown }
export interface KubeList<T extends KubeObject = KubeObject> { metadata?: { resourceVersion?: string }; items: T[] }

/** Where an object lives: which API, which plural, namespaced. */
export interface KindInfo { kind: string; apiVersion: string; plural: string }

export type WriteVerb = "create" | "update" | "delete" | "patch";
export type WriteCounter = (verb: WriteVerb, resource: string) => void;

/** Round-trip through JSON: Dates become RFC 3339 strings, undefined fields disappear. */
export function toWire<T>(obj: T): T { return JSON.parse(JSON.stringify(obj)) as T; }

/** The HTTP status of a failed client-node call or watch, if it has one. */
export function httpStatus(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  if (err && typeof err === "object") {
    const e = err as { statusCode?: unknown; code?: unknown };
    if (typeof e.statusCode === "number") return e.statusCode;
    if (typeof e.code === "number") return e.code;
  }
  return undefined;
}

/** The `reason` of a Kubernetes Status body (AlreadyExists, Conflict, NotFound...). */
export function statusReason(err: unknown): string | undefined {
  if (!(err instanceof ApiException)) return undefined;
  let body: unknown = err.body;
  if (typeof body === "string") { try { body = JSON.parse(body); } catch { return undefined; } }
  const reason = (body as { reason?: unknown } | null)?.reason;
  return typeof reason === "string" ? reason : undefined;
}

/** The message of a Kubernetes Status body, else the error's own message. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiException) {
    let body: unknown = err.body;
    if (typeof body === "string") { try { body = JSON.parse(body); } catch { return `HTTP ${err.code}: ${body}`; } }
    const msg = (body as { message?: unknown } | null)?.message;
    return `HTTP ${err.code}: ${typeof msg === "string" ? msg : "request failed"}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export const isNotFound = (err: unknown): boolean => httpStatus(err) === 404;
export const isAlreadyExists = (err: unknown): boolean => httpStatus(err) === 409 && statusReason(err) === "AlreadyExists";
export const isConflict = (err: unknown): boolean => httpStatus(err) === 409 && !isAlreadyExists(err);

/** Read, list, create and replace for one namespaced kind. */
export interface KindClient<T extends KubeObject = KubeObject> {
  info: KindInfo;
  /** Watch path: one namespace, or all namespaces when `namespace` is undefined. */
  path(namespace: string | undefined): string;
  list(namespace: string | undefined, labelSelector?: string): Promise<KubeList<T>>;
  read(namespace: string, name: string): Promise<T>;
  create(namespace: string, body: T): Promise<T>;
  replace(namespace: string, name: string, body: T): Promise<T>;
}

function basePath(apiVersion: string): string { return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`; }

function pathFor(info: KindInfo, namespace: string | undefined): string {
  return namespace === undefined
    ? `${basePath(info.apiVersion)}/${info.plural}`
    : `${basePath(info.apiVersion)}/namespaces/${encodeURIComponent(namespace)}/${info.plural}`;
}

// The generated clients share one calling convention; this is the slice of it we use.
interface TypedCalls {
  listNs(p: { namespace: string; labelSelector?: string }): Promise<unknown>;
  listAll(p: { labelSelector?: string }): Promise<unknown>;
  read(p: { namespace: string; name: string }): Promise<unknown>;
  create(p: { namespace: string; body: never }): Promise<unknown>;
  replace(p: { namespace: string; name: string; body: never }): Promise<unknown>;
}

function kindClient<T extends KubeObject>(info: KindInfo, calls: TypedCalls, count: WriteCounter): KindClient<T> {
  return {
    info,
    path: (ns) => pathFor(info, ns),
    async list(ns, labelSelector) {
      const res = ns === undefined ? await calls.listAll({ labelSelector }) : await calls.listNs({ namespace: ns, labelSelector });
      return toWire(res) as KubeList<T>;
    },
    async read(namespace, name) { return toWire(await calls.read({ namespace, name })) as T; },
    async create(namespace, body) {
      count("create", info.plural);
      return toWire(await calls.create({ namespace, body: body as never })) as T;
    },
    async replace(namespace, name, body) {
      count("update", info.plural);
      return toWire(await calls.replace({ namespace, name, body: body as never })) as T;
    },
  };
}

export interface CustomResourceInfo { group: string; version: string; plural: string; kind: string }

/** Every API the operator uses, built from one KubeConfig. */
export class KubeApi {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly policy: PolicyV1Api;
  readonly custom: CustomObjectsApi;
  readonly coordination: CoordinationV1Api;
  readonly configMaps: KindClient;
  readonly secrets: KindClient;
  readonly services: KindClient;
  readonly statefulSets: KindClient;
  readonly podDisruptionBudgets: KindClient;
  readonly leases: KindClient;

  constructor(readonly kubeConfig: KubeConfig, private readonly count: WriteCounter = () => {}) {
    const core = (this.core = kubeConfig.makeApiClient(CoreV1Api));
    const apps = (this.apps = kubeConfig.makeApiClient(AppsV1Api));
    const policy = (this.policy = kubeConfig.makeApiClient(PolicyV1Api));
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.coordination = kubeConfig.makeApiClient(CoordinationV1Api);
    this.configMaps = kindClient({ kind: "ConfigMap", apiVersion: "v1", plural: "configmaps" }, {
      listNs: (p) => core.listNamespacedConfigMap(p), listAll: (p) => core.listConfigMapForAllNamespaces(p),
      read: (p) => core.readNamespacedConfigMap(p), create: (p) => core.createNamespacedConfigMap(p),
      replace: (p) => core.replaceNamespacedConfigMap(p),
    }, count);
    this.secrets = kindClient({ kind: "Secret", apiVersion: "v1", plural: "secrets" }, {
      listNs: (p) => core.listNamespacedSecret(p), listAll: (p) => core.listSecretForAllNamespaces(p),
      read: (p) => core.readNamespacedSecret(p), create: (p) => core.createNamespacedSecret(p),
      replace: (p) => core.replaceNamespacedSecret(p),
    }, count);
    this.services = kindClient({ kind: "Service", apiVersion: "v1", plural: "services" }, {
      listNs: (p) => core.listNamespacedService(p), listAll: (p) => core.listServiceForAllNamespaces(p),
      read: (p) => core.readNamespacedService(p), create: (p) => core.createNamespacedService(p),
      replace: (p) => core.replaceNamespacedService(p),
    }, count);
    this.statefulSets = kindClient({ kind: "StatefulSet", apiVersion: "apps/v1", plural: "statefulsets" }, {
      listNs: (p) => apps.listNamespacedStatefulSet(p), listAll: (p) => apps.listStatefulSetForAllNamespaces(p),
      read: (p) => apps.readNamespacedStatefulSet(p), create: (p) => apps.createNamespacedStatefulSet(p),
      replace: (p) => apps.replaceNamespacedStatefulSet(p),
    }, count);
    this.podDisruptionBudgets = kindClient({ kind: "PodDisruptionBudget", apiVersion: "policy/v1", plural: "poddisruptionbudgets" }, {
      listNs: (p) => policy.listNamespacedPodDisruptionBudget(p), listAll: (p) => policy.listPodDisruptionBudgetForAllNamespaces(p),
      read: (p) => policy.readNamespacedPodDisruptionBudget(p), create: (p) => policy.createNamespacedPodDisruptionBudget(p),
      replace: (p) => policy.replaceNamespacedPodDisruptionBudget(p),
    }, count);
    const coordination = this.coordination;
    this.leases = kindClient({ kind: "Lease", apiVersion: "coordination.k8s.io/v1", plural: "leases" }, {
      listNs: (p) => coordination.listNamespacedLease(p), listAll: (p) => coordination.listLeaseForAllNamespaces(p),
      read: (p) => coordination.readNamespacedLease(p), create: (p) => coordination.createNamespacedLease(p),
      replace: (p) => coordination.replaceNamespacedLease(p),
    }, count);
  }

  /** List/watch access to a custom resource (NatsClusters). */
  customPath(cr: CustomResourceInfo, namespace: string | undefined): string {
    return namespace === undefined
      ? `/apis/${cr.group}/${cr.version}/${cr.plural}`
      : `/apis/${cr.group}/${cr.version}/namespaces/${encodeURIComponent(namespace)}/${cr.plural}`;
  }

  async listCustom(cr: CustomResourceInfo, namespace: string | undefined): Promise<KubeList> {
    const res: unknown = namespace === undefined
      ? await this.custom.listClusterCustomObject({ group: cr.group, version: cr.version, plural: cr.plural })
      : await this.custom.listNamespacedCustomObject({ group: cr.group, version: cr.version, namespace, plural: cr.plural });
    return toWire(res) as KubeList;
  }

  /** Merge-patch the status subresource of a custom object. */
  async patchCustomStatus(cr: CustomResourceInfo, namespace: string, name: string, status: unknown): Promise<KubeObject> {
    this.count("patch", `${cr.plural}/status`);
    const res: unknown = await this.custom.patchNamespacedCustomObjectStatus(
      { group: cr.group, version: cr.version, namespace, plural: cr.plural, name, body: { status } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    return toWire(res) as KubeObject;
  }

  /** Record a core/v1 Event. */
  async createEvent(namespace: string, body: Record<string, unknown>): Promise<void> {
    this.count("create", "events");
    await this.core.createNamespacedEvent({ namespace, body: body as never });
  }
}
