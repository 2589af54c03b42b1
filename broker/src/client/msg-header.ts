// The MSG/HMSG line of the message being delivered, built once per PUB and shared by every
// delivery: "MSG <subject> " before the sid, " [reply ]<size>\r\n" after it. The size bytes are
// copied from the PUB line rather than formatted again.

import type { ClientParser } from "../protocol/parser.js";

const MSG = Buffer.from("MSG ");
const HMSG = Buffer.from("HMSG ");

export class MsgHeader {
  pre = Buffer.allocUnsafe(512);
  preLen = 0;
  suf = Buffer.allocUnsafe(512);
  sufLen = 0;
  payload: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;
  /** Header bytes at the start of the payload; -1 for a plain PUB. */
  hdrSize = -1;
  // The same message without headers, for subscribers that did not ask for them (built lazily).
  private plainBuilt = false;
  plainPre = Buffer.allocUnsafe(512);
  plainPreLen = 0;
  plainSuf = Buffer.allocUnsafe(512);
  plainSufLen = 0;
  private parser: ClientParser | null = null;

  prepare(p: ClientParser, payload: Buffer, start: number, end: number): void {
    this.parser = p;
    this.payload = payload;
    this.start = start;
    this.end = end;
    // An HPUB with an empty header goes out as a plain MSG, as nats-server does.
    const withHdr = p.hdrSize > 0;
    this.hdrSize = withHdr ? p.hdrSize : -1;
    this.plainBuilt = false;
    const a = p.argBuf;
    const hasReply = p.hasReply();
    // prefix
    const verb = withHdr ? HMSG : MSG;
    const subjLen = p.argEnd[0]! - p.argStart[0]!;
    if (verb.length + subjLen + 1 > this.pre.length) this.pre = Buffer.allocUnsafe((verb.length + subjLen + 1) * 2);
    let pos = put(this.pre, 0, verb, 0, verb.length);
    pos = put(this.pre, pos, a, p.argStart[0]!, p.argEnd[0]!);
    this.pre[pos++] = 32;
    this.preLen = pos;
    // suffix: " [reply ][hdr ]size\r\n"
    const last = p.argc - 1;
    const sufMax = 2 + (p.argEnd[last]! - p.argStart[1]!) + 4;
    if (sufMax > this.suf.length) this.suf = Buffer.allocUnsafe(sufMax * 2);
    const s = this.suf;
    pos = 0;
    s[pos++] = 32;
    let k = 1;
    if (hasReply) {
      pos = put(s, pos, a, p.argStart[1]!, p.argEnd[1]!);
      s[pos++] = 32;
      k = 2;
    }
    if (p.hpub) {
      if (withHdr) {
        pos = put(s, pos, a, p.argStart[k]!, p.argEnd[k]!);
        s[pos++] = 32;
      }
      k++;
    }
    pos = put(s, pos, a, p.argStart[k]!, p.argEnd[k]!);
    s[pos++] = 13;
    s[pos++] = 10;
    this.sufLen = pos;
  }

  /** Builds the header-less form: MSG with the header bytes cut from the payload. */
  buildPlain(): void {
    if (this.plainBuilt) return;
    this.plainBuilt = true;
    const p = this.parser!;
    const subject = p.arg(0);
    const reply = p.hasReply() ? p.arg(1) + " " : "";
    const size = this.end - this.start - this.hdrSize;
    const pre = `MSG ${subject} `;
    const suf = ` ${reply}${size}\r\n`;
    if (pre.length > this.plainPre.length) this.plainPre = Buffer.allocUnsafe(pre.length * 2);
    if (suf.length > this.plainSuf.length) this.plainSuf = Buffer.allocUnsafe(suf.length * 2);
    this.plainPreLen = this.plainPre.write(pre, 0, "latin1");
    this.plainSufLen = this.plainSuf.write(suf, 0, "latin1");
  }
}

/** Copies src[s, e) to dst at d and returns the new end: a byte loop for the small pieces. */
export function put(dst: Buffer, d: number, src: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n < 64) {
    for (let k = 0; k < n; k++) dst[d + k] = src[s + k]!;
  } else {
    src.copy(dst, d, s, e);
  }
  return d + n;
}
