// The same traffic against skein and the reference nats-server 2.9, then every endpoint compared:
// the key structure (names and order, recursively), the sort orders where values are distinct,
// the paging numbers, the closed-connection reasons and the error texts.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { createConnection } from "node:net";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  get, getJson, HOST, list, nats, natsServerSkip, shape, startNatsServer, startSkein, waitFor,
  type Json, type Monitored,
} from "./monitor-support.js";

interface Observed {
  json: Map<string, { [k: string]: Json }>;
  orders: Map<string, string[]>;
  errors: Map<string, string>;
  types: Map<string, string>;
}

const JSON_PATHS = [
  "/varz", "/connz", "/connz?subs=1", "/connz?subs=detail", "/connz?state=closed&subs=detail",
  "/connz?state=any&subs=true", "/connz?auth=true", "/connz?limit=1&offset=1", "/connz?offset=50",
  "/subsz", "/subsz?subs=1", "/subsz?subs=1&test=foo.bar", "/subsz?subs=1&test=no.match",
  "/subscriptionsz", "/routez", "/routez?subs=detail", "/connz?acc=nobody", "/connz?acc=%24G&auth=1",
  "/subsz?acc=nobody", "/connz?auth=1&user=nobody", "/connz?acc=%24SYS", "/connz?subs=DETAIL",
  "/connz?mqtt_client=someone", "/connz?offset=%zz&limit=1", "/connz?limit=1;offset=1",
  "/jsz", "/jsz?accounts=1", "/leafz", "/gatewayz", "/accountz", "/accountz?acc=%24G", "/accountz?acc=%24SYS",
  "/accstatz", "/accstatz?unused=1",
];

const SORTS = [
  "/connz?sort=cid", "/connz?sort=start", "/connz?sort=subs", "/connz?sort=msgs_to", "/connz?sort=msgs_from",
  "/connz?sort=bytes_to", "/connz?sort=bytes_from", "/connz?sort=last", "/connz?sort=idle", "/connz?sort=uptime",
  "/connz?state=closed&sort=stop", "/connz?state=closed&sort=reason", "/connz?state=closed",
  "/connz?sort=subs&limit=2", "/connz?sort=subs&offset=1&limit=1",
];

const BAD = [
  "/connz?sort=bogus", "/connz?sort=stop", "/connz?sort=reason", "/connz?state=bogus", "/connz?limit=abc",
  "/connz?offset=1.5", "/connz?cid=-1", "/connz?cid=x", "/connz?subs=yes", "/connz?auth=maybe",
  "/subsz?subs=detail", "/subsz?test=foo.*", "/subsz?subs=1&test=foo.>", "/subsz?limit=z",
  "/routez?subs=zz", "/healthz?js-enabled-only=foo", "/healthz?js-server-only=2", "/varz/", "/nothing",
  "/connz?limit=99999999999999999999", "/accountz?acc=nobody", "/accstatz?unused=maybe",
];

/** Paths sent as written (fetch would resolve the dot segments), with the answer's status line parts. */
const RAW = ["//varz", "/./varz", "/connz/../varz?state=any", "/v%61rz", "/VARZ", "/%zz", "*", "http://example.com/varz"];

function rawGet(base: string, path: string): Promise<string> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => { body += d; });
      res.on("end", () => resolve(`${res.statusCode} ${res.headers["content-type"]} ${res.headers.location ?? "-"} ` +
        (res.statusCode === 200 ? "(body)" : body)));
    });
    req.on("error", reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Subscribes with a callback (the subscription stays) and resolves once n messages arrived. */
function counted(nc: NatsConnection, subject: string, n: number, queue?: string): Promise<void> {
  return new Promise((resolve) => {
    let k = 0;
    nc.subscribe(subject, { ...(queue === undefined ? {} : { queue }), callback: () => { if (++k === n) resolve(); } });
  });
}

/** A raw connection that sends an unknown op; the server closes it. */
function sendGarbage(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: HOST, port });
    s.once("data", () => s.write('CONNECT {"verbose":false}\r\nFOO BAR\r\n'));
    s.on("error", () => {});
    s.once("close", () => resolve());
    setTimeout(() => { s.destroy(); reject(new Error("the server did not close a connection that sent FOO")); }, 10_000);
  });
}

