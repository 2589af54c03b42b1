// Every endpoint of skein's monitor with real clients: counters that move with traffic, paging,
// lookups by cid, pending bytes of a stalled consumer, closed connections with their reasons,
// /subsz paging and test subjects, request counts, JSONP, UTF-8 subjects and the start-up rules.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createConnection, type Socket } from "node:net";
import type { NatsConnection } from "@nats-io/transport-node";
import { get, getJson, HOST, list, nats, startSkein, waitFor, type SkeinMonitored } from "./monitor-support.js";
import { Server } from "../src/server.js";
import { defaultOptions } from "../src/options.js";
import { quietLogger } from "./monitor-support.js";

/** A raw connection that has sent CONNECT; `lines` collects what the server sent. */
async function raw(port: number, connect = '{"verbose":false,"pedantic":false}'): Promise<Socket & { text: () => string }> {
  const s = createConnection({ host: HOST, port }) as Socket & { text: () => string };
  let got = "";
  s.on("data", (d: Buffer) => { got += d.toString("latin1"); });
  s.on("error", () => {});
  s.text = () => got;
  await waitFor(() => (got.startsWith("INFO ") ? true : undefined), 10_000, "INFO");
  s.write(`CONNECT ${connect}\r\nPING\r\n`);
  await waitFor(() => (got.includes("PONG\r\n") ? true : undefined), 10_000, "PONG");
  return s;
}

function closed(s: Socket): Promise<void> {
  return new Promise((r) => (s.destroyed ? r() : s.once("close", () => r())));
}

