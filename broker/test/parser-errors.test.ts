// Malformed input: unknown ops, payloads not followed by CRLF, bad sizes, wrong argument counts and
// max_control_line. Each error must reach protocolError with nats-server's -ERR text (or none where
// nats-server closes silently; both probed against nats-server 2.9.10 over TCP), halt the parser, and
// come out the same whatever the chunking.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ERR } from "../src/protocol/protocol-text.js";
import { bytes, chunksOf, cutAt, feed, Recorder, type OpRecord } from "./parser-recorder.js";

/** The records with error details reduced to what does not depend on the chunking. */
function shape(records: OpRecord[]): unknown[] {
  return records.map((r) => (r.op === "ERROR" ? { op: "ERROR", sendErr: r.sendErr } : r));
}

/** Feeds the input whole, byte by byte and split at every offset; all must give the same records. */
function everyChunking(input: string, maxControlLine = 4096): OpRecord[] {
  const wire = bytes(input);
  const whole = feed([wire], { maxControlLine });
  const want = shape(whole);
  assert.deepEqual(shape(feed(chunksOf(wire, 1), { maxControlLine })), want, `byte by byte: ${JSON.stringify(input)}`);
  for (let at = 1; at < wire.length; at++) {
    assert.deepEqual(shape(feed(cutAt(wire, [at]), { maxControlLine })), want, `split at ${at}: ${JSON.stringify(input)}`);
  }
  return whole;
}

function lastError(records: OpRecord[]): { sendErr: string | null; detail: string } {
  const last = records[records.length - 1];
  assert.ok(last !== undefined && last.op === "ERROR", `expected an error last, got ${JSON.stringify(records)}`);
  return last;
}

test("unknown ops are 'Unknown Protocol Operation', with the offending bytes in the detail", () => {
  const cases = [
    "FOO\r\n", "\r\n", "\n", " PING\r\n", "\tSUB a 1\r\n", "MSG foo 1 2\r\nhi\r\n", "HMSG a 1 2 2\r\n",
    "PUBX a 1\r\n", "PUB\r\n", "SUBfoo 1\r\n", "SUB\r\n", "UNSUB\r\n", "PIN\r\n", "PONX\r\n", "HPX a\r\n",
    "CONNEXT {}\r\n", "INFX {}\r\n", "+OX\r\n", "-EXR x\r\n", "-ERR\r\n", "\x00\xff\r\n", "RS+ a\r\n", "LS+ a\r\n", "A+ a\r\n",
  ];
  for (const c of cases) {
    const recs = everyChunking(`PING\r\n${c}PING\r\n`);
    assert.deepEqual(shape(recs), [{ op: "PING" }, { op: "ERROR", sendErr: ERR.UNKNOWN_OP }], JSON.stringify(c));
    assert.ok(lastError(recs).detail.length > 0, JSON.stringify(c));
  }
  // The detail (logged) shows the bytes where parsing failed.
  assert.ok(lastError(feed([bytes("FOO BAR\r\n")])).detail.includes("FOO BAR"));
});

test("nothing after an error in the same chunk is parsed", () => {
  assert.deepEqual(shape(feed([bytes("FOO\r\nPING\r\nSUB a 1\r\n")])), [{ op: "ERROR", sendErr: ERR.UNKNOWN_OP }]);
  // Even when the handler does not halt the parser itself.
  assert.deepEqual(shape(feed([bytes("XPING\r\n")], { haltOnError: false })), [{ op: "ERROR", sendErr: ERR.UNKNOWN_OP }]);
  const r = new Recorder({ haltOnError: false });
  r.parser.parse(bytes("PUB a 1\r\nxy\r\nPING\r\n"));
  assert.ok(r.parser.halted, "the parser halts itself on a parse error");
});

test("a payload not followed by CRLF is 'Unknown Protocol Operation', and no MSG is handed over", () => {
  const pub2 = { op: "PUB", hpub: false, args: ["a", "2"], size: 2, hdrSize: -1, reply: false };
  for (const tail of ["hiX\r\n", "hi\n", "hi\rX", "hi\r\r\n", "h\r\n", "hi  \r\n"]) {
    const recs = everyChunking(`PUB a 2\r\n${tail}PING\r\n`);
    assert.deepEqual(shape(recs), [pub2, { op: "ERROR", sendErr: ERR.UNKNOWN_OP }], JSON.stringify(tail));
  }
  // A payload shorter than announced runs into the next op and fails on it.
  const recs = everyChunking("PUB a 5\r\nhi\r\nPING\r\n");
  assert.deepEqual(shape(recs).map((r) => (r as OpRecord).op), ["PUB", "ERROR"]);
  assert.deepEqual(shape(everyChunking("PUB a 0\r\nX\r\n")).slice(1), [{ op: "ERROR", sendErr: ERR.UNKNOWN_OP }]);
  assert.deepEqual(shape(everyChunking("HPUB a 12 12\r\nNATS/1.0\r\n\r\n\n")).slice(1), [{ op: "ERROR", sendErr: ERR.UNKNOWN_OP }]);
});

