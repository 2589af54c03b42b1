// The official NATS client (@nats-io/transport-node) against each server: pub/sub, wildcards,
// request-reply, headers, queue groups, drain and no-responders.
import assert from "node:assert/strict";
import {
  connect,
  createInbox,
  headers,
  NoRespondersError,
  RequestError,
  TimeoutError,
  type Msg,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";
import { forBothServers } from "./harness/both-servers.js";
import type { RunningServer } from "./harness/servers.js";

async function withClients(server: RunningServer, n: number, fn: (ncs: NatsConnection[]) => Promise<void>): Promise<void> {
  const ncs: NatsConnection[] = [];
  try {
    for (let i = 0; i < n; i++) ncs.push(await connect({ servers: server.url, name: `t${i}` }));
    await fn(ncs);
  } finally {
    for (const nc of ncs) if (!nc.isClosed()) await nc.close();
  }
}

/** Collects every message of a subscription until it ends. */
async function collect(sub: Subscription): Promise<Msg[]> {
  const out: Msg[] = [];
  for await (const m of sub) out.push(m);
  return out;
}

forBothServers("client: publish and subscribe, with wildcards, in order", async ({ server }) => {
  await withClients(server, 2, async ([a, b]) => {
    assert.ok(a && b);
    const exact = b.subscribe("orders.new", { max: 3 });
    const star = b.subscribe("orders.*", { max: 4 });
    const tail = b.subscribe("orders.>", { max: 5 });
    await b.flush();
    for (const s of ["orders.new", "orders.new", "orders.old", "orders.new", "orders.x.y"]) a.publish(s, s);
    await a.flush();
    const [e, s, t] = await Promise.all([collect(exact), collect(star), collect(tail)]);
    assert.deepEqual(e.map((m) => m.string()), ["orders.new", "orders.new", "orders.new"]);
    assert.deepEqual(s.map((m) => m.subject), ["orders.new", "orders.new", "orders.old", "orders.new"]);
    assert.deepEqual(t.map((m) => m.subject), ["orders.new", "orders.new", "orders.old", "orders.new", "orders.x.y"]);
  });
});

forBothServers("client: binary payloads of many sizes arrive intact", async ({ server }) => {
  await withClients(server, 2, async ([a, b]) => {
    assert.ok(a && b);
    const sizes = [0, 1, 2, 100, 4096, 65_536, 500_000, 1024 * 1024];
    const sub = b.subscribe("bin", { max: sizes.length });
    await b.flush();
    const sent = sizes.map((n) => {
      const p = new Uint8Array(n);
      for (let i = 0; i < n; i++) p[i] = (i * 31 + n) & 0xff;
      a.publish("bin", p);
      return p;
    });
    const got = await collect(sub);
    assert.equal(got.length, sizes.length);
    got.forEach((m, i) => assert.ok(Buffer.from(m.data).equals(sent[i] ?? new Uint8Array()), `payload ${i} of ${sizes[i]} bytes`));
  });
});

forBothServers("client: request-reply, including concurrent requests", async ({ server }) => {
  await withClients(server, 2, async ([svc, cli]) => {
    assert.ok(svc && cli);
    svc.subscribe("math.double", {
      callback: (_err, m) => {
        m.respond(String(Number(m.string()) * 2));
      },
    });
    await svc.flush();
    const one = await cli.request("math.double", "21", { timeout: 5000 });
    assert.equal(one.string(), "42");
    const many = await Promise.all(
      Array.from({ length: 50 }, (_, i) => cli.request("math.double", String(i), { timeout: 5000 })),
    );
    assert.deepEqual(many.map((m) => m.string()), Array.from({ length: 50 }, (_, i) => String(i * 2)));
  });
});

forBothServers("client: headers round-trip, with repeated keys and status-less messages", async ({ server }) => {
  await withClients(server, 2, async ([a, b]) => {
    assert.ok(a && b);
    const sub = b.subscribe("h", { max: 2 });
    await b.flush();
    const h = headers();
    h.set("X-Trace", "abc-123");
    h.append("X-Multi", "one");
    h.append("X-Multi", "two");
    a.publish("h", "with headers", { headers: h });
    a.publish("h", "without");
    const [m1, m2] = await collect(sub);
    assert.ok(m1 && m2);
    assert.equal(m1.string(), "with headers");
    assert.equal(m1.headers?.get("X-Trace"), "abc-123");
    assert.deepEqual(m1.headers?.values("X-Multi"), ["one", "two"]);
    assert.equal(m1.headers?.hasError, false);
    assert.equal(m2.string(), "without");
    assert.equal(m2.headers, undefined);
  });
});

forBothServers("client: a reply can carry headers back to the requester", async ({ server }) => {
  await withClients(server, 2, async ([svc, cli]) => {
    assert.ok(svc && cli);
    svc.subscribe("echo.h", {
      callback: (_err, m) => {
        const h = headers();
        h.set("Seen", m.headers?.get("Ask") ?? "none");
        m.respond("ok", { headers: h });
      },
    });
    await svc.flush();
    const ask = headers();
    ask.set("Ask", "question");
    const r = await cli.request("echo.h", "", { timeout: 5000, headers: ask });
    assert.equal(r.headers?.get("Seen"), "question");
  });
});

forBothServers("client: queue groups share the work; each message once per group, plain subscribers get all", async ({ server }) => {
  await withClients(server, 4, async ([pub, w1, w2, mon]) => {
    assert.ok(pub && w1 && w2 && mon);
    const N = 200;
    const counts = [0, 0];
    const seen = new Set<string>();
    let done = 0;
    let allDone: () => void = () => {};
    const finished = new Promise<void>((r) => (allDone = r));
    [w1, w2].forEach((nc, i) =>
      nc.subscribe("jobs", {
        queue: "workers",
        callback: (_e, m) => {
          counts[i] = (counts[i] ?? 0) + 1;
          assert.ok(!seen.has(m.string()), `job ${m.string()} delivered twice in the group`);
          seen.add(m.string());
          if (++done === N) allDone();
        },
      }),
    );
    const all = mon.subscribe("jobs", { max: N });
    await Promise.all([w1.flush(), w2.flush(), mon.flush()]);
    for (let i = 0; i < N; i++) pub.publish("jobs", String(i));
    await pub.flush();
    await finished;
    assert.equal((await collect(all)).length, N);
    assert.equal(seen.size, N);
    assert.ok(counts[0]! > 0 && counts[1]! > 0, `both workers got work: ${counts.join(", ")}`);
  });
});

forBothServers("client: drain delivers what is in flight, then closes", async ({ server }) => {
  await withClients(server, 2, async ([pub, sub]) => {
    assert.ok(pub && sub);
    const got: string[] = [];
    sub.subscribe("drain.me", {
      callback: (_e, m) => {
        got.push(m.string());
      },
    });
    await sub.flush();
    for (let i = 0; i < 100; i++) pub.publish("drain.me", String(i));
    await pub.flush();
    await sub.drain();
    assert.equal(sub.isClosed(), true);
    assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => String(i)));
    // After the subscriber drained, a publisher's message reaches nobody and causes no error.
    pub.publish("drain.me", "late");
    await pub.flush();
  });
});

