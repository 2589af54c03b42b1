// The MSG/HMSG line of the message being delivered, built once per PUB and shared by every
// delivery: "MSG <subject> " before the sid, " [reply ]<size>\r\n" after it. The size bytes are
// copied from the PUB line rather than formatted again.

import type { ClientParser } from "../protocol/parser.js";
import { Bytes, put } from "./copy.js";

const MSG = Buffer.from("MSG ");
const HMSG = Buffer.from("HMSG ");

export class MsgHeader {
  pre = Bytes.alloc(512);
  preLen = 0;
  suf = Bytes.alloc(512);
  sufLen = 0;
  /** The buffer holding the payload, with a DataView made once per read chunk. */
  payload = new Bytes(Buffer.alloc(0));
  start = 0;
  end = 0;
  /** Header bytes at the start of the payload; -1 for a plain PUB. */
  hdrSize = -1;
  // The same message without headers, for subscribers that did not ask for them (built lazily).
  private plainBuilt = false;
  plainPre = Bytes.alloc(512);
  plainPreLen = 0;
  plainSuf = Bytes.alloc(512);
  plainSufLen = 0;
  private parser: ClientParser | null = null;

  prepare(p: ClientParser, payload: Buffer, start: number, end: number): void {
    this.parser = p;
    if (payload !== this.payload.buf) this.payload = new Bytes(payload);
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
    if (verb.length + subjLen + 1 > this.pre.buf.length) this.pre = Bytes.alloc((verb.length + subjLen + 1) * 2);
    const pb = this.pre.buf;
    let pos = put(pb, 0, verb, 0, verb.length);
    pos = put(pb, pos, a, p.argStart[0]!, p.argEnd[0]!);
    pb[pos++] = 32;
    this.preLen = pos;
    // suffix: " [reply ][hdr ]size\r\n"
    const last = p.argc - 1;
    const sufMax = 2 + (p.argEnd[last]! - p.argStart[1]!) + 4;
    if (sufMax > this.suf.buf.length) this.suf = Bytes.alloc(sufMax * 2);
    const s = this.suf.buf;
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
    if (pre.length > this.plainPre.buf.length) this.plainPre = Bytes.alloc(pre.length * 2);
    if (suf.length > this.plainSuf.buf.length) this.plainSuf = Bytes.alloc(suf.length * 2);
    this.plainPreLen = this.plainPre.buf.write(pre, 0, "latin1");
    this.plainSufLen = this.plainSuf.buf.write(suf, 0, "latin1");
  }
}
