#!/usr/bin/env node
// skein-operator: watches NatsClusters and keeps their children as the builders want them.
//   node operator/dist/main.js [--kubeconfig PATH] [--namespace NS | --all-namespaces]
//     [--default-image IMG] [--metrics-port 8080] [--metrics-host 0.0.0.0] [--leader-elect] [--lease-name skein-operator]
//     [--lease-namespace NS] [--log-format json|logfmt] [--log-level info]
// Env: WATCH_NAMESPACE, DEFAULT_IMAGE, POD_NAME, POD_NAMESPACE, KUBECONFIG.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import type { Writable } from "node:stream";
import { KubeConfig } from "@kubernetes/client-node";
import { Controller } from "./controller/controller.js";
import { KubeApi } from "./controller/kube-api.js";
import { LeaderElector } from "./controller/leader-election.js";
import { createLogger, LOG_LEVELS, type LogFormat, type Logger, type LogLevel } from "./log.js";
import { OperatorMetrics, startMetricsServer, type MetricsServer } from "./metrics.js";
import type { BackoffOptions } from "./controller/backoff.js";

export const DEFAULT_BROKER_IMAGE = "ghcr.io/skein-dev/skein-server:0.1.0";
export const DEFAULT_LEASE_NAME = "skein-operator";
export const DEFAULT_METRICS_PORT = 8080;

export interface OperatorOptions {
  /** A kubeconfig file; without it: $KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  kubeconfig?: string;
  /** One namespace to watch; undefined watches all namespaces. */
  namespace?: string;
  /** Watch every namespace even if `namespace` is set (the --all-namespaces flag). */
  allNamespaces?: boolean;
  /** Broker image for clusters without spec.serverImage; default $DEFAULT_IMAGE, then DEFAULT_BROKER_IMAGE. */
  defaultImage?: string;
  /** Port of /metrics and /healthz; 0 picks a free port; null disables the endpoint. */
  metricsPort?: number | null;
  metricsHost?: string;
  leaderElect?: boolean;
  leaseName?: string;
  leaseNamespace?: string;
  /** This replica's name in the Lease and in Events (default POD_NAME or host name). */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  logFormat?: LogFormat;
  logLevel?: LogLevel;
  /** Where log lines go (tests); default stderr. */
  logStream?: Writable;
  workers?: number;
  resyncMs?: number;
  retryBackoff?: BackoffOptions;
  informerBackoff?: BackoffOptions;
  /** Server-side timeout of each watch request (default 300..599 s, random, as client-go). */
  watchTimeoutSeconds?: number;
  /** Called when this replica starts (true) or stops (false) leading; tests record the intervals. */
  onLeaderChange?: (leading: boolean) => void;
}

export interface RunningOperator {
  metrics: OperatorMetrics;
  /** http://host:port of /metrics and /healthz, when enabled. */
  metricsUrl: string | undefined;
  log: Logger;
  controller: Controller;
  isLeader(): boolean;
  stop(): Promise<void>;
}

export async function startOperator(opts: OperatorOptions = {}): Promise<RunningOperator> {
  const log = createLogger({ format: opts.logFormat, level: opts.logLevel, stream: opts.logStream });
  const kubeConfig = new KubeConfig();
  if (opts.kubeconfig) kubeConfig.loadFromFile(opts.kubeconfig);
  else kubeConfig.loadFromDefault();
  if (!kubeConfig.getCurrentCluster()) throw new Error("no Kubernetes cluster configured: pass --kubeconfig, set KUBECONFIG, or run in a pod");
  const metrics = new OperatorMetrics({ processMetrics: opts.metricsPort !== null });
  const api = new KubeApi(kubeConfig, (verb, resource) => metrics.writes.inc({ verb, resource }));
  const identity = opts.identity ?? process.env.POD_NAME ?? `${hostname()}-${randomBytes(4).toString("hex")}`;
  let elector: LeaderElector | undefined;
  const canAct = (): boolean => elector === undefined || elector.isLeader();
  const namespace = opts.allNamespaces ? undefined : opts.namespace;
  const controller = new Controller({
    kubeConfig, api, namespace, defaultImage: opts.defaultImage ?? process.env.DEFAULT_IMAGE ?? DEFAULT_BROKER_IMAGE,
    log, metrics, instance: identity, canAct, workers: opts.workers, resyncMs: opts.resyncMs,
    retryBackoff: opts.retryBackoff, informerBackoff: opts.informerBackoff, watchTimeoutSeconds: opts.watchTimeoutSeconds,
  });
  let stopping = false;
  const startActing = (): void => {
    controller.start().catch((err: unknown) => log.error("controller failed to start", { error: String(err) }));
  };
  if (opts.leaderElect) {
    const leaseNamespace = opts.leaseNamespace ?? process.env.POD_NAMESPACE ?? namespace ?? "default";
    elector = new LeaderElector({
      api, namespace: leaseNamespace, name: opts.leaseName ?? DEFAULT_LEASE_NAME, identity, log,
      leaseDurationMs: opts.leaseDurationMs, renewDeadlineMs: opts.renewDeadlineMs, retryPeriodMs: opts.retryPeriodMs,
      onStartedLeading: () => { metrics.isLeader.set(1); opts.onLeaderChange?.(true); if (!stopping) startActing(); },
      onStoppedLeading: () => {
        metrics.isLeader.set(0);
        opts.onLeaderChange?.(false);
        void controller.stop().catch((err: unknown) => log.error("controller failed to stop", { error: String(err) }));
      },
    });
    controller.startInformers();
    elector.start();
  } else {
    metrics.isLeader.set(1);
    startActing();
  }
  let server: MetricsServer | undefined;
  if (opts.metricsPort !== null) {
    try {
      server = await startMetricsServer(metrics, { healthy: () => !stopping }, opts.metricsPort ?? DEFAULT_METRICS_PORT, opts.metricsHost);
    } catch (err) {
      await elector?.stop();
      await controller.stop(true);
      throw err;
    }
  }
  log.info("operator started", {
    namespace: namespace ?? "(all)", identity, leaderElect: Boolean(opts.leaderElect), metrics: server?.url ?? "off",
  });
  return {
    metrics, log, controller, metricsUrl: server?.url,
    isLeader: canAct,
    async stop() {
      if (stopping) return;
      stopping = true;
      // Stop acting first, then give up the Lease, so the next leader never overlaps with us.
      await controller.stop();
      await elector?.stop();
      await controller.stop(true);
      await server?.close();
      log.info("operator stopped");
    },
  };
}

