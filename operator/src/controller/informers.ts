// Informers (client-node ListWatch) on NatsClusters and on the kinds the operator owns, plus the
// cache-read API that reconcile uses. client-node's informer relists by itself after a 410, but it
// stops for good on any other error; here every informer restarts itself after a jittered backoff.
import { makeInformer, type Informer, type KubeConfig, type ObjectCache } from "@kubernetes/client-node";
import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { errorMessage, type CustomResourceInfo, type KindClient, type KubeApi, type KubeList, type KubeObject } from "./kube-api.js";
import type { Logger } from "../log.js";

export type ChildKind = "ConfigMap" | "Secret" | "Service" | "StatefulSet" | "PodDisruptionBudget";
export const CHILD_KINDS: readonly ChildKind[] = ["ConfigMap", "Secret", "Service", "StatefulSet", "PodDisruptionBudget"];

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

export interface InformerEvents {
  /** A NatsCluster (or one of its children) changed: reconcile this "namespace/name". */
  enqueue(key: string): void;
  /** An informer failed and will restart; for metrics. */
  restarted?(resource: string): void;
  /** An informer listed (first sync, or a relist after a 410 or a restart); for metrics. */
  listed?(resource: string): void;
  /** An informer (re)started its watch; for metrics. */
  watchStarted?(resource: string): void;
}

/** One ListWatch that restarts itself after errors and reports when its first list has landed. */
class SelfHealingInformer {
  private readonly informer: Informer<KubeObject> & ObjectCache<KubeObject>;
  private attempt = 0;
  private lastStart = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private synced = false;
  private syncWaiters: Array<() => void> = [];

  constructor(
    readonly resource: string,
    kubeConfig: KubeConfig,
    path: string,
    labelSelector: string | undefined,
    list: () => Promise<KubeList>,
    onChange: (obj: KubeObject) => void,
    private readonly log: Logger,
    private readonly backoff: BackoffOptions,
    private readonly onRestart: () => void,
    onList: () => void,
    onConnect: () => void,
  ) {
    const listAndMarkSynced = async (): Promise<KubeList> => {
      const res = await list();
      onList();
      // ListWatch adds the listed items right after this promise settles (microtasks);
      // by the next macrotask they are in the cache.
      setImmediate(() => this.markSynced());
      return res;
    };
    this.informer = makeInformer<KubeObject>(kubeConfig, path, listAndMarkSynced, labelSelector);
    this.informer.on("add", onChange);
    this.informer.on("update", onChange);
    this.informer.on("delete", onChange);
    this.informer.on("error", (err: unknown) => this.onError(err));
    this.informer.on("connect", () => onConnect());
  }

  start(): void {
    this.stopped = false;
    this.lastStart = Date.now();
    this.informer.start().catch((err: unknown) => this.onError(err));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.informer.stop();
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w();
  }

  get hasSynced(): boolean { return this.synced; }

  whenSynced(): Promise<void> {
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(namespace: string, name: string): KubeObject | undefined { return this.informer.get(name, namespace); }
  list(namespace?: string): KubeObject[] { return [...this.informer.list(namespace)]; }

  private markSynced(): void {
    this.attempt = 0;
    if (this.synced) return;
    this.synced = true;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w();
  }

  private onError(err: unknown): void {
    if (this.stopped || this.restartTimer) return;
    // A watch that stayed up for a while was healthy: start the backoff from the beginning.
    if (Date.now() - this.lastStart > 60_000) this.attempt = 0;
    const delay = backoffDelay(this.attempt++, this.backoff);
    this.log.warn("informer stopped on an error; restarting", { resource: this.resource, error: errorMessage(err), retryInMs: delay });
    this.onRestart();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) this.start();
    }, delay);
  }
}

export interface InformerSetOptions {
  kubeConfig: KubeConfig;
  api: KubeApi;
  cluster: CustomResourceInfo;
  /** Watch one namespace, or all namespaces when undefined. */
  namespace: string | undefined;
  /** Value of app.kubernetes.io/managed-by on the children we own. */
  managedBy: string;
  events: InformerEvents;
  log: Logger;
  backoff?: BackoffOptions;
  /** Server-side watch timeout; default a random 300..599 s per watch path. */
  watchTimeoutSeconds?: number;
}

