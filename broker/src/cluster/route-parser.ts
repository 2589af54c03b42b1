// The route-protocol parser: control lines (CONNECT, INFO, RS+, RS-, LS+, LS-, RMSG, HMSG, PING,
// PONG, +OK, -ERR) split on LF, with RMSG/HMSG payloads taken by index when they sit in one read
// and copied only when split. Arguments are byte ranges into `argBuf`, as in the client parser.

import { S, isSpace, parseSize } from "../protocol/bytes.js";

export interface RouteOpHandler {
  processRouteConnect(arg: string): void;
  processRouteInfo(arg: string): void;
  /** RS+ / RS-: arguments as strings. */
  processRemoteSub(add: boolean, args: string[]): void;
  /** A complete RMSG/HMSG; its arguments are in the parser's fields. */
  processRoutedMsg(buf: Buffer, start: number, end: number): void;
  processPing(): void;
  processPong(): void;
  processErr(text: string): void;
  protocolError(detail: string): void;
}

const enum St { LINE, PAYLOAD }

/** The longest route control line accepted (a routed message can carry many queue names). */
const MAX_LINE = 64 * 1024;

export class RouteParser {
  halted = false;
  argBuf: Buffer = Buffer.alloc(0);
  argStart: Int32Array = new Int32Array(16);
  argEnd: Int32Array = new Int32Array(16);
  argc = 0;
  // Fields of the current RMSG/HMSG, as argument indexes (-1 when absent).
  reply = -1;
  firstQueue = -1;
  queueCount = 0;
  hdrArg = -1;
  sizeArg = -1;
  size = 0;
  hdrSize = -1;

  private state: St = St.LINE;
  private partial: Buffer | null = null; // a control line split across reads
  private msgBuf: Buffer | null = null;
  private msgPos = 0;

  constructor(private readonly h: RouteOpHandler) {}

  /** Parses buf[0, len): a read chunk, valid only until this returns. */
  parse(buf: Buffer, len = buf.length): void {
    let i = 0;
    while (i < len && !this.halted) {
      if (this.state === St.PAYLOAD) {
        const msg = this.msgBuf!;
        const need = this.size + 2 - this.msgPos;
        const n = Math.min(need, len - i);
        buf.copy(msg, this.msgPos, i, i + n);
        this.msgPos += n;
        i += n;
        if (this.msgPos < this.size + 2) return;
        this.state = St.LINE;
        this.msgBuf = null;
        if (msg[this.size] !== S.CR || msg[this.size + 1] !== S.LF) {
          this.fail("routed message payload not followed by CRLF");
          return;
        }
        this.h.processRoutedMsg(msg, 0, this.size);
        continue;
      }
      let lf = i;
      while (lf < len && buf[lf] !== S.LF) lf++;
      if (lf === len) {
        const rest = buf.subarray(i, len);
        this.partial = this.partial === null ? Buffer.from(rest) : Buffer.concat([this.partial, rest]);
        if (this.partial.length > MAX_LINE) this.fail("route control line too long");
        return;
      }
      let line: Buffer, s: number, e: number;
      if (this.partial !== null) {
        line = Buffer.concat([this.partial, buf.subarray(i, lf)]);
        this.partial = null;
        s = 0;
        e = line.length;
      } else {
        line = buf;
        s = i;
        e = lf;
      }
      if (e > s && line[e - 1] === S.CR) e--;
      i = lf + 1;
      if (!this.processLine(line, s, e)) return;
      if ((this.state as St) === St.PAYLOAD) {
        // Fast path: the whole payload and its CRLF are in this read.
        if (line === buf && len - i >= this.size + 2) {
          const end = i + this.size;
          if (buf[end] !== S.CR || buf[end + 1] !== S.LF) {
            this.fail("routed message payload not followed by CRLF");
            return;
          }
          this.state = St.LINE;
          this.h.processRoutedMsg(buf, i, end);
          i = end + 2;
        } else {
          this.keepArgs(line);
          this.msgBuf = Buffer.allocUnsafe(this.size + 2);
          this.msgPos = 0;
        }
      }
    }
  }

  arg(n: number): string {
    return this.argBuf.toString("latin1", this.argStart[n]!, this.argEnd[n]!);
  }

