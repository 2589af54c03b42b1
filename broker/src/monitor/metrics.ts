// /metrics in the Prometheus text format, with the names, types and labels the standard
// prometheus-nats-exporter gives NATS servers (gnatsd_varz_*, gnatsd_connz_*, gnatsd_routez_*,
// gnatsd_subsz_*, gnatsd_healthz_status), so dashboards built on that exporter work unchanged.
// Nothing is counted here: each scrape takes one snapshot of the endpoints' JSON and the metrics
// read their values from it.

import { Counter, Gauge, Registry } from "prom-client";
import type { Connz } from "./connz.js";
import type { Routez } from "./routez.js";
import type { SublistStats, Subsz } from "./subsz.js";
import type { Varz } from "./varz.js";

export const METRIC_PREFIX = "gnatsd";

/** The numeric /varz fields the exporter turns into gauges (one per field present). */
export const VARZ_GAUGES = [
  "proto", "port", "max_connections", "max_subscriptions", "ping_interval", "ping_max", "http_port",
  "https_port", "auth_timeout", "max_control_line", "max_payload", "max_pending", "tls_timeout",
  "write_deadline", "mem", "cores", "gomaxprocs", "cpu", "connections", "total_connections", "routes",
  "remotes", "leafnodes", "in_msgs", "out_msgs", "in_bytes", "out_bytes", "slow_consumers", "subscriptions",
] as const satisfies readonly (keyof Varz)[];

/** /varz strings the exporter reports as a gauge of 1 with the text in a `value` label. */
export const VARZ_LABELS = ["server_id", "server_name", "version"] as const satisfies readonly (keyof Varz)[];

export const SUBSZ_GAUGES = [
  "num_subscriptions", "num_cache", "num_inserts", "num_removes", "num_matches", "cache_hit_rate",
  "max_fanout", "avg_fanout",
] as const satisfies readonly (keyof SublistStats)[];

/** One scrape's view of the server, taken before the registry renders. */
export interface Snapshot {
  varz: Varz;
  connz: Connz;
  routez: Routez;
  subsz: SublistStats | Subsz;
  healthy: boolean;
}

type Label = "server_id";

export class MetricsRegistry {
  readonly registry = new Registry();
  private snap: Snapshot | null = null;

  constructor() {
    for (const f of VARZ_GAUGES) this.gauge(`varz_${f}`, (s) => numberField(s.varz, f));
    for (const f of VARZ_LABELS) this.labelGauge(`varz_${f}`, (s) => s.varz[f]);

    this.gauge("connz_num_connections", (s) => s.connz.num_connections);
    this.gauge("connz_total", (s) => s.connz.total);
    this.gauge("connz_offset", (s) => s.connz.offset);
    this.gauge("connz_limit", (s) => s.connz.limit);
    this.gauge("connz_pending_bytes", (s) => sumConns(s.connz, (c) => c.pending_bytes));
    this.gauge("connz_subscriptions", (s) => sumConns(s.connz, (c) => c.subscriptions));
    this.counter("connz_in_bytes", (s) => sumConns(s.connz, (c) => c.in_bytes));
    this.counter("connz_out_bytes", (s) => sumConns(s.connz, (c) => c.out_bytes));
    this.counter("connz_in_msgs", (s) => sumConns(s.connz, (c) => c.in_msgs));
    this.counter("connz_out_msgs", (s) => sumConns(s.connz, (c) => c.out_msgs));

    this.gauge("routez_num_routes", (s) => s.routez.num_routes);
    this.labelGauge("routez_server_id", (s) => s.routez.server_id);

    for (const f of SUBSZ_GAUGES) this.gauge(`subsz_${f}`, (s) => s.subsz[f]);

    this.gauge("healthz_status", (s) => (s.healthy ? 0 : 1));
  }

  /** Renders the metrics of one snapshot. */
  async render(snap: Snapshot): Promise<string> {
    this.snap = snap;
    try {
      return await this.registry.metrics();
    } finally {
      this.snap = null;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private gauge(name: string, read: (s: Snapshot) => number | undefined): void {
    const self = this;
    new Gauge<Label>({
      name: `${METRIC_PREFIX}_${name}`,
      help: name.slice(name.indexOf("_") + 1),
      labelNames: ["server_id"],
      registers: [this.registry],
      collect() {
        this.reset();
        const s = self.snap;
        if (s === null) return;
        const v = read(s);
        if (v !== undefined) this.set({ server_id: s.varz.server_id }, v);
      },
    });
  }

  private counter(name: string, read: (s: Snapshot) => number): void {
    const self = this;
    new Counter<Label>({
      name: `${METRIC_PREFIX}_${name}`,
      help: name.slice(name.indexOf("_") + 1),
      labelNames: ["server_id"],
      registers: [this.registry],
      collect() {
        this.reset();
        const s = self.snap;
        if (s !== null) this.inc({ server_id: s.varz.server_id }, read(s));
      },
    });
  }

  private labelGauge(name: string, read: (s: Snapshot) => string): void {
    const self = this;
    new Gauge<Label | "value">({
      name: `${METRIC_PREFIX}_${name}`,
      help: name.slice(name.indexOf("_") + 1),
      labelNames: ["server_id", "value"],
      registers: [this.registry],
      collect() {
        this.reset();
        const s = self.snap;
        if (s !== null) this.set({ server_id: s.varz.server_id, value: read(s) }, 1);
      },
    });
  }
}

function numberField(v: Varz, f: (typeof VARZ_GAUGES)[number]): number | undefined {
  return v[f];
}

function sumConns(c: Connz, f: (ci: NonNullable<Connz["connections"]>[number]) => number): number {
  let total = 0;
  for (const ci of c.connections ?? []) total += f(ci);
  return total;
}