async function scenario(m: Monitored): Promise<Observed> {
  const conns: NatsConnection[] = [];
  try {
    const a = await nats(m, { name: "alpha" });
    conns.push(a);
    const aWild = counted(a, "foo.*", 10);
    const aQueue = counted(a, "foo.bar", 10, "q1");
    await a.flush();
    const b = await nats(m, { name: "beta" });
    conns.push(b);
    const bBaz = counted(b, "baz", 3);
    b.subscribe("x.y", { max: 5 });
    b.subscribe("x.z");
    await b.flush();
    const d = await nats(m, { name: "delta" });
    conns.push(d);
    await d.flush();

    for (let i = 0; i < 10; i++) b.publish("foo.bar", "hello");
    for (let i = 0; i < 3; i++) d.publish("baz", "0123456789");
    await Promise.all([aWild, aQueue, bBaz]);

    // Closed connections: one that says goodbye, one the server throws out.
    const c = await nats(m, { name: "gamma" });
    c.subscribe("zz.>");
    await c.flush();
    await c.close();
    await sendGarbage(m.port);
    await waitFor(async () => {
      const z = await getJson(m.http, "/connz?state=closed");
      return z["total"] === 2 ? true : undefined;
    }, 10_000, "two closed connections");

    // Distinct last-activity times, oldest first: delta, beta, alpha.
    for (const nc of [d, b, a]) {
      nc.publish("nobody.listens", "x");
      await nc.flush();
      await sleep(30);
    }

    const o: Observed = { json: new Map(), orders: new Map(), errors: new Map(), types: new Map() };
    for (const p of JSON_PATHS) o.json.set(p, await getJson(m.http, p));
    for (const p of SORTS) {
      const z = await getJson(m.http, p);
      o.orders.set(p, list(z["connections"]).map((ci) => String(ci["name"] ?? `reason:${String(ci["reason"])}`)));
    }
    const alphaCid = list((await getJson(m.http, "/connz")).connections ?? null).find((ci) => ci["name"] === "alpha")?.["cid"];
    o.json.set("/connz?cid=<alpha>", await getJson(m.http, `/connz?cid=${String(alphaCid)}`));
    o.json.set("/connz?state=any&cid=<alpha>", await getJson(m.http, `/connz?state=any&cid=${String(alphaCid)}`));
    o.json.set("/connz?cid=999999", await getJson(m.http, "/connz?cid=999999"));
    for (const p of BAD) {
      const r = await get(m.http, p);
      o.errors.set(p, `${r.status} ${r.type} ${r.text}`);
    }
    for (const p of RAW) o.errors.set(`raw ${p}`, await rawGet(m.http, p));
    for (const p of ["/", "/varz", "/healthz", "/varz?callback=cb", "/healthz?callback=cb", "/connz?callback=x"]) {
      const r = await get(m.http, p);
      o.types.set(p, `${r.status} ${r.type}`);
      if (p.includes("callback=cb")) o.types.set(`${p} body`, r.text.replace(/\{[^]*\}/, "{...}"));
    }
    o.json.set("/healthz", await getJson(m.http, "/healthz"));
    return o;
  } finally {
    for (const nc of conns) if (!nc.isClosed()) await nc.close();
  }
}

/** Fields nats-server has that a server without these features (or this client) need not have. */
function dropIrrelevant(path: string, v: Json): Json {
  if (path === "/varz" && v !== null && typeof v === "object" && !Array.isArray(v)) {
    // git_commit, tags, trusted operators and JetStream details only appear when configured.
    // http_req_stats counts this test's own requests, which differ by the readiness probe.
    const { git_commit: _g, tags: _t, http_req_stats: _h, ...rest } = v;
    return rest;
  }
  if (path.startsWith("/accountz?acc=") && v !== null && typeof v === "object" && !Array.isArray(v)) {
    // nats-server's system account imports and exports its own services, which Skein does not run.
    const d = v["account_detail"];
    if (d !== null && typeof d === "object" && !Array.isArray(d)) {
      const { imports: _i, exports: _e, ...rest } = d;
      return { ...v, account_detail: rest };
    }
  }
  return v;
}