test("bad sizes close the connection without an -ERR, as nats-server does", () => {
  const cases: [string, string][] = [
    ["PUB a b\r\n", "processPub Bad or Missing Size"],
    ["PUB a -1\r\n", "processPub Bad or Missing Size"],
    ["PUB a 1a\r\n", "processPub Bad or Missing Size"],
    ["PUB a 1.5\r\n", "processPub Bad or Missing Size"],
    ["PUB a 0x10\r\n", "processPub Bad or Missing Size"],
    ["PUB a r +5\r\n", "processPub Bad or Missing Size"],
    ["HPUB a x 5\r\n", "processHeaderPub Bad or Missing Header Size"],
    ["HPUB a -1 5\r\n", "processHeaderPub Bad or Missing Header Size"],
    ["HPUB a 2 x\r\n", "processHeaderPub Bad or Missing Total Size"],
    ["HPUB a r 2 5x\r\n", "processHeaderPub Bad or Missing Total Size"],
  ];
  for (const [input, detail] of cases) {
    const recs = everyChunking(input);
    assert.equal(recs.length, 1, `${JSON.stringify(input)} -> ${JSON.stringify(recs)}`);
    const e = lastError(recs);
    assert.equal(e.sendErr, null, input);
    assert.ok(e.detail.startsWith(detail), `${JSON.stringify(input)}: ${e.detail}`);
  }
  // A header larger than the whole message.
  const e = lastError(everyChunking("HPUB a 6 5\r\n"));
  assert.equal(e.sendErr, null);
  assert.ok(e.detail.startsWith("processHeaderPub"), e.detail);
});

test("a size of more than 9 digits is a bad size (nats-server parseSize allows 9)", () => {
  // Probed: nats-server 2.9.10 closes `PUB foo 1000000000` without an -ERR, but answers
  // `PUB foo 999999999` with 'Maximum Payload Violation' (a size it parsed).
  const ok = feed([bytes("PUB foo 999999999\r\n")]);
  assert.deepEqual(ok, [{ op: "PUB", hpub: false, args: ["foo", "999999999"], size: 999999999, hdrSize: -1, reply: false }]);
  for (const input of ["PUB foo 1000000000\r\n", "PUB foo 0000000001\r\n", "HPUB foo 1000000000 1000000000\r\n", "HPUB foo 1 1000000000\r\n"]) {
    const recs = feed([bytes(input)]);
    assert.deepEqual(shape(recs), [{ op: "ERROR", sendErr: null }], `${JSON.stringify(input)} -> ${JSON.stringify(recs)}`);
  }
});

test("wrong argument counts close the connection without an -ERR", () => {
  const cases: [string, string][] = [
    ["PUB a\r\n", "processPub Parse Error"],
    ["PUB \r\n", "processPub Parse Error"],
    ["PUB a b c 1\r\n", "processPub Parse Error"],
    ["HPUB a 5\r\n", "processHeaderPub Parse Error"],
    ["HPUB a b 1 2 3\r\n", "processHeaderPub Parse Error"],
    ["SUB a\r\n", "processSub Parse Error"],
    ["SUB \t \r\n", "processSub Parse Error"],
    ["SUB a b c d\r\n", "processSub Parse Error"],
    ["SUB a b c d e f g\r\n", "processSub Parse Error"],
    ["UNSUB  \r\n", "processUnsub Parse Error"],
    ["UNSUB 1 2 3\r\n", "processUnsub Parse Error"],
  ];
  for (const [input, detail] of cases) {
    const recs = everyChunking(`PING\r\n${input}PING\r\n`);
    assert.equal(recs.length, 2, `${JSON.stringify(input)} -> ${JSON.stringify(recs)}`);
    const e = lastError(recs);
    assert.equal(e.sendErr, null, input);
    assert.ok(e.detail.startsWith(detail), `${JSON.stringify(input)}: ${e.detail}`);
  }
});

