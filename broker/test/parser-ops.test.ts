// The client parser, op by op: every verb, case-insensitivity, whitespace runs, bare LF line ends and
// payload edge cases. Expected records are written out by hand from the protocol rules (and, where the
// rule is subtle, from probing nats-server 2.9.10 over TCP).
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, feed, Recorder, type OpRecord } from "./parser-recorder.js";

function parseAll(input: string | Buffer): OpRecord[] {
  return feed([typeof input === "string" ? bytes(input) : input]);
}

function pubRecords(args: string[], payload: string, hdrSize = -1): OpRecord[] {
  const hpub = hdrSize >= 0;
  const size = Buffer.byteLength(payload, "latin1");
  return [
    { op: "PUB", hpub, args, size, hdrSize, reply: args.length === (hpub ? 4 : 3) },
    { op: "MSG", args, payload },
  ];
}

test("CONNECT hands over the JSON line, spaces inside it kept and UTF-8 decoded", () => {
  assert.deepEqual(parseAll('CONNECT {"verbose":false,"name":"a b"}\r\n'), [
    { op: "CONNECT", json: '{"verbose":false,"name":"a b"}' },
  ]);
  assert.deepEqual(parseAll(Buffer.from('CONNECT \t {"name":"h\u00e9\u4e16"}\r\n', "utf8")), [
    { op: "CONNECT", json: '{"name":"h\u00e9\u4e16"}' },
  ]);
});

test("PUB without and with a reply subject", () => {
  assert.deepEqual(parseAll("PUB foo 5\r\nhello\r\n"), pubRecords(["foo", "5"], "hello"));
  assert.deepEqual(parseAll("PUB foo.bar _INBOX.x 3\r\nabc\r\n"), pubRecords(["foo.bar", "_INBOX.x", "3"], "abc"));
});

test("HPUB reports header and total sizes, without and with a reply subject", () => {
  const msg = "NATS/1.0\r\nA: b\r\n\r\nhello";
  const hdr = "NATS/1.0\r\nA: b\r\n\r\n".length;
  assert.deepEqual(parseAll(`HPUB foo ${hdr} ${msg.length}\r\n${msg}\r\n`),
    pubRecords(["foo", String(hdr), String(msg.length)], msg, hdr));
  assert.deepEqual(parseAll(`HPUB foo r.1 ${hdr} ${msg.length}\r\n${msg}\r\n`),
    pubRecords(["foo", "r.1", String(hdr), String(msg.length)], msg, hdr));
  // A header-only message: header size equal to the total size.
  assert.deepEqual(parseAll("HPUB foo 12 12\r\nNATS/1.0\r\n\r\n\r\n"),
    pubRecords(["foo", "12", "12"], "NATS/1.0\r\n\r\n", 12));
});

test("a PUB after an HPUB is not marked as HPUB", () => {
  const recs = parseAll("HPUB a 12 12\r\nNATS/1.0\r\n\r\n\r\nPUB b 1\r\nx\r\n");
  assert.deepEqual(recs.slice(2), pubRecords(["b", "1"], "x"));
});

test("SUB with and without a queue group, UNSUB with and without a max", () => {
  assert.deepEqual(parseAll("SUB foo.* 1\r\nSUB foo.> workers 22\r\nUNSUB 1\r\nUNSUB 22 10\r\n"), [
    { op: "SUB", args: ["foo.*", "1"] },
    { op: "SUB", args: ["foo.>", "workers", "22"] },
    { op: "UNSUB", args: ["1"] },
    { op: "UNSUB", args: ["22", "10"] },
  ]);
});

test("PING and PONG; bytes between the verb and the line end are ignored, as nats-server does", () => {
  assert.deepEqual(parseAll("PING\r\nPONG\r\nPING x\r\nPINGPONG\r\n"), [
    { op: "PING" }, { op: "PONG" }, { op: "PING" }, { op: "PING" },
  ]);
});

