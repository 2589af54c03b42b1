// Operator metrics (prom-client) and the HTTP endpoint that serves /metrics and /healthz.
// Each operator instance has its own registry so that two operators can run in one process (tests).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const METRICS_PATH = "/metrics";
export const HEALTHZ_PATH = "/healthz";

export type ReconcileResult = "success" | "error" | "requeue" | "skipped";

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: "skein_operator_reconcile_total", help: "Reconciles of NatsClusters, by result.",
    labelNames: ["result"] as const, registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: "skein_operator_reconcile_duration_seconds", help: "Time spent in one reconcile.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "skein_operator_reconcile_errors_total", help: "Reconcile errors, by HTTP status class of the failing call (or 'other').",
    labelNames: ["code"] as const, registers: [this.registry],
  });
  readonly writes = new Counter({
    name: "skein_operator_api_writes_total", help: "Writes the operator made to the API server, by verb and resource.",
    labelNames: ["verb", "resource"] as const, registers: [this.registry],
  });
  readonly clustersManaged = new Gauge({
    name: "skein_operator_clusters_managed", help: "NatsClusters in the informer cache.", registers: [this.registry],
  });
  readonly isLeader = new Gauge({
    name: "skein_operator_leader", help: "1 while this replica holds the leader Lease (or runs without leader election).",
    registers: [this.registry],
  });
  readonly informerRestarts = new Counter({
    name: "skein_operator_informer_restarts_total", help: "Informers restarted after a failed list or watch.",
    labelNames: ["resource"] as const, registers: [this.registry],
  });

  readonly informerLists = new Counter({
    name: "skein_operator_informer_lists_total", help: "Full lists made by informers (first sync, relists after 410 Gone or a restart).",
    labelNames: ["resource"] as const, registers: [this.registry],
  });

  readonly informerWatches = new Counter({
    name: "skein_operator_informer_watches_total", help: "Watch requests started by informers (each list, timeout, drop or restart starts one).",
    labelNames: ["resource"] as const, registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

export interface HealthSource { healthy(): boolean }

export interface MetricsServer { url: string; port: number; close(): Promise<void> }

/** Serves /metrics and /healthz on host:port (port 0 picks a free one). */
export async function startMetricsServer(metrics: OperatorMetrics, health: HealthSource, port: number, host = "0.0.0.0"): Promise<MetricsServer> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`metrics port must be 0..65535, got ${port}`);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") { res.writeHead(405, { allow: "GET, HEAD" }).end(); return; }
    if (path === METRICS_PATH) {
      metrics.registry.metrics().then(
        (body) => { res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body); },
        (err: unknown) => { res.writeHead(500, { "content-type": "text/plain" }).end(String(err)); },
      );
      return;
    }
    if (path === HEALTHZ_PATH) {
      const ok = health.healthy();
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok" : "unhealthy");
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => { server.off("error", reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = host === "0.0.0.0" ? "127.0.0.1" : host;
  return {
    url: `http://${shownHost}:${addr.port}`,
    port: addr.port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