forBothServers("client: draining one subscription keeps the connection", async ({ server }) => {
  await withClients(server, 1, async ([nc]) => {
    assert.ok(nc);
    const a = nc.subscribe("a");
    const b = nc.subscribe("b", { max: 1 });
    nc.publish("a", "1");
    await nc.flush();
    await a.drain();
    const drained = await collect(a);
    assert.deepEqual(drained.map((m) => m.string()), ["1"]);
    nc.publish("b", "2");
    const [m] = await collect(b);
    assert.equal(m?.string(), "2");
    assert.equal(nc.isClosed(), false);
  });
});

forBothServers("client: a request with no responders fails fast with a no-responders error", async ({ server }) => {
  await withClients(server, 1, async ([nc]) => {
    assert.ok(nc);
    const start = Date.now();
    await assert.rejects(nc.request("nobody.home", "x", { timeout: 10_000 }), (err: unknown) => {
      assert.ok(err instanceof RequestError || err instanceof NoRespondersError, String(err));
      const cause = err instanceof RequestError ? err.cause : err;
      assert.ok(cause instanceof NoRespondersError, `the cause is NoRespondersError: ${String(cause)}`);
      return true;
    });
    assert.ok(Date.now() - start < 9000, "the 503 came back before the timeout");
  });
});

forBothServers("client: the INFO the client sees (headers, proto, max_payload), and a message to its own inbox", async ({ server }) => {
  await withClients(server, 1, async ([nc]) => {
    assert.ok(nc);
    const info = nc.info;
    assert.ok(info);
    assert.equal(info.headers, true);
    assert.equal(info.proto, 1);
    assert.equal(info.max_payload, 1024 * 1024);
    const inbox = createInbox();
    const sub = nc.subscribe(inbox, { max: 1 });
    nc.publish(inbox, "self");
    const [m] = await collect(sub);
    assert.equal(m?.string(), "self");
  });
});

forBothServers("client: noMux requests (one inbox subscription per request) and a reply subject of its own", async ({ server }) => {
  await withClients(server, 2, async ([svc, cli]) => {
    assert.ok(svc && cli);
    svc.subscribe("upper", { callback: (_e, m) => void m.respond(m.string().toUpperCase()) });
    await svc.flush();
    const r = await cli.request("upper", "abc", { timeout: 5000, noMux: true });
    assert.equal(r.string(), "ABC");
    const inbox = createInbox();
    const own = cli.subscribe(inbox, { max: 1 });
    cli.publish("upper", "xyz", { reply: inbox });
    for await (const m of own) assert.equal(m.string(), "XYZ");
  });
});

forBothServers("client: a request to a responder that never answers times out (no 503 while someone listens)", async ({ server }) => {
  await withClients(server, 2, async ([svc, cli]) => {
    assert.ok(svc && cli);
    svc.subscribe("silent", { callback: () => undefined });
    await svc.flush();
    await assert.rejects(cli.request("silent", "x", { timeout: 300 }), (err: unknown) => {
      const cause = err instanceof RequestError ? err.cause : err;
      assert.ok(cause instanceof TimeoutError || err instanceof TimeoutError, `a timeout: ${String(err)}`);
      return true;
    });
  });
});