test("INFO from a client is handed over for checking; +OK produces nothing", () => {
  assert.deepEqual(parseAll('INFO {"server_id":"x"}\r\n+OK\r\n+ok\r\nPING\r\n'), [
    { op: "INFO", json: '{"server_id":"x"}' }, { op: "PING" },
  ]);
  assert.deepEqual(parseAll("+OKAY\r\nPONG\r\n"), [{ op: "PONG" }]);
});

test("INFO and CONNECT without an argument hand over an empty line (the handler refuses it)", () => {
  assert.deepEqual(parseAll("INFO\r\nCONNECT\r\nCONNECT \t\r\n"), [
    { op: "INFO", json: "" }, { op: "CONNECT", json: "" }, { op: "CONNECT", json: "" },
  ]);
});

test("a bare LF right after a verb starts the argument, which then runs to the next LF, as in nats-server", () => {
  // Probed on nats-server 2.9.10: `INFO \n{}\r\nPING\r\n` gets a PONG (the INFO argument is "\n{}"),
  // `INFO \nPING\r\nPING\r\n` is closed (argument "\nPING"), and `PUB \nfoo 1\r\nx\r\n` is a PUB.
  assert.deepEqual(parseAll("INFO \n{}\r\nPING\r\n"), [{ op: "INFO", json: "\n{}" }, { op: "PING" }]);
  assert.deepEqual(parseAll("INFO\nPING\r\n"), [{ op: "INFO", json: "\nPING" }]);
  assert.deepEqual(parseAll("PUB \nfoo 1\r\nx\r\n"), pubRecords(["\nfoo", "1"], "x"));
});

test("-ERR from a client is a protocol error carrying its text, with no -ERR sent back", () => {
  assert.deepEqual(parseAll("-ERR 'Stale Connection'\r\nPING\r\n"), [
    { op: "ERROR", sendErr: null, detail: "client sent -ERR 'Stale Connection'" },
  ]);
});

test("verbs are case-insensitive, letter by letter", () => {
  const input = [
    'cOnNeCt {"verbose":false}', "pUb a 1", "x", "hPuB a 12 12", "NATS/1.0\r\n\r\n", "sUb a 1", "SuB a q 2",
    "uNsUb 1", "UnSuB 2 5", "pInG", "PoNg", "iNfO {}", "+oK", "",
  ].join("\r\n");
  assert.deepEqual(parseAll(input), [
    { op: "CONNECT", json: '{"verbose":false}' },
    ...pubRecords(["a", "1"], "x"),
    ...pubRecords(["a", "12", "12"], "NATS/1.0\r\n\r\n", 12),
    { op: "SUB", args: ["a", "1"] },
    { op: "SUB", args: ["a", "q", "2"] },
    { op: "UNSUB", args: ["1"] },
    { op: "UNSUB", args: ["2", "5"] },
    { op: "PING" },
    { op: "PONG" },
    { op: "INFO", json: "{}" },
  ]);
  assert.deepEqual(parseAll("-eRr 'x'\r\n"), [{ op: "ERROR", sendErr: null, detail: "client sent -ERR 'x'" }]);
});

test("arguments are separated by any run of spaces and tabs, also before and after them", () => {
  const input = "PUB \t foo\t\t bar  \t 3 \t\r\nabc\r\nSUB\tfoo\t \tq\t9  \r\nUNSUB \t 9\t 4\t\r\nHPUB\t\ta\t12 \t12\t\r\nNATS/1.0\r\n\r\n\r\n";
  assert.deepEqual(parseAll(input), [
    ...pubRecords(["foo", "bar", "3"], "abc"),
    { op: "SUB", args: ["foo", "q", "9"] },
    { op: "UNSUB", args: ["9", "4"] },
    ...pubRecords(["a", "12", "12"], "NATS/1.0\r\n\r\n", 12),
  ]);
});

test("control lines may end in a bare LF", () => {
  const input = 'CONNECT {}\nPUB foo 2\nhi\r\nHPUB foo 12 13\nNATS/1.0\r\n\r\nx\r\nSUB foo 1\nUNSUB 1 2\nPING\nPONG\nINFO {}\n+OK\n';
  assert.deepEqual(parseAll(input), [
    { op: "CONNECT", json: "{}" },
    ...pubRecords(["foo", "2"], "hi"),
    ...pubRecords(["foo", "12", "13"], "NATS/1.0\r\n\r\nx", 12),
    { op: "SUB", args: ["foo", "1"] },
    { op: "UNSUB", args: ["1", "2"] },
    { op: "PING" },
    { op: "PONG" },
    { op: "INFO", json: "{}" },
  ]);
});

