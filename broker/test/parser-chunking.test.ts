// The parser must not depend on how TCP cuts the stream. A long realistic session is fed whole, one
// byte at a time, split into two chunks at every offset, and in random chunkings with fixed seeds;
// every feeding must produce the records the session was built from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, chunksOf, cutAt, feed, rng, type OpRecord } from "./parser-recorder.js";

interface Session {
  wire: Buffer;
  expected: OpRecord[];
}

/** Builds a session from segments: the bytes a client sends and the records they must produce. */
class SessionBuilder {
  private readonly parts: Buffer[] = [];
  private readonly expected: OpRecord[] = [];

  raw(wire: string | Buffer, ...records: OpRecord[]): this {
    this.parts.push(typeof wire === "string" ? bytes(wire) : wire);
    this.expected.push(...records);
    return this;
  }

  /** A PUB (or HPUB when hdr is given) to `dest` (subject and optional reply), written with `sep`
   * between its fields and `eol` after them. The size arguments are the payload's real sizes. */
  pub(verb: string, dest: string[], payload: Buffer, hdr = -1, sep = " ", eol = "\r\n"): this {
    const hpub = hdr >= 0;
    const args = [...dest, ...(hpub ? [String(hdr)] : []), String(payload.length)];
    const line = `${verb}${sep}${args.join(sep)}${eol}`;
    return this.raw(Buffer.concat([bytes(line), payload, bytes("\r\n")]),
      { op: "PUB", hpub, args, size: payload.length, hdrSize: hdr, reply: args.length === (hpub ? 4 : 3) },
      { op: "MSG", args, payload: payload.toString("latin1") });
  }

  build(): Session {
    return { wire: Buffer.concat(this.parts), expected: this.expected };
  }
}

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  const r = rng(seed);
  for (let k = 0; k < n; k++) b[k] = (r() * 256) | 0;
  return b;
}

/** About 5 KB of a realistic client conversation touching every op and every state of the parser. */
function realisticSession(): Session {
  const allBytes = Buffer.alloc(256);
  for (let k = 0; k < 256; k++) allBytes[k] = k;
  const longSubject = "orders." + "x".repeat(400) + ".created";
  const hdr = bytes("NATS/1.0\r\nTrace-Id: 42\r\nA: b c\r\n\r\n");
  // UTF-8 in CONNECT: a split may fall inside a multi-byte character.
  const name = "client-h\u00e9-\u4e16\u754c-\u{1f600}-" + "n".repeat(300);
  const connect = `{"verbose":false,"pedantic":false,"headers":true,"name":"${name}","lang":"node"}`;
  const s = new SessionBuilder()
    .raw(Buffer.from(`CONNECT ${connect}\r\n`, "utf8"), { op: "CONNECT", json: connect })
    .raw("PING\r\n", { op: "PING" })
    .raw('INFO {"server_id":"from client"}\r\n', { op: "INFO", json: '{"server_id":"from client"}' })
    .raw("SUB orders.* 1\r\n", { op: "SUB", args: ["orders.*", "1"] })
    .raw("SUB orders.> workers 2\r\n", { op: "SUB", args: ["orders.>", "workers", "2"] })
    .raw(`sub\t${longSubject}\t \t3\n`, { op: "SUB", args: [longSubject, "3"] })
    .pub("PUB", ["orders.new"], bytes("hello"))
    .pub("PUB", ["orders.empty"], Buffer.alloc(0))
    .pub("PUB", ["orders.crlf"], bytes("\r\n"))
    .pub("PUB", ["orders.ops", "_INBOX.abc.1"], bytes("PUB x 1\r\ny\r\nPING\r\n-ERR a"))
    .pub("PUB", ["orders.bin"], allBytes)
    .pub("pub", ["orders.big"], pattern(1500, 7), -1, " \t ")
    .pub("PUB", [longSubject, "reply.to"], bytes("abc"), -1, "\t", "\n")
    .pub("HPUB", ["orders.h"], Buffer.concat([hdr, bytes("body")]), hdr.length)
    .pub("HPUB", ["orders.h", "_INBOX.r"], hdr, hdr.length)
    .pub("hpub", ["orders.h0"], Buffer.alloc(0), 0, "  ", "\n")
    .raw("+OK\r\n")
    .raw("PONG\r\n", { op: "PONG" })
    .raw("UNSUB 1\r\n", { op: "UNSUB", args: ["1"] })
    .raw("unsub 2 \t 100 \r\n", { op: "UNSUB", args: ["2", "100"] })
    .raw("PiNg\n", { op: "PING" });
  for (let k = 0; k < 20; k++) s.pub("PUB", [`load.${k}`], pattern(k * 37, k));
  s.raw("-ERR 'Slow Consumer'\r\n", { op: "ERROR", sendErr: null, detail: "client sent -ERR 'Slow Consumer'" });
  return s.build();
}

