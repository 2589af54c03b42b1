// Seeded fuzzing of the parser: inputs stitched from protocol fragments and random bytes. Whatever the
// input, parse() must not throw, must stop at the first error, and must give the same records (error
// details aside, which quote the chunk) fed whole, byte by byte and in random chunkings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, chunksOf, cutAt, feed, rng, type OpRecord } from "./parser-recorder.js";

const FRAGMENTS = [
  "PUB ", "pub\t", "HPUB ", "SUB ", "sub ", "UNSUB ", "PING", "PONG", "CONNECT ", "INFO ", "+OK", "-ERR ",
  "\r\n", "\r\n", "\r\n", "\n", "\r", " ", "  ", "\t", "foo", "foo.bar", "q", "_INBOX.1", "0", "1", "2", "5",
  "12", "{}", '{"verbose":false}', "NATS/1.0\r\n\r\n", "hello", "x".repeat(40),
];

function randomInput(r: () => number): Buffer {
  const parts: Buffer[] = [];
  const n = 1 + ((r() * 24) | 0);
  for (let k = 0; k < n; k++) {
    if (r() < 0.08) {
      const junk = Buffer.alloc(1 + ((r() * 4) | 0));
      for (let j = 0; j < junk.length; j++) junk[j] = (r() * 256) | 0;
      parts.push(junk);
    } else {
      parts.push(bytes(FRAGMENTS[(r() * FRAGMENTS.length) | 0]!));
    }
  }
  return Buffer.concat(parts);
}

/** Well-formed ops with random spacing, so that fuzz cases also get past the first op. */
function validOp(r: () => number): string {
  const sp = (): string => [" ", "\t", "  ", " \t "][(r() * 4) | 0]!;
  const eol = r() < 0.8 ? "\r\n" : "\n";
  const payload = "p".repeat((r() * 6) | 0);
  switch ((r() * 6) | 0) {
    case 0: return `PUB${sp()}s.${(r() * 9) | 0}${sp()}${payload.length}${eol}${payload}\r\n`;
    case 1: return `HPUB${sp()}h${sp()}12${sp()}${12 + payload.length}${eol}NATS/1.0\r\n\r\n${payload}\r\n`;
    case 2: return `SUB${sp()}s.*${sp()}${r() < 0.5 ? `q${sp()}` : ""}${(r() * 99) | 0}${eol}`;
    case 3: return `UNSUB${sp()}${(r() * 99) | 0}${r() < 0.5 ? `${sp()}3` : ""}${eol}`;
    case 4: return `PING${eol}`;
    default: return `CONNECT${sp()}{}${eol}`;
  }
}

function shape(records: OpRecord[]): unknown[] {
  return records.map((rec) => (rec.op === "ERROR" ? { op: "ERROR", sendErr: rec.sendErr } : rec));
}

function checkCase(input: Buffer, r: () => number, maxControlLine: number, note: string): OpRecord[] {
  const whole = feed([input], { maxControlLine });
  const errors = whole.filter((rec) => rec.op === "ERROR").length;
  assert.ok(errors <= 1 && (errors === 0 || whole[whole.length - 1]!.op === "ERROR"), `${note}: stops at the first error`);
  const want = JSON.stringify(shape(whole));
  const feedings: Buffer[][] = [chunksOf(input, 1)];
  for (let k = 0; k < 3; k++) {
    const cuts = new Set<number>();
    const count = 1 + ((r() * 6) | 0);
    for (let j = 0; j < count; j++) cuts.add((r() * (input.length + 1)) | 0);
    feedings.push(cutAt(input, [...cuts].sort((a, b) => a - b)));
  }
  for (const chunks of feedings) {
    const got = feed(chunks, { maxControlLine });
    if (JSON.stringify(shape(got)) !== want) {
      assert.deepEqual(shape(got), shape(whole),
        `${note}: input ${JSON.stringify(input.toString("latin1"))} chunks ${JSON.stringify(chunks.map((c) => c.length))}`);
    }
  }
  return whole;
}

test("fuzz: fragments and junk give the same records in every chunking, and never throw", () => {
  const r = rng(99);
  let ops = 0, errors = 0;
  for (let n = 0; n < 2000; n++) {
    const input = randomInput(r);
    const recs = checkCase(input, r, n % 2 === 0 ? 4096 : 24, `case ${n}`);
    ops += recs.length;
    if (recs.some((rec) => rec.op === "ERROR")) errors++;
  }
  assert.ok(ops > 700 && errors > 70, `the fuzz reaches both ops and errors (${ops} records, ${errors} errors)`);
});

test("fuzz: valid ops with random spacing, then fragments, in every chunking", () => {
  const r = rng(7);
  let msgs = 0;
  for (let n = 0; n < 1000; n++) {
    const valid = Array.from({ length: 1 + ((r() * 6) | 0) }, () => validOp(r)).join("");
    const input = Buffer.concat([bytes(valid), randomInput(r)]);
    const recs = checkCase(input, r, n % 3 === 0 ? 32 : 4096, `case ${n}`);
    msgs += recs.filter((rec) => rec.op === "MSG").length;
    // The well-formed prefix always parses without an error, whatever follows.
    const prefix = feed([bytes(valid)]);
    assert.ok(!prefix.some((rec) => rec.op === "ERROR"), `case ${n}: ${JSON.stringify(valid)}`);
  }
  assert.ok(msgs > 300, `messages were parsed (${msgs})`);
});
