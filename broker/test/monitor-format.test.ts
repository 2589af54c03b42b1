// The Go text forms the monitor prints, checked against Go itself when it is installed (durations
// and RFC3339Nano times), plus nats-server's uptime format, query decoding, the closed ring and
// the /routez rendering of routes that the cluster module supplies.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { goDuration, goJson, goTime, latin1ToUtf8, natsUptime } from "../src/monitor/go-format.js";
import { decodeBool, decodeInt, decodeState, decodeSubs, decodeUint64, ConnState, QueryError } from "../src/monitor/query.js";
import { ClosedRing } from "../src/monitor/closed-ring.js";
import type { ConnRecord } from "../src/monitor/conn-info.js";
import { buildRoutez, type MonitoredRoute } from "../src/monitor/routez.js";

function findGo(): string | undefined {
  for (const p of ["/usr/bin/go", "/usr/local/go/bin/go", "/usr/lib/go/bin/go"]) {
    try {
      execFileSync(p, ["version"], { stdio: "ignore" });
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
const GO = findGo();

const DURATIONS_NS = [
  0, 1, 999, 1000, 1500, 662_000, 999_999, 1_000_000, 9_835_723, 145_000, 1_000_000_000, 1_500_000_000,
  59_999_999_999, 60_000_000_000, 62_500_000_000, 3_600_000_000_000, 3_723_000_000_001, 90_061_000_000_000, -1_500_000,
];
// Fractions that binary floats hold exactly, so that Go gets the very same instants.
const TIMES_MS = [0, 1_764_092_416_378, 1_764_092_416_000, 1_764_092_416_378.125, 1_764_092_416_378.5, 951_782_400_000.0625];

function goReference(): { durations: string[]; times: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "skein-goformat-"));
  try {
    const src = `package main

import (
	"fmt"
	"time"
)

func main() {
	for _, n := range []int64{${DURATIONS_NS.join(", ")}} {
		fmt.Println(time.Duration(n).String())
	}
	for _, ns := range []int64{${TIMES_MS.map((ms) => Math.round(ms * 1e6)).join(", ")}} {
		fmt.Println(time.Unix(0, ns).UTC().Format(time.RFC3339Nano))
	}
}
`;
    writeFileSync(join(dir, "main.go"), src);
    const out = execFileSync(GO ?? "go", ["run", join(dir, "main.go")], {
      env: { ...process.env, GO111MODULE: "off", GOCACHE: join(dir, "cache"), GOPATH: join(dir, "gopath") },
      encoding: "utf8",
    }).trimEnd().split("\n");
    return { durations: out.slice(0, DURATIONS_NS.length), times: out.slice(DURATIONS_NS.length) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("Go text forms", () => {
  it("durations and times print as Go prints them", { skip: GO ? false : "go is not installed", timeout: 120_000 }, () => {
    const ref = goReference();
    assert.deepEqual(DURATIONS_NS.map(goDuration), ref.durations);
    assert.deepEqual(TIMES_MS.map(goTime), ref.times);
  });

  it("durations: examples from nats-server's /connz", () => {
    assert.equal(goDuration(9_835_723), "9.835723ms");
    assert.equal(goDuration(662_000), "662µs");
    assert.equal(goDuration(0), "0s");
    assert.equal(goDuration(62_500_000_000), "1m2.5s");
  });

  it("nats-server's uptime format counts whole seconds with days and years", () => {
    assert.equal(natsUptime(0), "0s");
    assert.equal(natsUptime(999), "0s");
    assert.equal(natsUptime(59_999), "59s");
    assert.equal(natsUptime(62_000), "1m2s");
    assert.equal(natsUptime(3_600_000), "1h0m0s");
    assert.equal(natsUptime(90_061_000), "1d1h1m1s");
    assert.equal(natsUptime((366 * 86_400 + 5) * 1000), "1y1d0h0m5s");
    assert.equal(natsUptime(-5), "0s");
  });

  it("JSON is indented by two spaces and escapes < > & and line separators as Go does", () => {
    assert.equal(goJson({ a: "x>y<z&", b: [] }), '{\n  "a": "x\\u003ey\\u003cz\\u0026",\n  "b": []\n}');
    assert.equal(goJson({ s: "a\u2028b" }, false), '{"s":"a\\u2028b"}');
  });

  it("subjects kept one char per byte read back as UTF-8", () => {
    const stored = Buffer.from("grüße.>", "utf8").toString("latin1");
    assert.equal(latin1ToUtf8(stored), "grüße.>");
    assert.equal(latin1ToUtf8("plain.ascii"), "plain.ascii");
  });
});

describe("query decoding", () => {
  const q = (s: string) => new URLSearchParams(s);
  it("booleans take Go's ParseBool spellings and nothing else", () => {
    for (const t of ["1", "t", "T", "true", "TRUE", "True"]) assert.equal(decodeBool(q(`x=${t}`), "x"), true, t);
    for (const f of ["", "0", "f", "F", "false", "FALSE", "False"]) assert.equal(decodeBool(q(`x=${f}`), "x"), false, f);
    assert.throws(() => decodeBool(q("x=yes"), "x"), new QueryError(`Error decoding boolean for 'x': strconv.ParseBool: parsing "yes": invalid syntax`));
  });
  it("integers take a sign, unsigned ones do not; both refuse overflow", () => {
    assert.equal(decodeInt(q("n=-7"), "n"), -7);
    assert.equal(decodeInt(q("n=%2B7"), "n"), 7);
    assert.throws(() => decodeInt(q("n=+7"), "n"), /parsing " 7": invalid syntax/, "a + in a query is a space, as Go reads it");
    assert.equal(decodeInt(q(""), "n"), 0);
    assert.throws(() => decodeInt(q("n=9223372036854775808"), "n"), /value out of range/);
    assert.equal(decodeUint64(q("c=42"), "c"), 42);
    assert.throws(() => decodeUint64(q("c=%2B1"), "c"), /strconv.ParseUint: parsing "\+1": invalid syntax/);
    assert.throws(() => decodeUint64(q("c=18446744073709551616"), "c"), /value out of range/);
  });
  it("subs=detail and the connection states", () => {
    assert.deepEqual(decodeSubs(q("subs=detail")), { subs: false, detail: true });
    assert.deepEqual(decodeSubs(q("subs=1")), { subs: true, detail: false });
    assert.equal(decodeState(q("state=ANY")), ConnState.ALL);
    assert.equal(decodeState(q("state=all")), ConnState.ALL);
    assert.equal(decodeState(q("state=Closed")), ConnState.CLOSED);
    assert.equal(decodeState(q("")), ConnState.OPEN);
    assert.throws(() => decodeState(q("state=gone")), new QueryError("Error decoding state for gone"));
  });
});

function record(cid: number): ConnRecord {
  return {
    cid, ip: "127.0.0.1", port: 1000 + cid, start: 0, lastActivity: 0, stop: 1, reason: "Client Closed", rtt: 1,
    pending: 0, inMsgs: 0, outMsgs: 0, inBytes: 0, outBytes: 0, numSubs: 0, name: "", lang: "", version: "",
    tlsVersion: "", tlsCipher: "", user: "", subs: [], detailKept: false,
  };
}

describe("closed connection ring", () => {
  it("keeps the newest N, oldest first", () => {
    const r = new ClosedRing(3);
    assert.deepEqual(r.list(), []);
    for (let cid = 1; cid <= 2; cid++) r.push(record(cid));
    assert.deepEqual(r.list().map((x) => x.cid), [1, 2]);
    for (let cid = 3; cid <= 7; cid++) r.push(record(cid));
    assert.deepEqual(r.list().map((x) => x.cid), [5, 6, 7]);
    assert.equal(r.size, 3);
  });
  it("defaults to nats-server's max_closed_clients and refuses a bad size", () => {
    assert.equal(new ClosedRing().capacity, 10_000);
    assert.throws(() => new ClosedRing(0), RangeError);
  });
});

describe("/routez rendering of a route the cluster module supplies", () => {
  it("has nats-server 2.9's fields, Go durations and the route's subscriptions", () => {
    const now = Date.UTC(2026, 10, 25, 17, 42, 46, 661);
    const route: MonitoredRoute = {
      rid: 4, remoteId: "NREMOTE", didSolicit: true, isConfigured: true, ip: "127.0.0.1", port: 6222,
      start: now - 61_500, lastActivity: now - 2_000, rtt: 0.145, pending: 0, inMsgs: 4, outMsgs: 3,
      inBytes: 2571, outBytes: 2046, numSubs: 1,
      subs: () => [{ subject: "foo.>", queue: null, sid: "$G foo.>", delivered: 0, max: 0 }],
    };
    const z = buildRoutez("NSELF", [route], { subs: false, detail: true }, now);
    assert.deepEqual(Object.keys(z), ["server_id", "now", "num_routes", "routes"]);
    const r = z.routes[0];
    assert.ok(r);
    assert.deepEqual(Object.keys(r), ["rid", "remote_id", "did_solicit", "is_configured", "ip", "port", "start",
      "last_activity", "rtt", "uptime", "idle", "pending_size", "in_msgs", "out_msgs", "in_bytes", "out_bytes",
      "subscriptions", "subscriptions_list_detail"]);
    assert.equal(r.rtt, "145µs");
    assert.equal(r.uptime, "1m1s");
    assert.equal(r.idle, "2s");
    assert.deepEqual(r.subscriptions_list_detail, [{ subject: "foo.>", sid: "$G foo.>", msgs: 0, cid: 4 }]);
    assert.deepEqual(buildRoutez("NSELF", [route], { subs: true, detail: false }, now).routes[0]?.subscriptions_list, ["foo.>"]);
  });
});