/** A short session dense in token boundaries, for exhaustive three-way splits. */
function denseSession(): Session {
  return new SessionBuilder()
    .raw("SUB a q 1\r\n", { op: "SUB", args: ["a", "q", "1"] })
    .pub("PUB", ["a", "r"], bytes("1\r\n2"))
    .pub("HPUB", ["b"], bytes("NATS/1.0\r\n\r\nok"), 12)
    .raw("PING\r\n", { op: "PING" })
    .pub("PUB", ["c"], Buffer.alloc(0), -1, "\t", "\n")
    .raw("UNSUB 1 3\r\n", { op: "UNSUB", args: ["1", "3"] })
    .raw("CONNECT {}\r\n", { op: "CONNECT", json: "{}" })
    .build();
}

const session = realisticSession();

test("the realistic session fed whole", () => {
  assert.ok(session.wire.length > 4000, `session is ${session.wire.length} bytes`);
  assert.deepEqual(feed([session.wire]), session.expected);
});

test("the realistic session fed one byte at a time", () => {
  assert.deepEqual(feed(chunksOf(session.wire, 1)), session.expected);
});

const expectedJson = JSON.stringify(session.expected);

test("the realistic session split into two chunks at every offset", () => {
  for (let at = 0; at <= session.wire.length; at++) {
    const got = feed(cutAt(session.wire, [at]));
    // Compare the JSON first (fast); deepEqual only to show the difference.
    if (JSON.stringify(got) !== expectedJson) assert.deepEqual(got, session.expected, `split at offset ${at}`);
  }
});

test("the realistic session in fixed chunk sizes from 2 to 64 bytes", () => {
  for (let size = 2; size <= 64; size++) {
    assert.deepEqual(feed(chunksOf(session.wire, size)), session.expected, `chunks of ${size}`);
  }
});

test("the realistic session in random chunkings (fixed seeds)", () => {
  const n = session.wire.length;
  for (let seed = 1; seed <= 150; seed++) {
    const r = rng(seed);
    const cuts = new Set<number>();
    const count = 1 + ((r() * (seed % 3 === 0 ? 400 : 40)) | 0);
    for (let k = 0; k < count; k++) cuts.add((r() * (n + 1)) | 0);
    const offsets = [...cuts].sort((a, b) => a - b);
    assert.deepEqual(feed(cutAt(session.wire, offsets)), session.expected, `seed ${seed}: cuts ${offsets.join(",")}`);
  }
});

test("a dense session split into three chunks at every pair of offsets", () => {
  const dense = denseSession();
  const n = dense.wire.length;
  assert.deepEqual(feed([dense.wire]), dense.expected);
  for (let i = 0; i <= n; i++) {
    for (let j = i; j <= n; j++) {
      assert.deepEqual(feed(cutAt(dense.wire, [i, j])), dense.expected, `split at ${i} and ${j}`);
    }
  }
});
