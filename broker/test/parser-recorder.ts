// A ClientOpHandler for parser tests: it turns the op stream into plain records, copying every
// argument and payload out at call time (the parser reuses argBuf and the read chunk), and offers
// helpers to feed one input in different chunkings.
import { ClientParser, type ClientOpHandler } from "../src/protocol/parser.js";

export type OpRecord =
  | { op: "CONNECT"; json: string }
  | { op: "INFO"; json: string }
  | { op: "PUB"; hpub: boolean; args: string[]; size: number; hdrSize: number; reply: boolean }
  | { op: "MSG"; args: string[]; payload: string }
  | { op: "SUB"; args: string[] }
  | { op: "UNSUB"; args: string[] }
  | { op: "PING" }
  | { op: "PONG" }
  | { op: "GATE" }
  | { op: "ERROR"; sendErr: string | null; detail: string };

export interface RecorderOptions {
  maxControlLine?: number;
  /** Halt the parser on protocolError, as the client does when it closes (default true). */
  haltOnError?: boolean;
  /** Halt the parser after this many records. */
  haltAfter?: number;
}

export class Recorder implements ClientOpHandler {
  readonly records: OpRecord[] = [];
  readonly parser: ClientParser;

  constructor(private readonly o: RecorderOptions = {}) {
    this.parser = new ClientParser(this, o.maxControlLine ?? 4096);
  }

  private args(): string[] {
    const p = this.parser;
    const out: string[] = [];
    for (let k = 0; k < p.argc; k++) out.push(p.arg(k));
    return out;
  }

  private push(r: OpRecord): void {
    this.records.push(r);
    if (this.o.haltAfter !== undefined && this.records.length >= this.o.haltAfter) this.parser.halted = true;
  }

  processConnect(arg: string): void {
    this.push({ op: "CONNECT", json: arg });
  }

  processPubArgs(): void {
    const p = this.parser;
    this.push({ op: "PUB", hpub: p.hpub, args: this.args(), size: p.size, hdrSize: p.hdrSize, reply: p.hasReply() });
  }

  processMsg(buf: Buffer, start: number, end: number): void {
    // The arguments must still be readable when the payload arrives, even chunks later.
    this.push({ op: "MSG", args: this.args(), payload: buf.toString("latin1", start, end) });
  }

  processSub(): void {
    this.push({ op: "SUB", args: this.args() });
  }

  processUnsub(): void {
    this.push({ op: "UNSUB", args: this.args() });
  }

  processPing(): void {
    this.push({ op: "PING" });
  }

  processInfo(arg: string): void {
    this.push({ op: "INFO", json: arg });
  }

  processPong(): void {
    this.push({ op: "PONG" });
  }

  authGate(): boolean {
    this.push({ op: "GATE" });
    this.parser.awaitingAuth = false;
    return true;
  }

  protocolError(sendErr: string | null, detail: string): void {
    this.push({ op: "ERROR", sendErr, detail });
    if (this.o.haltOnError ?? true) this.parser.halted = true;
  }
}

/** Feeds the chunks in order, stopping once the parser halts (the client closes then). Each chunk is
 * a fresh copy that is overwritten after parse() returns, so a parser that kept a reference into an
 * earlier chunk instead of copying a split token would produce wrong records. */
export function feed(chunks: readonly Buffer[], o: RecorderOptions = {}): OpRecord[] {
  const r = new Recorder(o);
  for (const c of chunks) {
    if (r.parser.halted) break;
    const copy = Buffer.from(c);
    r.parser.parse(copy);
    copy.fill(0x23);
  }
  return r.records;
}

export function bytes(s: string): Buffer {
  return Buffer.from(s, "latin1");
}

/** The input split into chunks of `size` bytes. */
export function chunksOf(input: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let k = 0; k < input.length; k += size) out.push(input.subarray(k, k + size));
  return out;
}

/** The input cut at the given offsets (ascending, within bounds). */
export function cutAt(input: Buffer, offsets: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const at of [...offsets, input.length]) {
    out.push(input.subarray(from, at));
    from = at;
  }
  return out;
}

/** A small deterministic PRNG (mulberry32), so random chunkings are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