describe("monitor endpoints with traffic", { timeout: 120_000 }, () => {
  let m: SkeinMonitored;
  const conns: NatsConnection[] = [];
  before(async () => { m = await startSkein({ maxPayload: 1024 }); });
  after(async () => {
    for (const nc of conns) if (!nc.isClosed()) await nc.close();
    await m.stop();
  });

  it("logs where it listens, as nats-server does", () => {
    const port = new URL(m.http).port;
    assert.ok(m.log.lines.includes(`[INF] Starting http monitor on ${HOST}:${port}`), m.log.lines.join("\n"));
    const monitorLine = m.log.lines.findIndex((l) => l.includes("Starting http monitor"));
    const listenLine = m.log.lines.findIndex((l) => l.includes("Listening for client connections"));
    assert.ok(monitorLine < listenLine, "the monitor starts before the client listener");
  });

  it("/varz counters move with messages, connections and subscriptions", async () => {
    const before = await getJson(m.http, "/varz");
    const pub = await nats(m, { name: "pub" });
    const sub = await nats(m, { name: "sub" });
    conns.push(pub, sub);
    let got = 0;
    sub.subscribe("v.>", { callback: () => { got++; } });
    sub.subscribe("v.one");
    await sub.flush();
    for (let i = 0; i < 25; i++) pub.publish("v.one", "0123456789"); // 10 bytes, two subscribers
    await pub.flush();
    await waitFor(() => (got === 25 ? true : undefined), 10_000, "25 deliveries");
    const after = await waitFor(async () => {
      const v = await getJson(m.http, "/varz");
      return Number(v["out_msgs"]) - Number(before["out_msgs"]) === 50 ? v : undefined;
    }, 10_000, "out_msgs to move by 50");
    const delta = (k: string) => Number(after[k]) - Number(before[k]);
    assert.equal(delta("in_msgs"), 25);
    assert.equal(delta("in_bytes"), 250);
    assert.equal(delta("out_bytes"), 500);
    assert.equal(delta("connections"), 2);
    assert.equal(delta("total_connections"), 2);
    assert.equal(delta("subscriptions"), 2);
    assert.equal(after["server_id"], m.server.id);
    assert.equal(after["port"], m.port);
    assert.match(String(after["now"]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    assert.match(String(after["uptime"]), /^\d+s$|^\d+m\d+s$/);
    assert.ok(Number(after["mem"]) > 1_000_000, "mem is the resident set size in bytes");
  });

  it("/varz http_req_stats counts each endpoint; /subscriptionsz counts as /subsz", async () => {
    const stats = async () => (await getJson(m.http, "/varz"))["http_req_stats"] as { [k: string]: number };
    const s0 = await stats();
    await get(m.http, "/subsz");
    await get(m.http, "/subscriptionsz");
    await get(m.http, "/connz");
    await get(m.http, "/");
    // As nats-server: a /connz query that does not decode is not counted, but one it refuses
    // afterwards (an unknown sort) is, and so is every /subsz or /healthz request.
    assert.equal((await get(m.http, "/connz?limit=x")).status, 400);
    assert.equal((await get(m.http, "/connz?sort=nope")).status, 400);
    assert.equal((await get(m.http, "/subsz?subs=x")).status, 400);
    const s1 = await stats();
    assert.equal((s1["/subsz"] ?? 0) - (s0["/subsz"] ?? 0), 3);
    assert.equal((s1["/connz"] ?? 0) - (s0["/connz"] ?? 0), 2);
    assert.equal((s1["/"] ?? 0) - (s0["/"] ?? 0), 1);
    assert.equal((s1["/varz"] ?? 0) - (s0["/varz"] ?? 0), 1);
    assert.deepEqual(Object.keys(s1), Object.keys(s1).sort(), "keys sorted as Go prints a map");
  });

  it("/connz pages by offset and limit, in cid order, and finds one cid", async () => {
    const extra: NatsConnection[] = [];
    for (let i = 0; i < 7; i++) extra.push(await nats(m, { name: `page-${i}` }));
    conns.push(...extra);
    const all = await getJson(m.http, "/connz");
    const cids = list(all["connections"]).map((c) => Number(c["cid"]));
    assert.deepEqual(cids, [...cids].sort((a, b) => a - b));
    assert.equal(all["total"], cids.length);
    const paged: number[] = [];
    for (let off = 0; off < cids.length; off += 3) {
      const z = await getJson(m.http, `/connz?offset=${off}&limit=3`);
      assert.equal(z["offset"], off);
      assert.equal(z["limit"], 3);
      assert.equal(z["total"], cids.length);
      assert.equal(z["num_connections"], list(z["connections"]).length);
      paged.push(...list(z["connections"]).map((c) => Number(c["cid"])));
    }
    assert.deepEqual(paged, cids);
    const beyond = await getJson(m.http, `/connz?offset=${cids.length + 5}`);
    assert.deepEqual(beyond["connections"], []);
    const target = cids[2] ?? 0;
    const one = await getJson(m.http, `/connz?cid=${target}`);
    assert.equal(one["limit"], 1);
    assert.deepEqual(list(one["connections"]).map((c) => c["cid"]), [target]);
  });

  it("/connz subs lists subjects; subs=detail adds queue, sid, delivered count and max", async () => {
    const nc = await nats(m, { name: "detailed" });
    conns.push(nc);
    nc.subscribe("d.plain");
    nc.subscribe("d.queue", { queue: "workers" });
    nc.subscribe("d.max", { max: 7 });
    await nc.flush();
    nc.publish("d.plain", "abc");
    await nc.flush();
    const find = async (q: string) => {
      const z = await getJson(m.http, `/connz?${q}`);
      const ci = list(z["connections"]).find((c) => c["name"] === "detailed");
      assert.ok(ci, "the connection is listed");
      return ci;
    };
    const plain = await find("subs=1");
    assert.deepEqual([...(plain["subscriptions_list"] as string[])].sort(), ["d.max", "d.plain", "d.queue"]);
    assert.equal(plain["subscriptions_list_detail"], undefined);
    const detail = await waitFor(async () => {
      const ci = await find("subs=detail");
      const d = list(ci["subscriptions_list_detail"]);
      return d.find((x) => x["subject"] === "d.plain")?.["msgs"] === 1 ? d : undefined;
    }, 10_000, "the delivery to be counted");
    const bySubject = new Map(detail.map((d) => [d["subject"], d]));
    assert.equal(bySubject.get("d.queue")?.["qgroup"], "workers");
    assert.equal(bySubject.get("d.max")?.["max"], 7);
    assert.equal(bySubject.get("d.plain")?.["cid"], (await find(""))["cid"]);
    assert.equal(bySubject.get("d.plain")?.["account"], undefined, "open connections' details name no account");
    const none = await find("");
    assert.equal(none["subscriptions_list"], undefined);
    assert.equal(none["subscriptions"], 3);
    assert.equal(none["lang"], "nats.js");
  });

  it("/connz?sort=pending puts a stalled consumer first, with its pending bytes", async () => {
    const slow = await raw(m.port);
    slow.write("SUB stall 1\r\nPING\r\n");
    await waitFor(() => (slow.text().split("PONG").length > 2 ? true : undefined), 10_000, "SUB to be acknowledged");
    slow.pause();
    const pub = await nats(m, { name: "stall-pub" });
    conns.push(pub);
    const payload = new Uint8Array(900);
    // 18 MB, more than the socket buffers hold. No flush: the server pauses this publisher while
    // the consumer is stuck, and cuts the consumer after write_deadline.
    for (let i = 0; i < 20_000; i++) pub.publish("stall", payload);
    const z = await waitFor(async () => {
      const r = await getJson(m.http, "/connz?sort=pending&limit=1");
      const first = list(r["connections"])[0];
      return first !== undefined && Number(first["pending_bytes"]) > 0 ? first : undefined;
    }, 20_000, "a connection with pending bytes");
    assert.equal(z["port"], slow.localPort);
    slow.destroy();
  });

  it("closed connections are kept with their stop time, reason and subscriptions", async () => {
    const bye = await nats(m, { name: "leaver" });
    bye.subscribe("leaving.>");
    await bye.flush();
    await bye.close();
    const big = await raw(m.port);
    big.write(`PUB too.big 2048\r\n${"x".repeat(2048)}\r\n`); // max_payload is 1024 here
    await closed(big);
    const rec = await waitFor(async () => {
      const z = await getJson(m.http, "/connz?state=closed&subs=1");
      const cs = list(z["connections"]);
      const leaver = cs.find((c) => c["name"] === "leaver");
      const tooBig = cs.find((c) => c["reason"] === "Maximum Message Payload Exceeded");
      return leaver && tooBig ? { leaver, tooBig, z } : undefined;
    }, 10_000, "both connections in the closed list");
    assert.equal(rec.leaver["reason"], "Client Closed");
    assert.deepEqual(rec.leaver["subscriptions_list"], ["leaving.>"]);
    assert.equal(rec.leaver["subscriptions"], 1);
    const stopOf = (c: { [k: string]: unknown }) => Date.parse(String(c["stop"]));
    assert.ok(stopOf(rec.leaver) >= Date.parse(String(rec.leaver["start"])));
    const byStop = list((await getJson(m.http, "/connz?state=closed&sort=stop"))["connections"]);
    assert.deepEqual(byStop.map(stopOf), byStop.map(stopOf).sort((a, b) => b - a), "latest stop first");
    const open = await getJson(m.http, "/connz");
    assert.ok(!list(open["connections"]).some((c) => c["name"] === "leaver"), "closed ones leave the open list");
    const any = await getJson(m.http, "/connz?state=any");
    assert.equal(any["total"], Number(open["total"]) + Number(rec.z["total"]));
  });

  it("/subsz lists, filters by a literal test subject and pages", async () => {
    const nc = await nats(m, { name: "subsz" });
    conns.push(nc);
    for (const s of ["s.a", "s.b", "s.*", "s.>", "other"]) nc.subscribe(s);
    await nc.flush();
    const z = await getJson(m.http, "/subsz?subs=1&test=s.a");
    const subjects = list(z["subscriptions_list"]).map((d) => d["subject"]).sort();
    assert.deepEqual(subjects, ["s.*", "s.>", "s.a"]);
    assert.equal(z["total"], 3);
    for (const d of list(z["subscriptions_list"])) assert.equal(d["account"], "$G");
    const page = await getJson(m.http, "/subsz?subs=1&test=s.a&offset=1&limit=1");
    assert.equal(list(page["subscriptions_list"]).length, 1);
    assert.equal(page["offset"], 1);
    assert.equal(page["limit"], 1);
    const stats = await getJson(m.http, "/subsz");
    assert.equal(stats["num_subscriptions"], m.server.sublist.size);
    assert.equal(stats["server_id"], undefined, "without subs only the statistics");
    const deep = await getJson(m.http, "/subsz?subs=1&test=s.b.c");
    assert.deepEqual(list(deep["subscriptions_list"]).map((d) => d["subject"]), ["s.>"]);
  });

  it("/subsz statistics follow the sublist: matches, cache and fanout", async () => {
    const nc = await nats(m, { name: "fanout" });
    conns.push(nc);
    for (let i = 0; i < 3; i++) nc.subscribe("fan.out");
    nc.subscribe("fan.out", { queue: "g" });
    await nc.flush();
    const p = await nats(m, { name: "fanout-pub" });
    conns.push(p);
    p.publish("fan.out");
    await p.flush();
    const s = await getJson(m.http, "/subsz");
    assert.ok(Number(s["num_matches"]) >= 1);
    assert.ok(Number(s["num_cache"]) >= 1);
    assert.ok(Number(s["max_fanout"]) >= 4, "3 plain subscribers and one queue group");
    assert.ok(Number(s["avg_fanout"]) > 0);
    assert.ok(Number(s["num_inserts"]) >= Number(s["num_subscriptions"]));
  });

  it("/routez without a cluster lists no routes", async () => {
    const z = await getJson(m.http, "/routez?subs=1");
    assert.equal(z["num_routes"], 0);
    assert.deepEqual(z["routes"], []);
    assert.equal(z["server_id"], m.server.id);
  });

  it("/healthz, JSONP callbacks, the index page and unknown paths", async () => {
    assert.deepEqual(await getJson(m.http, "/healthz"), { status: "ok" });
    const j = await get(m.http, "/varz?callback=show");
    assert.equal(j.type, "application/javascript");
    assert.match(j.text, /^show\(\{\n {2}"server_id": /);
    assert.ok(j.text.endsWith("})"));
    const idx = await get(m.http, "/");
    assert.equal(idx.status, 200);
    for (const p of ["varz", "jsz", "connz", "accountz", "accstatz", "subsz", "routez", "leafz", "gatewayz", "healthz", "metrics"]) {
      assert.ok(idx.text.includes(`href=./${p}`), p);
    }
    const nf = await fetch(`${m.http}/nothing`);
    assert.equal(nf.status, 404);
    assert.equal(nf.headers.get("x-content-type-options"), "nosniff");
    assert.equal(await nf.text(), "404 page not found\n");
  });

  it("subjects and names are UTF-8 in the JSON, with Go's escaping of < > &", async () => {
    const nc = await nats(m, { name: "naïve <&>" });
    conns.push(nc);
    nc.subscribe("grüße.>");
    await nc.flush();
    const r = await get(m.http, "/connz?subs=1");
    assert.ok(r.text.includes('"name": "naïve \\u003c\\u0026\\u003e"'), "Go escapes HTML characters");
    assert.ok(r.text.includes('"grüße.\\u003e"'));
    const ci = list(JSON.parse(r.text).connections).find((c) => c["name"] === "naïve <&>");
    assert.deepEqual(ci?.["subscriptions_list"], ["grüße.>"]);
  });
});

describe("monitor life cycle", { timeout: 60_000 }, () => {
  it("no monitor when neither http_port nor https_port is set", async () => {
    const s = new Server({ ...defaultOptions(), host: HOST, port: 0 }, quietLogger());
    await s.start();
    try {
      assert.equal(s.monitor, null);
    } finally {
      await s.shutdown();
    }
  });

  it("refuses both an HTTP and an HTTPS port, and HTTPS without a certificate", async () => {
    const both = new Server({ ...defaultOptions(), host: HOST, port: 0, httpHost: HOST, httpPort: -1, httpsPort: -1 }, quietLogger());
    await assert.rejects(both.start(), { message: "Can't start monitoring: can't specify both HTTP (-1) and HTTPs (-1) ports" });
    const noCert = new Server({ ...defaultOptions(), host: HOST, port: 0, httpHost: HOST, httpsPort: -1 }, quietLogger());
    await assert.rejects(noCert.start(), { message: "Can't start monitoring: TLS cert and key required for HTTPS" });
  });

  it("a monitor port in use fails with nats-server's words", async () => {
    const first = await startSkein();
    try {
      const port = Number(new URL(first.http).port);
      const s = new Server({ ...defaultOptions(), host: HOST, port: 0, httpHost: HOST, httpPort: port }, quietLogger());
      await assert.rejects(s.start(), {
        message: `Can't start monitoring: can't listen to the monitor port: listen tcp ${HOST}:${port}: bind: address already in use`,
      });
    } finally {
      await first.stop();
    }
  });

  it("/healthz fails as nats-server's does once the listener closes for lame duck", async () => {
    const m = await startSkein();
    try {
      await m.server.stopAccepting();
      const r = await get(m.http, "/healthz");
      assert.equal(r.status, 503);
      assert.equal(r.type, "text/plain; charset=utf-8");
      assert.equal(r.text, '{"status":"error","error":"failed to be ready for connections after 1ms: server"}');
      assert.ok(m.log.lines.includes('[WRN] Healthcheck failed: "failed to be ready for connections after 1ms: server"'));
    } finally {
      await m.stop();
    }
  });

  it("a reload moves config_load_time and shows the new options", async () => {
    const m = await startSkein();
    try {
      const v0 = await getJson(m.http, "/varz");
      assert.equal(v0["config_load_time"], v0["start"]);
      await new Promise((r) => setTimeout(r, 20));
      m.server.applyOptions({ ...m.server.opts, maxPayload: 4096 });
      const v1 = await getJson(m.http, "/varz");
      assert.ok(Date.parse(String(v1["config_load_time"])) > Date.parse(String(v0["config_load_time"])));
      assert.equal(v1["max_payload"], 4096);
    } finally {
      await m.stop();
    }
  });

  it("shutdown stops the monitor", async () => {
    const m = await startSkein();
    await getJson(m.http, "/varz");
    await m.stop();
    await assert.rejects(fetch(`${m.http}/varz`));
  });
});