test("a CR inside a control line: SUB and UNSUB split at it, and a bare LF then drops the line's last byte", () => {
  // As nats-server 2.9: once a line has shown a CR, the byte before its LF is dropped (the CR of a
  // CRLF, normally), and SUB and UNSUB split their arguments at CRs as at spaces.
  assert.deepEqual(everyChunking("SUB foo\rq 1\r\nPING\r\n"), [{ op: "SUB", args: ["foo", "q", "1"] }, { op: "PING" }]);
  assert.deepEqual(everyChunking("SUB foo 1\r\r\nUNSUB 1\r5\r\n"), [{ op: "SUB", args: ["foo", "1"] }, { op: "UNSUB", args: ["1", "5"] }]);
  // `SUB foo\r 1\n` loses its "1": a SUB without a sid, closed without an -ERR.
  assert.deepEqual(shape(everyChunking("SUB foo\r 1\nPING\r\n")), [{ op: "ERROR", sendErr: null }]);
  assert.deepEqual(shape(everyChunking("SUB foo\r\r\n")), [{ op: "ERROR", sendErr: null }]);
  // PUB keeps a CR inside its subject.
  assert.deepEqual(everyChunking("PUB a\rb 1\r\nz\r\n").map((r) => (r.op === "PUB" ? r.args : r.op)), [["a\rb", "1"], "MSG"]);
});

const MCL = 64;
const overLimit = [{ op: "ERROR", sendErr: ERR.MAX_CONTROL_LINE }];

test("max_control_line: a complete line over the limit, for every op", () => {
  const a63 = "a".repeat(63);
  for (const line of [`SUB ${a63} 1`, `PUB ${a63} 0`, `HPUB ${a63.slice(2)} 0 0`, `UNSUB ${"9".repeat(65)}`, `CONNECT {"name":"${a63}"}`]) {
    const recs = everyChunking(`PING\r\n${line}\r\nPING\r\n`, MCL);
    assert.deepEqual(shape(recs), [{ op: "PING" }, ...overLimit], line);
    assert.equal(lastError(recs).detail, ERR.MAX_CONTROL_LINE);
  }
});

test("max_control_line: refused before any newline arrives, as soon as the limit is passed", () => {
  // One chunk with no newline.
  assert.deepEqual(shape(feed([bytes("PUB " + "a".repeat(100))], { maxControlLine: MCL })), overLimit);
  assert.deepEqual(shape(feed([bytes(`CONNECT {"name":"${"x".repeat(200)}`)], { maxControlLine: MCL })), overLimit);
  // Split across chunks, none of them over the limit alone.
  assert.deepEqual(shape(feed([bytes("SUB " + "a".repeat(40)), bytes("a".repeat(40))], { maxControlLine: MCL })), overLimit);
  // Byte by byte: nothing until the 65th argument byte, the error right then. Probed: nats-server
  // 2.9.10 (max_control_line 64) answers `SUB <65 a>` with no newline at once, `SUB <64 a>` not at all.
  const r = new Recorder({ maxControlLine: MCL });
  r.parser.parse(bytes("SUB "));
  for (let k = 1; k <= MCL; k++) r.parser.parse(bytes("a"));
  assert.deepEqual(r.records, []);
  r.parser.parse(bytes("a"));
  assert.deepEqual(shape(r.records), overLimit);
  assert.ok(r.parser.halted);
  // A CR after 64 bytes is the line's end, not a 65th byte (nats-server: no error for `SUB <64 a>` + CR).
  const cr = new Recorder({ maxControlLine: MCL });
  cr.parser.parse(bytes("SUB " + "a".repeat(MCL)));
  cr.parser.parse(bytes("\r"));
  assert.deepEqual(cr.records, []);
});

test("max_control_line: a line of exactly the limit is accepted at every split", () => {
  // Probed: nats-server 2.9.10 with max_control_line 64 accepts `SUB <62 a> 1` (a 64-byte argument)
  // whole and split before the sid, before the CR and between CR and LF.
  const subject = "a".repeat(MCL - 2);
  const recs = everyChunking(`SUB ${subject} 1\r\nPING\r\n`, MCL);
  assert.deepEqual(recs, [{ op: "SUB", args: [subject, "1"] }, { op: "PING" }]);
  const bare = everyChunking(`SUB ${subject} 1\nPING\r\n`, MCL);
  assert.deepEqual(bare, [{ op: "SUB", args: [subject, "1"] }, { op: "PING" }]);
});

test("max_control_line: the payload does not count against it", () => {
  const payload = "p".repeat(500);
  const recs = everyChunking(`PUB a 500\r\n${payload}\r\nPING\r\n`, MCL);
  assert.deepEqual(recs.map((r) => r.op), ["PUB", "MSG", "PING"]);
});

test("payloadSplit: set only when the read ends inside a payload or before its LF, as nats-server clones", () => {
  const cases: [string, boolean][] = [
    ["PUB a 5\r\nab", true],
    ["PUB a 5\r\nabcde", true],
    ["PUB a 5\r\nabcde\r", true],
    ["PUB a 5\r\nPING\r\n", false], // the sixth byte should be the CR: an error within this read
    ["PUB a 5\r\nabcdeX", false],
    ["PUB a 5\r\nabcde\r\n", false],
  ];
  for (const [input, want] of cases) {
    const r = new Recorder();
    r.parser.parse(bytes(input));
    assert.equal(r.parser.payloadSplit, want, JSON.stringify(input));
  }
});