test("zero-length payloads, for PUB and HPUB", () => {
  assert.deepEqual(parseAll("PUB foo 0\r\n\r\nPUB bar r 0\r\n\r\nHPUB h 0 0\r\n\r\n"), [
    ...pubRecords(["foo", "0"], ""),
    ...pubRecords(["bar", "r", "0"], ""),
    ...pubRecords(["h", "0", "0"], "", 0),
  ]);
});

test("payloads holding CRLF and op-like bytes are taken by size, not by line", () => {
  const payload = "PING\r\nSUB x 1\r\n-ERR 'no'\r\nPUB y 2\r\n\r\n";
  assert.deepEqual(parseAll(`PUB foo ${payload.length}\r\n${payload}\r\nPONG\r\n`), [
    ...pubRecords(["foo", String(payload.length)], payload),
    { op: "PONG" },
  ]);
});

test("binary payloads: every byte value, and a payload larger than the scratch buffer", () => {
  const all = Buffer.alloc(256);
  for (let k = 0; k < 256; k++) all[k] = k;
  const big = Buffer.alloc(70_000);
  for (let k = 0; k < big.length; k++) big[k] = (k * 7 + 13) & 0xff;
  const input = Buffer.concat([
    bytes("PUB bin 256\r\n"), all, bytes("\r\n"),
    bytes(`PUB big ${big.length}\r\n`), big, bytes("\r\n"),
  ]);
  assert.deepEqual(parseAll(input), [
    ...pubRecords(["bin", "256"], all.toString("latin1")),
    ...pubRecords(["big", String(big.length)], big.toString("latin1")),
  ]);
});

test("sizes with leading zeros are decimal, as in nats-server", () => {
  assert.deepEqual(parseAll("PUB foo 010\r\n0123456789\r\n"), pubRecords(["foo", "010"], "0123456789"));
});

test("subjects and sids are handed over byte for byte (latin1), including non-ASCII bytes", () => {
  const input = Buffer.concat([bytes("SUB "), Buffer.from([0xc3, 0xa9, 0x2e, 0xff]), bytes(" s\xe9\r\n")]);
  assert.deepEqual(parseAll(input), [{ op: "SUB", args: ["\xc3\xa9.\xff", "s\xe9"] }]);
});

test("a handler that halts the parser stops it at once, within the same chunk", () => {
  const input = bytes("PING\r\nSUB a 1\r\nPUB a 1\r\nx\r\nPONG\r\n");
  assert.deepEqual(feed([input], { haltAfter: 2 }), [{ op: "PING" }, { op: "SUB", args: ["a", "1"] }]);
  // Halting in processPubArgs (a max_payload violation, for one) skips the payload.
  assert.deepEqual(feed([input], { haltAfter: 3 }).map((r) => r.op), ["PING", "SUB", "PUB"]);
  // Halting in processMsg (a slow consumer cut, for one) stops before the next op.
  assert.deepEqual(feed([input], { haltAfter: 4 }).map((r) => r.op), ["PING", "SUB", "PUB", "MSG"]);
  // The same when the payload was split across chunks.
  assert.deepEqual(feed([input.subarray(0, 24), input.subarray(24)], { haltAfter: 4 }).map((r) => r.op), ["PING", "SUB", "PUB", "MSG"]);
});

test("the parser is reusable across many ops: its state returns to the start after each", () => {
  const r = new Recorder();
  for (let k = 0; k < 1000; k++) r.parser.parse(bytes(`PUB s.${k} ${String(k).length}\r\n${k}\r\n`));
  assert.equal(r.records.length, 2000);
  assert.deepEqual(r.records.slice(1998), pubRecords(["s.999", "3"], "999"));
});
