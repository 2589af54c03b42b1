// /metrics parsed as Prometheus text: the standard NATS exporter's names, types and labels, values
// equal to what the JSON endpoints say at the same moment, and the shipped Grafana dashboard using
// only metrics that exist.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NatsConnection } from "@nats-io/transport-node";
import { get, getJson, list, nats, startSkein, waitFor, type SkeinMonitored } from "./monitor-support.js";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

/** A parser for the Prometheus text format (enough for label values without escapes inside). */
function parseExposition(text: string): Exposition {
  const out: Exposition = { types: new Map(), help: new Map(), samples: [] };
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      (m[1] === "HELP" ? out.help : out.types).set(m[2] ?? "", m[3] ?? "");
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a Prometheus text line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] ?? ""] = l[2] ?? "";
    out.samples.push({ name: m[1] ?? "", labels, value: Number(m[3]) });
  }
  return out;
}

const here = dirname(fileURLToPath(import.meta.url));
const DASHBOARD = join(here, "../../charts/skein-operator/dashboards/skein-nats-servers.json");

describe("/metrics", { timeout: 60_000 }, () => {
  let m: SkeinMonitored;
  const conns: NatsConnection[] = [];
  let exp: Exposition;
  let varz: Record<string, unknown>, connz: Record<string, unknown>, subsz: Record<string, unknown>;
  let contentType = "";

  before(async () => {
    m = await startSkein({ maxSubscriptions: 50 });
    const a = await nats(m, { name: "metrics-a" });
    const b = await nats(m, { name: "metrics-b" });
    conns.push(a, b);
    let got = 0;
    a.subscribe("m.>", { callback: () => { got++; } });
    a.subscribe("m.x", { queue: "q" });
    await a.flush();
    for (let i = 0; i < 40; i++) b.publish("m.x", "abcdef");
    await b.flush();
    await waitFor(() => (got === 40 ? true : undefined), 10_000, "40 deliveries");
    await waitFor(async () => (Number((await getJson(m.http, "/varz"))["out_msgs"]) === 80 ? true : undefined), 10_000, "out_msgs 80");
    // Quiet now: the JSON and the metrics read the same counters.
    const r = await get(m.http, "/metrics");
    assert.equal(r.status, 200);
    contentType = r.type;
    exp = parseExposition(r.text);
    varz = await getJson(m.http, "/varz");
    connz = await getJson(m.http, "/connz");
    subsz = await getJson(m.http, "/subsz");
  });
  after(async () => {
    for (const nc of conns) await nc.close();
    await m.stop();
  });

  const one = (name: string): Sample => {
    const s = exp.samples.filter((x) => x.name === name);
    assert.equal(s.length, 1, `exactly one sample of ${name}`);
    return s[0] as Sample;
  };

  it("is Prometheus text, with only the exporter's gnatsd_ metrics", () => {
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    for (const s of exp.samples) assert.match(s.name, /^gnatsd_(varz|connz|routez|subsz|healthz)_/);
  });

  it("each numeric /varz field is a gauge gnatsd_varz_<field>{server_id} with the same value", () => {
    const stable = ["proto", "port", "max_connections", "max_subscriptions", "ping_interval", "ping_max", "http_port",
      "https_port", "auth_timeout", "max_control_line", "max_payload", "max_pending", "tls_timeout", "write_deadline",
      "cores", "gomaxprocs", "connections", "total_connections", "routes", "remotes", "leafnodes", "in_msgs",
      "out_msgs", "in_bytes", "out_bytes", "slow_consumers", "subscriptions"];
    for (const f of stable) {
      const s = one(`gnatsd_varz_${f}`);
      assert.deepEqual(s.labels, { server_id: m.server.id }, f);
      assert.equal(s.value, varz[f], f);
      assert.equal(exp.types.get(`gnatsd_varz_${f}`), "gauge", f);
      assert.equal(exp.help.get(`gnatsd_varz_${f}`), f, "the exporter's help text is the field name");
    }
    assert.equal(one("gnatsd_varz_in_msgs").value, 40);
    assert.equal(one("gnatsd_varz_out_msgs").value, 80);
    assert.equal(one("gnatsd_varz_max_subscriptions").value, 50);
    assert.ok(one("gnatsd_varz_mem").value > 1_000_000);
    assert.ok(one("gnatsd_varz_cpu").value >= 0);
  });

  it("server_id, server_name and version are gauges of 1 with the text in a value label", () => {
    assert.deepEqual(one("gnatsd_varz_server_id").labels, { server_id: m.server.id, value: m.server.id });
    assert.deepEqual(one("gnatsd_varz_server_name").labels, { server_id: m.server.id, value: m.server.name });
    assert.deepEqual(one("gnatsd_varz_version").labels, { server_id: m.server.id, value: "2.9.10" });
    assert.equal(one("gnatsd_varz_version").value, 1);
  });

  it("gnatsd_connz_* sum the default /connz page; in/out are counters", () => {
    const conns = list(connz["connections"] as never);
    const sum = (k: string) => conns.reduce((t, c) => t + Number(c[k]), 0);
    assert.equal(one("gnatsd_connz_num_connections").value, connz["num_connections"]);
    assert.equal(one("gnatsd_connz_total").value, connz["total"]);
    assert.equal(one("gnatsd_connz_limit").value, 1024);
    assert.equal(one("gnatsd_connz_offset").value, 0);
    assert.equal(one("gnatsd_connz_subscriptions").value, sum("subscriptions"));
    assert.equal(one("gnatsd_connz_pending_bytes").value, sum("pending_bytes"));
    for (const k of ["in_msgs", "out_msgs", "in_bytes", "out_bytes"]) {
      assert.equal(one(`gnatsd_connz_${k}`).value, sum(k), k);
      assert.equal(exp.types.get(`gnatsd_connz_${k}`), "counter", k);
    }
    assert.equal(one("gnatsd_connz_in_msgs").value, 40);
  });

  it("gnatsd_subsz_*, gnatsd_routez_* and gnatsd_healthz_status", () => {
    for (const f of ["num_subscriptions", "num_cache", "num_inserts", "num_removes", "num_matches", "cache_hit_rate", "max_fanout", "avg_fanout"]) {
      assert.equal(one(`gnatsd_subsz_${f}`).value, subsz[f], f);
    }
    assert.equal(one("gnatsd_subsz_num_subscriptions").value, 2);
    assert.equal(one("gnatsd_routez_num_routes").value, 0);
    assert.deepEqual(one("gnatsd_routez_server_id").labels, { server_id: m.server.id, value: m.server.id });
    assert.equal(one("gnatsd_healthz_status").value, 0, "0 is healthy, as the exporter reports it");
  });

  it("values follow the server between scrapes", async () => {
    const c = await nats(m, { name: "metrics-c" });
    conns.push(c);
    const again = parseExposition((await get(m.http, "/metrics")).text);
    const v = again.samples.find((s) => s.name === "gnatsd_varz_connections")?.value;
    assert.equal(v, 3);
  });

  it("the Grafana dashboard uses only these metrics, filtered by the server variable", () => {
    const dash = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
      uid: string;
      panels: { id: number; type: string; gridPos: object; targets?: { expr: string }[] }[];
      templating: { list: { name: string; type: string; query: unknown }[] };
    };
    const names = new Set(exp.samples.map((s) => s.name));
    const used = new Set<string>();
    const ids = new Set<number>();
    for (const p of dash.panels) {
      assert.ok(!ids.has(p.id), `panel id ${p.id} is unique`);
      ids.add(p.id);
      assert.ok(p.gridPos, `panel ${p.id} has a position`);
      for (const t of p.targets ?? []) {
        assert.ok(t.expr.includes('server_id=~"$server"'), `${t.expr} filters by the server variable`);
        for (const n of t.expr.match(/gnatsd_[a-z_]+/g) ?? []) used.add(n);
      }
    }
    for (const n of used) assert.ok(names.has(n), `${n} is served at /metrics`);
    for (const n of ["gnatsd_varz_connections", "gnatsd_varz_in_msgs", "gnatsd_varz_out_msgs", "gnatsd_varz_in_bytes",
      "gnatsd_varz_out_bytes", "gnatsd_varz_cpu", "gnatsd_varz_mem", "gnatsd_varz_slow_consumers",
      "gnatsd_varz_subscriptions", "gnatsd_varz_routes"]) {
      assert.ok(used.has(n), `the dashboard shows ${n}`);
    }
    const server = dash.templating.list.find((v) => v.name === "server");
    assert.ok(server, "a server template variable");
    assert.match(JSON.stringify(server.query), /label_values\(gnatsd_varz_connections, server_id\)/);
  });
});
