// Wires the informers, the work queue and the reconciler together, with a periodic resync.
import type { KubeConfig } from "@kubernetes/client-node";
import { MANAGED_BY } from "../resources/labels.js";
import type { Logger } from "../log.js";
import type { OperatorMetrics } from "../metrics.js";
import type { BackoffOptions } from "./backoff.js";
import { EventRecorder } from "./events.js";
import { InformerSet } from "./informers.js";
import { errorMessage, httpStatus, type KubeApi } from "./kube-api.js";
import { NATS_CLUSTER, NotLeaderError, Reconciler, type ReconcileOutcome } from "./reconcile.js";
import { WorkQueue } from "./work-queue.js";

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  api: KubeApi;
  /** One namespace, or all when undefined. */
  namespace: string | undefined;
  defaultImage: string;
  log: Logger;
  metrics: OperatorMetrics;
  /** Name of this replica, for Events. */
  instance: string;
  /** Whether this replica may write (leader election). */
  canAct: () => boolean;
  workers?: number;
  /** Every resyncMs every cached cluster is reconciled again (drift the watches missed). 0 disables. */
  resyncMs?: number;
  /** Retry backoff of failing keys, and of informer restarts. */
  retryBackoff?: BackoffOptions;
  informerBackoff?: BackoffOptions;
  /** Server-side timeout of each watch request (default 300..599 s, random). */
  watchTimeoutSeconds?: number;
  /** Observe every finished reconcile (tests). */
  onReconciled?: (key: string, outcome: ReconcileOutcome | undefined, err: unknown) => void;
}

export class Controller {
  readonly informers: InformerSet;
  private readonly reconciler: Reconciler;
  private queue: WorkQueue | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private informersRunning = false;

  constructor(private readonly opts: ControllerOptions) {
    this.informers = new InformerSet({
      kubeConfig: opts.kubeConfig, api: opts.api, cluster: NATS_CLUSTER, namespace: opts.namespace, managedBy: MANAGED_BY,
      log: opts.log, backoff: opts.informerBackoff, watchTimeoutSeconds: opts.watchTimeoutSeconds,
      events: {
        enqueue: (key) => this.queue?.add(key),
        restarted: (resource) => opts.metrics.informerRestarts.inc({ resource }),
        listed: (resource) => opts.metrics.informerLists.inc({ resource }),
        watchStarted: (resource) => opts.metrics.informerWatches.inc({ resource }),
      },
    });
    this.reconciler = new Reconciler({
      api: opts.api, cache: this.informers, log: opts.log, defaultImage: opts.defaultImage, canAct: opts.canAct,
      events: new EventRecorder(opts.api, opts.log, opts.instance),
    });
  }

  /** Start the informers (the cache warms even on a non-leader). */
  startInformers(): void {
    if (this.informersRunning) return;
    this.informersRunning = true;
    this.informers.start();
  }

  /** Start acting: wait for the caches, then reconcile every cluster and follow the events. */
  async start(): Promise<void> {
    if (this.queue) return;
    this.startInformers();
    const queue = new WorkQueue((key) => this.handle(key), {
      workers: this.opts.workers ?? 2,
      backoff: this.opts.retryBackoff ?? { baseMs: 200, maxMs: 60_000 },
    });
    this.queue = queue;
    await this.informers.whenSynced();
    if (this.queue !== queue) return; // stopped while waiting
    queue.start();
    this.resyncAll();
    const every = this.opts.resyncMs ?? 300_000;
    if (every > 0) this.resyncTimer = setInterval(() => this.resyncAll(), every);
  }

  /** Stop acting (finish in-flight reconciles); informers keep running unless `andInformers`. */
  async stop(andInformers = false): Promise<void> {
    clearInterval(this.resyncTimer);
    this.resyncTimer = undefined;
    const queue = this.queue;
    this.queue = undefined;
    await queue?.shutdown();
    if (andInformers && this.informersRunning) {
      this.informersRunning = false;
      await this.informers.stop();
    }
  }

  /** Queue every cached NatsCluster. */
  resyncAll(): void {
    const clusters = this.informers.listClusters();
    this.opts.metrics.clustersManaged.set(clusters.length);
    for (const c of clusters) {
      const name = c.metadata?.name;
      if (name) this.queue?.add(`${c.metadata?.namespace ?? ""}/${name}`);
    }
  }

  /** Resolves when the queue has nothing to do (timers for retries excluded). */
  async whenIdle(): Promise<void> { await this.queue?.whenIdle(); }

  private async handle(key: string): Promise<void> {
    const { metrics, log } = this.opts;
    const end = metrics.reconcileDuration.startTimer();
    metrics.clustersManaged.set(this.informers.listClusters().length);
    try {
      const outcome = await this.reconciler.reconcile(key);
      metrics.reconciles.inc({ result: outcome.skipped ? "skipped" : "success" });
      this.opts.onReconciled?.(key, outcome, undefined);
    } catch (err) {
      if (err instanceof NotLeaderError) {
        metrics.reconciles.inc({ result: "skipped" });
        this.opts.onReconciled?.(key, undefined, err);
        return;
      }
      const status = httpStatus(err);
      metrics.reconciles.inc({ result: "error" });
      metrics.errors.inc({ code: status === undefined ? "other" : String(status) });
      log.warn("reconcile failed; will retry with backoff", { cluster: key, error: errorMessage(err) });
      this.opts.onReconciled?.(key, undefined, err);
      throw err;
    } finally {
      end();
    }
  }
}
