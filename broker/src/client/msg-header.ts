// The message being delivered, described once per PUB (or routed message) and shared by every
// delivery. The caller sets the argument ranges (subject, reply, header and total size as byte
// ranges of `argBuf`), then build() makes "MSG <subject> " (before the sid) and " [reply ]<size>\r\n"
// (after it), each only when it differs from the last message's. Size bytes are copied from the
// incoming line rather than formatted again.

import { Bytes, put } from "./copy.js";

const MSG = Buffer.from("MSG ");
const HMSG = Buffer.from("HMSG ");

export class MsgHeader {
  // Set by the caller before build().
  argBuf: Buffer = Buffer.alloc(0);
  subjS = 0;
  subjE = 0;
  /** -1 when there is no reply. */
  replyS = -1;
  replyE = -1;
  /** The header-size argument (-1 when absent) and the total-size argument. */
  hdrS = -1;
  hdrE = -1;
  sizeS = 0;
  sizeE = 0;
  /** Header bytes at the start of the payload; -1 (or 0) for none. */
  hdrSize = -1;

  pre = Bytes.alloc(512);
  preLen = 0;
  suf = Bytes.alloc(512);
  sufLen = 0;
  // What the prefix and suffix were built for, so a repeat skips rebuilding them.
  private preSubject = "";
  private preHdr = false;
  private sufPlain = false;
  /** The buffer holding the payload, with a DataView made once per read chunk. */
  payload = new Bytes(Buffer.alloc(0));
  start = 0;
  end = 0;
  // The same message without headers, for subscribers that did not ask for them (built lazily).
  private plainBuilt = false;
  plainPre = Bytes.alloc(512);
  plainPreLen = 0;
  plainSuf = Bytes.alloc(512);
  plainSufLen = 0;

  get hasReply(): boolean {
    return this.replyS >= 0;
  }

  /** The reply subject (latin1), for the rare paths that need it as a string. */
  reply(): string {
    return this.argBuf.toString("latin1", this.replyS, this.replyE);
  }

  /** Points at the payload only: enough for routes, which build their own line. */
  setPayload(payload: Buffer, start: number, end: number): void {
    if (payload !== this.payload.buf) this.payload = new Bytes(payload);
    this.start = start;
    this.end = end;
  }

  /** Builds the MSG line pieces for this message; `subject` is the subject as a string (the
   * connection's cached one), so a repeat of the last subject keeps the prefix already built, and a
   * plain message of the same size keeps the suffix. */
  build(payload: Buffer, start: number, end: number, subject: string): void {
    this.setPayload(payload, start, end);
    // A header block of size 0 goes out as a plain MSG, as nats-server does.
    const withHdr = this.hdrSize > 0;
    if (!withHdr) this.hdrSize = -1;
    this.plainBuilt = false;
    if (subject !== this.preSubject || withHdr !== this.preHdr) this.buildPre(withHdr, subject);
    if (this.replyS >= 0 || withHdr || !this.samePlainSize()) this.buildSuf(withHdr);
  }

  /** "MSG <subject> " or "HMSG <subject> ". */
  private buildPre(withHdr: boolean, subject: string): void {
    const verb = withHdr ? HMSG : MSG;
    const subjLen = this.subjE - this.subjS;
    if (verb.length + subjLen + 1 > this.pre.buf.length) this.pre = Bytes.alloc((verb.length + subjLen + 1) * 2);
    const pb = this.pre.buf;
    let pos = put(pb, 0, verb, 0, verb.length);
    pos = put(pb, pos, this.argBuf, this.subjS, this.subjE);
    pb[pos++] = 32;
    this.preLen = pos;
    this.preSubject = subject;
    this.preHdr = withHdr;
  }

  /** Whether the suffix already built is " <size>\r\n" with this message's size bytes. */
  private samePlainSize(): boolean {
    if (!this.sufPlain) return false;
    const a = this.argBuf, s = this.suf.buf;
    const n = this.sizeE - this.sizeS;
    if (n !== this.sufLen - 3) return false;
    for (let k = 0; k < n; k++) if (a[this.sizeS + k] !== s[1 + k]) return false;
    return true;
  }

  /** " [reply ][hdr ]size\r\n" */
  private buildSuf(withHdr: boolean): void {
    const a = this.argBuf;
    const sufMax = 6 + (this.replyE - this.replyS) + (this.hdrE - this.hdrS) + (this.sizeE - this.sizeS);
    if (sufMax > this.suf.buf.length) this.suf = Bytes.alloc(sufMax * 2);
    const s = this.suf.buf;
    let pos = 0;
    s[pos++] = 32;
    if (this.replyS >= 0) {
      pos = put(s, pos, a, this.replyS, this.replyE);
      s[pos++] = 32;
    }
    if (withHdr) {
      pos = put(s, pos, a, this.hdrS, this.hdrE);
      s[pos++] = 32;
    }
    pos = put(s, pos, a, this.sizeS, this.sizeE);
    s[pos++] = 13;
    s[pos++] = 10;
    this.sufLen = pos;
    this.sufPlain = this.replyS < 0 && !withHdr;
  }

  /** Builds the header-less form: MSG with the header bytes cut from the payload. */
  buildPlain(): void {
    if (this.plainBuilt) return;
    this.plainBuilt = true;
    const subject = this.argBuf.toString("latin1", this.subjS, this.subjE);
    const reply = this.replyS >= 0 ? this.reply() + " " : "";
    const size = this.end - this.start - this.hdrSize;
    const pre = `MSG ${subject} `;
    const suf = ` ${reply}${size}\r\n`;
    if (pre.length > this.plainPre.buf.length) this.plainPre = Bytes.alloc(pre.length * 2);
    if (suf.length > this.plainSuf.buf.length) this.plainSuf = Bytes.alloc(suf.length * 2);
    this.plainPreLen = this.plainPre.buf.write(pre, 0, "latin1");
    this.plainSufLen = this.plainSuf.buf.write(suf, 0, "latin1");
  }
}