  private processLine(line: Buffer, s: number, e: number): boolean {
    // The op is the first token, matched case-insensitively on its bytes.
    let p = s;
    while (p < e && !isSpace(line[p]!)) p++;
    const n = p - s;
    while (p < e && isSpace(line[p]!)) p++;
    if (n === 4) {
      if (opIs(line, s, RMSG) || opIs(line, s, HMSG)) {
        this.split(line, p, e);
        return this.msgArgs((line[s]! | 0x20) === 104);
      }
      if (opIs(line, s, PING)) { this.h.processPing(); return !this.halted; }
      if (opIs(line, s, PONG)) { this.h.processPong(); return !this.halted; }
      if (opIs(line, s, INFO)) { this.h.processRouteInfo(line.toString("utf8", p, e)); return !this.halted; }
      if (opIs(line, s, ERR)) { this.h.processErr(line.toString("utf8", p, e)); return !this.halted; }
    } else if (n === 3) {
      if (opIs(line, s, RS_ADD) || opIs(line, s, RS_DEL)) {
        this.split(line, p, e);
        this.h.processRemoteSub(line[s + 2] === S.PLUS, this.strings());
        return !this.halted;
      }
      if (opIs(line, s, LS_ADD) || opIs(line, s, LS_DEL) || opIs(line, s, OK)) return true; // leafnode interest, +OK: ignored
    } else if (n === 7 && opIs(line, s, CONNECT)) {
      this.h.processRouteConnect(line.toString("utf8", p, e));
      return !this.halted;
    } else if (n === 0) {
      return true;
    }
    return this.fail(`unknown route protocol operation ${JSON.stringify(line.toString("latin1", s, s + Math.min(n, 16)))}`);
  }

  private split(line: Buffer, p: number, e: number): void {
    this.argBuf = line;
    let n = 0;
    while (p < e) {
      while (p < e && isSpace(line[p]!)) p++;
      if (p >= e) break;
      if (n === this.argStart.length) {
        const grow = (a: Int32Array): Int32Array => { const b = new Int32Array(a.length * 2); b.set(a); return b; };
        this.argStart = grow(this.argStart);
        this.argEnd = grow(this.argEnd);
      }
      this.argStart[n] = p;
      while (p < e && !isSpace(line[p]!)) p++;
      this.argEnd[n] = p;
      n++;
    }
    this.argc = n;
  }

  private strings(): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.argc; k++) out.push(this.arg(k));
    return out;
  }

  /** RMSG acc subject [reply | + reply q.. | | q..] [hdr] size */
  private msgArgs(hmsg: boolean): boolean {
    const n = this.argc;
    const sizes = hmsg ? 2 : 1;
    if (n < 2 + sizes) return this.fail("bad routed message arguments");
    this.reply = -1;
    this.firstQueue = -1;
    this.queueCount = 0;
    const last = n - sizes; // first size argument
    if (n > 2 + sizes) {
      const marker = this.argBuf[this.argStart[2]!];
      const one = this.argEnd[2]! - this.argStart[2]! === 1;
      if (one && marker === S.PLUS) {
        this.reply = 3;
        this.firstQueue = 4;
        this.queueCount = last - 4;
      } else if (one && marker === PIPE) {
        this.firstQueue = 3;
        this.queueCount = last - 3;
      } else if (n === 3 + sizes) {
        this.reply = 2;
      } else return this.fail("bad routed message arguments");
      if (this.queueCount < 0) return this.fail("bad routed message arguments");
    }
    this.sizeArg = n - 1;
    this.hdrArg = hmsg ? n - 2 : -1;
    this.size = this.num(this.sizeArg);
    this.hdrSize = hmsg ? this.num(this.hdrArg) : -1;
    if (this.size < 0 || (hmsg && (this.hdrSize < 0 || this.hdrSize > this.size))) return this.fail("bad routed message size");
    this.state = St.PAYLOAD;
    return true;
  }

  private num(k: number): number {
    return parseSize(this.argBuf, this.argStart[k]!, this.argEnd[k]!);
  }


  /** The payload spans reads: keep the arguments in a buffer of their own. */
  private keepArgs(line: Buffer): void {
    if (this.argc === 0) return;
    const from = this.argStart[0]!, to = this.argEnd[this.argc - 1]!;
    const copy = Buffer.from(line.subarray(from, to));
    for (let k = 0; k < this.argc; k++) {
      this.argStart[k] = this.argStart[k]! - from;
      this.argEnd[k] = this.argEnd[k]! - from;
    }
    this.argBuf = copy;
  }

  private fail(detail: string): false {
    this.halted = true;
    this.h.protocolError(detail);
    return false;
  }
}

const PIPE = 124;
const word = (w: string): Buffer => Buffer.from(w.toLowerCase(), "latin1");
const RMSG = word("RMSG"), HMSG = word("HMSG"), PING = word("PING"), PONG = word("PONG"), INFO = word("INFO");
const ERR = word("-ERR"), OK = word("+OK"), RS_ADD = word("RS+"), RS_DEL = word("RS-"), LS_ADD = word("LS+");
const LS_DEL = word("LS-"), CONNECT = word("CONNECT");

/** True when the op at buf[s] is `w` (lower case), ignoring the case of letters. */
function opIs(buf: Buffer, s: number, w: Buffer): boolean {
  for (let k = 0; k < w.length; k++) {
    const b = buf[s + k]!;
    if ((b >= 65 && b <= 90 ? b | 0x20 : b) !== w[k]) return false;
  }
  return true;
}