/** Parse flags and env into options; throws with a clear message on bad input. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): OperatorOptions {
  const opts: OperatorOptions = {};
  const watch = env.WATCH_NAMESPACE;
  if (watch) opts.namespace = watch;
  if (env.DEFAULT_IMAGE) opts.defaultImage = env.DEFAULT_IMAGE;
  let allNamespaces = false;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const eq = raw.indexOf("=");
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`flag ${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--kubeconfig": opts.kubeconfig = value(); break;
      case "--namespace": case "-n": opts.namespace = value(); break;
      case "--all-namespaces": case "-A": allNamespaces = true; break;
      case "--default-image": opts.defaultImage = value(); break;
      case "--metrics-port": {
        const v = value();
        const port = Number(v);
        if (!/^\d+$/.test(v) || port > 65535) throw new Error(`--metrics-port must be a port number 0..65535, got ${JSON.stringify(v)}`);
        opts.metricsPort = port;
        break;
      }
      case "--metrics-host": opts.metricsHost = value(); break;
      case "--leader-elect": opts.leaderElect = inline === undefined ? true : inline !== "false"; break;
      case "--lease-name": opts.leaseName = value(); break;
      case "--lease-namespace": opts.leaseNamespace = value(); break;
      case "--log-format": {
        const v = value();
        if (v !== "json" && v !== "logfmt") throw new Error(`--log-format must be json or logfmt, got ${JSON.stringify(v)}`);
        opts.logFormat = v;
        break;
      }
      case "--log-level": {
        const v = value();
        if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(v)}`);
        opts.logLevel = v as LogLevel;
        break;
      }
      case "--help": case "-h": throw new UsageRequested();
      default: throw new Error(`unknown flag ${JSON.stringify(raw)} (see --help)`);
    }
  }
  if (allNamespaces && argv.some((a) => a === "--namespace" || a === "-n" || a.startsWith("--namespace="))) {
    throw new Error("--namespace and --all-namespaces exclude each other");
  }
  if (allNamespaces) delete opts.namespace;
  return opts;
}

export class UsageRequested extends Error { constructor() { super("usage"); } }

export const USAGE = `usage: skein-operator [--kubeconfig PATH] [--namespace NS | --all-namespaces]
  [--default-image IMAGE] [--metrics-port 8080] [--metrics-host 0.0.0.0] [--leader-elect] [--lease-name skein-operator]
  [--lease-namespace NS] [--log-format json|logfmt] [--log-level error|warn|info|debug]
env: WATCH_NAMESPACE (empty: all), DEFAULT_IMAGE, POD_NAME, POD_NAMESPACE, KUBECONFIG`;

async function main(): Promise<void> {
  let opts: OperatorOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageRequested) { process.stdout.write(`${USAGE}\n`); return; }
    process.stderr.write(`skein-operator: ${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const op = await startOperator(opts);
  const shutdown = (signal: string): void => {
    op.log.info("signal received; shutting down", { signal });
    op.stop().then(() => { process.exitCode = 0; }, (err: unknown) => {
      op.log.error("shutdown failed", { error: String(err) });
      process.exitCode = 1;
    }).finally(() => setTimeout(() => process.exit(), 100).unref());
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

const invoked = process.argv[1];
if (invoked && import.meta.url === pathToFileURL(invoked).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`skein-operator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