describe("monitoring matches nats-server 2.9", { skip: natsServerSkip, timeout: 120_000 }, () => {
  let ref: Observed, ours: Observed;
  let refServer: Monitored | null = null, ourServer: Monitored | null = null;

  before(async () => {
    refServer = await startNatsServer();
    ref = await scenario(refServer);
    ourServer = await startSkein();
    ours = await scenario(ourServer);
  });
  after(async () => {
    await refServer?.stop();
    await ourServer?.stop();
  });

  for (const p of [...JSON_PATHS, "/connz?cid=<alpha>", "/connz?state=any&cid=<alpha>", "/connz?cid=999999", "/healthz"]) {
    it(`${p} has nats-server's keys, in its order`, () => {
      const want = shape(dropIrrelevant(p, ref.json.get(p) ?? null));
      const got = shape(dropIrrelevant(p, ours.json.get(p) ?? null));
      assert.deepEqual(got, want);
    });
  }

  it("an unknown account gets nats-server's empty answer", () => {
    const pick = (o: Observed) => {
      const { now: _n, ...rest } = o.json.get("/connz?acc=nobody") ?? {};
      return [rest, o.json.get("/subsz?acc=nobody"), o.json.get("/connz?auth=1&user=nobody")?.["connections"]];
    };
    assert.deepEqual(pick(ours), pick(ref));
  });

  it("the paging and count fields agree", () => {
    const pick = (o: Observed) => ["/connz?acc=%24G&auth=1",
      "/connz", "/connz?limit=1&offset=1", "/connz?offset=50", "/connz?state=closed&subs=detail",
      "/connz?state=any&subs=true", "/connz?cid=<alpha>", "/connz?state=any&cid=<alpha>", "/connz?cid=999999",
      "/connz?acc=%24SYS", "/connz?mqtt_client=someone", "/connz?offset=%zz&limit=1", "/connz?limit=1;offset=1",
    ].map((p) => {
      const z = o.json.get(p) ?? {};
      return [p, z["num_connections"], z["total"], z["offset"], z["limit"]];
    });
    assert.deepEqual(pick(ours), pick(ref));
  });

  for (const p of SORTS) {
    it(`${p} orders the connections as nats-server does`, () => {
      assert.deepEqual(ours.orders.get(p), ref.orders.get(p));
    });
  }

  it("closed connections keep their subscriptions and the reason they closed", () => {
    const closed = (o: Observed) => list(o.json.get("/connz?state=closed&subs=detail")?.["connections"] ?? null)
      .map((ci) => ({ name: ci["name"], reason: ci["reason"], subs: ci["subscriptions"],
        detail: list(ci["subscriptions_list_detail"] ?? []).map((d) => [d["account"], d["subject"], d["sid"], d["msgs"]]) }));
    assert.deepEqual(closed(ours), closed(ref));
  });

  it("per-connection counters agree", () => {
    const counts = (o: Observed) => list(o.json.get("/connz?subs=detail")?.["connections"] ?? null).map((ci) => ({
      name: ci["name"], in_msgs: ci["in_msgs"], out_msgs: ci["out_msgs"], in_bytes: ci["in_bytes"],
      out_bytes: ci["out_bytes"], subscriptions: ci["subscriptions"],
      detail: list(ci["subscriptions_list_detail"] ?? []).map((d) => [d["subject"], d["qgroup"] ?? null, d["sid"], d["msgs"], d["max"] ?? null])
        .sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    }));
    assert.deepEqual(counts(ours), counts(ref));
  });

  it("/accstatz counts the clients' traffic in the global account as nats-server does", () => {
    const stats = (o: Observed) => [o.json.get("/accstatz")?.["account_statz"], o.json.get("/accstatz?unused=1")?.["account_statz"]];
    assert.deepEqual(stats(ours), stats(ref));
  });

  it("/subsz?test lists the subscriptions a literal subject reaches", () => {
    const subs = (o: Observed) => list(o.json.get("/subsz?subs=1&test=foo.bar")?.["subscriptions_list"] ?? null)
      .map((d) => [d["account"], d["subject"], d["qgroup"] ?? null, d["msgs"]])
      .sort((x, y) => String(x[1]).localeCompare(String(y[1])));
    assert.deepEqual(subs(ours), subs(ref));
    assert.equal(ours.json.get("/subsz?subs=1&test=foo.bar")?.["total"], 2);
  });

  for (const p of BAD) {
    it(`${p} fails as nats-server fails`, () => {
      assert.equal(ours.errors.get(p), ref.errors.get(p));
    });
  }

  for (const p of RAW) {
    it(`${p} (sent as written) is answered as nats-server answers it`, () => {
      assert.equal(ours.errors.get(`raw ${p}`), ref.errors.get(`raw ${p}`));
    });
  }

  it("content types, JSONP and the health body agree", () => {
    assert.deepEqual([...ours.types.entries()], [...ref.types.entries()]);
    assert.deepEqual(ours.json.get("/healthz"), ref.json.get("/healthz"));
  });
});