/**
 * Watch path with a server-side timeout, as client-go does (5 to 10 minutes, random): the API server
 * ends the watch and the informer resumes from its last resourceVersion, so a connection that died
 * silently (no FIN through a proxy or NAT) cannot leave the cache stale for ever.
 */
function withWatchTimeout(path: string, seconds?: number): string {
  return `${path}?timeoutSeconds=${seconds ?? 300 + Math.floor(Math.random() * 300)}`;
}

/** The informers on NatsClusters and their children, and read access to their caches. */
export class InformerSet {
  private readonly clusters: SelfHealingInformer;
  private readonly children = new Map<ChildKind, SelfHealingInformer>();

  constructor(private readonly opts: InformerSetOptions) {
    const backoff = opts.backoff ?? { baseMs: 200, maxMs: 30_000 };
    const { api, namespace, events } = opts;
    this.clusters = new SelfHealingInformer(
      opts.cluster.plural, opts.kubeConfig, withWatchTimeout(api.customPath(opts.cluster, namespace), opts.watchTimeoutSeconds), undefined,
      () => api.listCustom(opts.cluster, namespace),
      (obj) => { const key = objectKey(obj); if (key) events.enqueue(key); },
      opts.log, backoff, () => events.restarted?.(opts.cluster.plural), () => events.listed?.(opts.cluster.plural),
      () => events.watchStarted?.(opts.cluster.plural),
    );
    const selector = `${MANAGED_BY_LABEL}=${opts.managedBy}`;
    for (const kind of CHILD_KINDS) {
      const client = this.clientFor(kind);
      this.children.set(kind, new SelfHealingInformer(
        client.info.plural, opts.kubeConfig, withWatchTimeout(client.path(namespace), opts.watchTimeoutSeconds), selector,
        () => client.list(namespace, selector),
        (obj) => { const key = ownerKey(obj, opts.cluster); if (key) events.enqueue(key); },
        opts.log, backoff, () => events.restarted?.(client.info.plural), () => events.listed?.(client.info.plural),
        () => events.watchStarted?.(client.info.plural),
      ));
    }
  }

  clientFor(kind: ChildKind): KindClient {
    const api = this.opts.api;
    switch (kind) {
      case "ConfigMap": return api.configMaps;
      case "Secret": return api.secrets;
      case "Service": return api.services;
      case "StatefulSet": return api.statefulSets;
      case "PodDisruptionBudget": return api.podDisruptionBudgets;
    }
  }

  start(): void {
    this.clusters.start();
    for (const inf of this.children.values()) inf.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.clusters.stop(), ...[...this.children.values()].map((i) => i.stop())]);
  }

  get hasSynced(): boolean {
    return this.clusters.hasSynced && [...this.children.values()].every((i) => i.hasSynced);
  }

  /** Resolves once every informer has listed once (or was stopped). */
  async whenSynced(): Promise<void> {
    await Promise.all([this.clusters.whenSynced(), ...[...this.children.values()].map((i) => i.whenSynced())]);
  }

  getCluster(namespace: string, name: string): KubeObject | undefined { return this.clusters.get(namespace, name); }
  listClusters(): KubeObject[] { return this.clusters.list(this.opts.namespace); }

  getChild(kind: ChildKind, namespace: string, name: string): KubeObject | undefined {
    return this.children.get(kind)?.get(namespace, name);
  }
}

/** "namespace/name" of an object. */
export function objectKey(obj: KubeObject): string | undefined {
  const name = obj.metadata?.name;
  if (!name) return undefined;
  return `${obj.metadata?.namespace ?? ""}/${name}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  if (i < 0) throw new Error(`bad work-queue key ${JSON.stringify(key)}: want namespace/name`);
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** The key of the NatsCluster that controls this child, from its controller ownerReference. */
export function ownerKey(obj: KubeObject, cluster: CustomResourceInfo): string | undefined {
  const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true && r.kind === cluster.kind && r.apiVersion.split("/")[0] === cluster.group);
  if (!ref || !obj.metadata?.namespace) return undefined;
  return `${obj.metadata.namespace}/${ref.name}`;
}
