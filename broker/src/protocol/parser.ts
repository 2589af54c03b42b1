// The client-protocol parser: a pure byte state machine. It does no I/O and no auth; it hands each
// complete op to a ClientOpHandler. Arguments are kept as byte ranges into `argBuf` (the read chunk,
// or the scratch buffer when a control line is split across reads). Payloads are handed over by index
// when they sit in one chunk, and copied only when they are split.

import { S, isSpace, parseSize } from "./bytes.js";
import { ERR } from "./protocol-text.js";

/** Receives complete ops. The current op's arguments are read from the parser's public fields. */
export interface ClientOpHandler {
  processConnect(arg: string): void;
  /** PUB/HPUB control line is complete, before its payload (checks such as max_payload go here). */
  processPubArgs(): void;
  /** The payload of the current PUB/HPUB is complete: bytes [start, end) of buf, CRLF excluded. */
  processMsg(buf: Buffer, start: number, end: number): void;
  processSub(): void;
  processUnsub(): void;
  processPing(): void;
  /** INFO from a client: nats-server checks its JSON and otherwise ignores it. */
  processInfo(arg: string): void;
  processPong(): void;
  /** A malformed op: the connection must be closed (the parser has halted). `sendErr` is the -ERR text
   * nats-server sends for it, or null when it closes without one. */
  protocolError(sendErr: string | null, detail: string): void;
  /** An op that is not CONNECT starts while awaitingAuth: false when the client was refused. */
  authGate(): boolean;
}

const enum St {
  OP_START, OP_PLUS, OP_PLUS_O, OP_PLUS_OK, OP_MINUS, OP_MINUS_E, OP_MINUS_ER, OP_MINUS_ERR, OP_MINUS_ERR_SPC, MINUS_ERR_ARG,
  OP_C, OP_CO, OP_CON, OP_CONN, OP_CONNE, OP_CONNEC, OP_CONNECT, CONNECT_ARG,
  OP_H, OP_HP, OP_HPU, OP_HPUB, OP_HPUB_SPC, HPUB_ARG,
  OP_P, OP_PU, OP_PUB, OP_PUB_SPC, PUB_ARG, OP_PI, OP_PIN, OP_PING, OP_PO, OP_PON, OP_PONG,
  MSG_PAYLOAD, MSG_END_R, MSG_END_N,
  OP_S, OP_SU, OP_SUB, OP_SUB_SPC, SUB_ARG,
  OP_U, OP_UN, OP_UNS, OP_UNSU, OP_UNSUB, OP_UNSUB_SPC, UNSUB_ARG,
  OP_I, OP_IN, OP_INF, OP_INFO, INFO_ARG,
}

const MAX_ARGS = 5;

export class ClientParser {
  // Current op's arguments, as ranges into argBuf.
  argBuf: Buffer = Buffer.alloc(0);
  readonly argStart = new Int32Array(MAX_ARGS);
  readonly argEnd = new Int32Array(MAX_ARGS);
  argc = 0;
  /** PUB/HPUB: payload size and header size (-1 for PUB). */
  size = 0;
  hdrSize = -1;
  /** The current op is HPUB (its arguments include the header size). */
  hpub = false;
  /** Set before processPubArgs: the control line came whole but its payload will come later. */
  payloadSplit = false;

  /** Set by the handler when the connection closes: parsing stops after the current op. */
  halted = false;
  /** Set by the client while its server requires auth and CONNECT has not come (see authGate). */
  awaitingAuth = false;

  private state: St = St.OP_START;
  private as = 0; // start of the current argument in the chunk
  private scratch: Buffer;
  private scratchLen = 0;
  private split = false; // the current control line started in an earlier chunk
  private msgBuf: Buffer | null = null; // payload split across chunks
  private msgPos = 0;
  private chunkLen = 0; // bytes of the chunk being parsed (it may be a longer, reused buffer)

  constructor(
    private readonly h: ClientOpHandler,
    public maxControlLine: number,
  ) {
    this.scratch = Buffer.allocUnsafe(Math.min(maxControlLine + 2, 4096));
  }

  /** Parses buf[0, len): a read chunk, valid only until this returns. */
  parse(buf: Buffer, len = buf.length): void {
    this.chunkLen = len;
    let i = 0;
    for (; i < len; i++) {
      const b = buf[i]!;
      switch (this.state) {
        case St.OP_START:
          // As nats-server, before CONNECT on a server that requires auth only a `C` may start an op.
          if (this.awaitingAuth && (b | 32) !== S.c && !this.h.authGate()) return;
          switch (b) {
            case S.P: case S.p:
              // Fast path: a whole "PUB " verb in this chunk skips three states, and a plain line
              // after it is split in one pass.
              if (i + 3 < len && (buf[i + 1]! | 32) === S.u && (buf[i + 2]! | 32) === S.b && isSpace(buf[i + 3]!)) {
                const lf = this.scanLine(buf, i + 4, len);
                if (lf < 0) {
                  this.state = St.OP_PUB_SPC;
                  i += 3;
                } else if ((i = this.pubLine(buf, lf, len, false)) < 0) return;
              } else this.state = St.OP_P;
              break;
            case S.H: case S.h:
              if (i + 4 < len && (buf[i + 1]! | 32) === S.p && (buf[i + 2]! | 32) === S.u && (buf[i + 3]! | 32) === S.b && isSpace(buf[i + 4]!)) {
                const lf = this.scanLine(buf, i + 5, len);
                if (lf < 0) {
                  this.state = St.OP_HPUB_SPC;
                  i += 4;
                } else if ((i = this.pubLine(buf, lf, len, true)) < 0) return;
              } else this.state = St.OP_H;
              break;
            case S.S: case S.s:
              if (i + 3 < len && (buf[i + 1]! | 32) === S.u && (buf[i + 2]! | 32) === S.b && isSpace(buf[i + 3]!)) {
                this.state = St.OP_SUB_SPC;
                i += 3;
              } else this.state = St.OP_S;
              break;
            case S.U: case S.u: this.state = St.OP_U; break;
            case S.C: case S.c: this.state = St.OP_C; break;
            case S.I: case S.i: this.state = St.OP_I; break;
            case S.PLUS: this.state = St.OP_PLUS; break;
            case S.MINUS: this.state = St.OP_MINUS; break;
            default: return this.fail(buf, i);
          }
          break;

        // PUB, PING, PONG
        case St.OP_P:
          switch (b) {
            case S.U: case S.u: this.state = St.OP_PU; break;
            case S.I: case S.i: this.state = St.OP_PI; break;
            case S.O: case S.o: this.state = St.OP_PO; break;
            default: return this.fail(buf, i);
          }
          break;
        case St.OP_PU: if (b === S.B || b === S.b) this.state = St.OP_PUB; else return this.fail(buf, i); break;
        case St.OP_PUB: if (isSpace(b)) this.state = St.OP_PUB_SPC; else return this.fail(buf, i); break;
        case St.OP_PUB_SPC: if (!isSpace(b)) { this.state = St.PUB_ARG; this.beginArg(i); } break;
        case St.PUB_ARG:
        case St.HPUB_ARG:
          if (b !== S.LF && (i = scanToLF(buf, i, len)) === len) break;
          if (!this.endArg(buf, i)) return;
          if ((i = this.pubLine(buf, i, len, this.state === St.HPUB_ARG)) < 0) return;
          break;
        case St.MSG_PAYLOAD: {
          const msg = this.msgBuf!;
          const need = this.size - this.msgPos;
          const n = Math.min(need, len - i);
          buf.copy(msg, this.msgPos, i, i + n);
          this.msgPos += n;
          i += n - 1;
          if (this.msgPos === this.size) this.state = St.MSG_END_R;
          break;
        }
        case St.MSG_END_R: if (b === S.CR) this.state = St.MSG_END_N; else return this.fail(buf, i); break;
        case St.MSG_END_N: {
          if (b !== S.LF) return this.fail(buf, i);
          const msg = this.msgBuf!;
          this.msgBuf = null;
          this.state = St.OP_START;
          this.h.processMsg(msg, 0, this.size);
          if (this.halted) return;
          break;
        }
        case St.OP_PI: if (b === S.N || b === S.n) this.state = St.OP_PIN; else return this.fail(buf, i); break;
        case St.OP_PIN: if (b === S.G || b === S.g) this.state = St.OP_PING; else return this.fail(buf, i); break;
        case St.OP_PING:
          if (b === S.LF) { this.state = St.OP_START; this.h.processPing(); if (this.halted) return; }
          break;
        case St.OP_PO: if (b === S.N || b === S.n) this.state = St.OP_PON; else return this.fail(buf, i); break;
        case St.OP_PON: if (b === S.G || b === S.g) this.state = St.OP_PONG; else return this.fail(buf, i); break;
        case St.OP_PONG:
          if (b === S.LF) { this.state = St.OP_START; this.h.processPong(); if (this.halted) return; }
          break;

        // HPUB
        case St.OP_H: if (b === S.P || b === S.p) this.state = St.OP_HP; else return this.fail(buf, i); break;
        case St.OP_HP: if (b === S.U || b === S.u) this.state = St.OP_HPU; else return this.fail(buf, i); break;
        case St.OP_HPU: if (b === S.B || b === S.b) this.state = St.OP_HPUB; else return this.fail(buf, i); break;
        case St.OP_HPUB: if (isSpace(b)) this.state = St.OP_HPUB_SPC; else return this.fail(buf, i); break;
        case St.OP_HPUB_SPC: if (!isSpace(b)) { this.state = St.HPUB_ARG; this.beginArg(i); } break;

        // SUB
        case St.OP_S: if (b === S.U || b === S.u) this.state = St.OP_SU; else return this.fail(buf, i); break;
        case St.OP_SU: if (b === S.B || b === S.b) this.state = St.OP_SUB; else return this.fail(buf, i); break;
        case St.OP_SUB: if (isSpace(b)) this.state = St.OP_SUB_SPC; else return this.fail(buf, i); break;
        case St.OP_SUB_SPC: if (!isSpace(b)) { this.state = St.SUB_ARG; this.beginArg(i); } break;
        case St.SUB_ARG:
          if (b !== S.LF && (i = scanToLF(buf, i, len)) === len) break;
          if (!this.endArg(buf, i, true)) return;
          this.state = St.OP_START;
          if (this.argc !== 2 && this.argc !== 3) { this.badArgs("processSub Parse Error"); return; }
          this.h.processSub();
          if (this.halted) return;
          break;

        // UNSUB
        case St.OP_U: if (b === S.N || b === S.n) this.state = St.OP_UN; else return this.fail(buf, i); break;
        case St.OP_UN: if (b === S.S || b === S.s) this.state = St.OP_UNS; else return this.fail(buf, i); break;
        case St.OP_UNS: if (b === S.U || b === S.u) this.state = St.OP_UNSU; else return this.fail(buf, i); break;
        case St.OP_UNSU: if (b === S.B || b === S.b) this.state = St.OP_UNSUB; else return this.fail(buf, i); break;
        case St.OP_UNSUB: if (isSpace(b)) this.state = St.OP_UNSUB_SPC; else return this.fail(buf, i); break;
        case St.OP_UNSUB_SPC: if (!isSpace(b)) { this.state = St.UNSUB_ARG; this.beginArg(i); } break;
        case St.UNSUB_ARG:
          if (b !== S.LF && (i = scanToLF(buf, i, len)) === len) break;
          if (!this.endArg(buf, i, true)) return;
          this.state = St.OP_START;
          if (this.argc !== 1 && this.argc !== 2) { this.badArgs("processUnsub Parse Error"); return; }
          this.h.processUnsub();
          if (this.halted) return;
          break;

        // CONNECT
        case St.OP_C: if (b === S.O || b === S.o) this.state = St.OP_CO; else return this.fail(buf, i); break;
        case St.OP_CO: if (b === S.N || b === S.n) this.state = St.OP_CON; else return this.fail(buf, i); break;
        case St.OP_CON: if (b === S.N || b === S.n) this.state = St.OP_CONN; else return this.fail(buf, i); break;
        case St.OP_CONN: if (b === S.E || b === S.e) this.state = St.OP_CONNE; else return this.fail(buf, i); break;
        case St.OP_CONNE: if (b === S.C || b === S.c) this.state = St.OP_CONNEC; else return this.fail(buf, i); break;
        case St.OP_CONNEC: if (b === S.T || b === S.t) this.state = St.OP_CONNECT; else return this.fail(buf, i); break;
        case St.OP_CONNECT: if (!isSpace(b)) { this.state = St.CONNECT_ARG; this.beginArg(i); } break;
        case St.CONNECT_ARG:
          if (b !== S.LF && (i = scanToLF(buf, i, len)) === len) break;
          if (!this.endLine(buf, i)) return;
          this.state = St.OP_START;
          this.h.processConnect(this.lineString());
          if (this.halted) return;
          break;

        // INFO from a client (checked by the handler).
        case St.OP_I: if (b === S.N || b === S.n) this.state = St.OP_IN; else return this.fail(buf, i); break;
        case St.OP_IN: if (b === S.F || b === S.f) this.state = St.OP_INF; else return this.fail(buf, i); break;
        case St.OP_INF: if (b === S.O || b === S.o) this.state = St.OP_INFO; else return this.fail(buf, i); break;
        case St.OP_INFO: if (!isSpace(b)) { this.state = St.INFO_ARG; this.beginArg(i); } break;
        case St.INFO_ARG:
          if (b !== S.LF && (i = scanToLF(buf, i, len)) === len) break;
          if (!this.endLine(buf, i)) return;
          this.state = St.OP_START;
          this.h.processInfo(this.lineString());
          if (this.halted) return;
          break;

        // +OK and -ERR from a client are tolerated.
        case St.OP_PLUS: if (b === S.O || b === S.o) this.state = St.OP_PLUS_O; else return this.fail(buf, i); break;
        case St.OP_PLUS_O: if (b === S.K || b === S.k) this.state = St.OP_PLUS_OK; else return this.fail(buf, i); break;
        case St.OP_PLUS_OK: if (b === S.LF) this.state = St.OP_START; break;
        case St.OP_MINUS: if (b === S.E || b === S.e) this.state = St.OP_MINUS_E; else return this.fail(buf, i); break;
        case St.OP_MINUS_E: if (b === S.R || b === S.r) this.state = St.OP_MINUS_ER; else return this.fail(buf, i); break;
        case St.OP_MINUS_ER: if (b === S.R || b === S.r) this.state = St.OP_MINUS_ERR; else return this.fail(buf, i); break;
        case St.OP_MINUS_ERR: if (isSpace(b)) this.state = St.OP_MINUS_ERR_SPC; else return this.fail(buf, i); break;
        case St.OP_MINUS_ERR_SPC: if (!isSpace(b)) { this.state = St.MINUS_ERR_ARG; this.beginArg(i); } break;
        case St.MINUS_ERR_ARG:
          if (b !== S.LF && (i = scanToLF(buf, i, len)) === len) break;
          if (!this.endLine(buf, i)) return;
          this.state = St.OP_START;
          this.h.protocolError(null, `client sent -ERR ${this.lineString()}`);
          return;
      }
    }
    // The chunk ended inside a control line: keep what we have, bounded by max_control_line.
    if (this.inArg()) {
      if (!this.split) {
        this.scratchLen = 0;
        this.split = true;
        if (!this.append(buf, this.as, len)) return;
      } else if (!this.append(buf, 0, len)) return;
    }
  }

  /** The arguments of the current op as a latin1 string (for the rare paths). */
  arg(n: number): string {
    return this.argBuf.toString("latin1", this.argStart[n]!, this.argEnd[n]!);
  }

  private inArg(): boolean {
    const s = this.state;
    return s === St.PUB_ARG || s === St.HPUB_ARG || s === St.SUB_ARG || s === St.UNSUB_ARG ||
      s === St.CONNECT_ARG || s === St.INFO_ARG || s === St.MINUS_ERR_ARG;
  }

  private beginArg(i: number): void {
    this.as = i;
    this.split = false;
  }

  /** Appends bytes of a split control line to scratch; false (and an error) when over the limit. */
  private append(buf: Buffer, from: number, to: number): boolean {
    const n = to - from;
    if (n === 0) return true;
    // A CR that may be the one before the LF does not count.
    const counted = this.scratchLen + n - (n > 0 && buf[to - 1] === S.CR ? 1 : 0);
    if (counted > this.maxControlLine) {
      this.overLimit();
      return false;
    }
    if (this.scratchLen + n > this.scratch.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxControlLine + 2, Math.max(this.scratch.length * 2, this.scratchLen + n)));
      this.scratch.copy(grown, 0, 0, this.scratchLen);
      this.scratch = grown;
    }
    buf.copy(this.scratch, this.scratchLen, from, to);
    this.scratchLen += n;
    return true;
  }

  /** The op being parsed is a CONNECT (its errors come before the auth check). */
  get inConnect(): boolean {
    return this.state === St.CONNECT_ARG;
  }

  private overLimit(): void {
    this.halted = true;
    this.split = false;
    this.h.protocolError(ERR.MAX_CONTROL_LINE, ERR.MAX_CONTROL_LINE);
    this.state = St.OP_START;
  }

  /**
   * The control line ends at buf[i] (a LF): set argBuf to the line and split it into arguments at
   * runs of spaces and tabs, and of CRs too when `cr` (nats-server splits SUB and UNSUB so).
   */
  private endArg(buf: Buffer, i: number, cr = false): boolean {
    if (!this.endLine(buf, i)) return false;
    const a = this.argBuf;
    let n = 0;
    let p = this.lineStart;
    const e = this.lineEnd;
    while (p < e) {
      while (p < e && (isSpace(a[p]!) || (cr && a[p] === S.CR))) p++;
      if (p >= e) break;
      if (n === MAX_ARGS) { n++; break; }
      this.argStart[n] = p;
      while (p < e && !isSpace(a[p]!) && !(cr && a[p] === S.CR)) p++;
      this.argEnd[n] = p;
      n++;
    }
    this.argc = n;
    return true;
  }

  private lineStart = 0;
  private lineEnd = 0;

  private endLine(buf: Buffer, i: number): boolean {
    if (this.split) {
      if (!this.append(buf, 0, i)) return false;
      // The CR before the LF, in this chunk or the previous one, is in scratch now: drop it.
      let end = this.scratchLen;
      if (end > 0 && (this.scratch[end - 1] === S.CR || hasCR(this.scratch, 0, end))) end--;
      if (end > this.maxControlLine) {
        this.overLimit();
        return false;
      }
      this.argBuf = this.scratch;
      this.lineStart = 0;
      this.lineEnd = end;
      this.split = false;
    } else {
      this.argBuf = buf;
      this.lineStart = this.as;
      this.lineEnd = i > this.as && (buf[i - 1] === S.CR || hasCR(buf, this.as, i)) ? i - 1 : i;
      if (this.lineEnd - this.lineStart > this.maxControlLine) {
        this.overLimit();
        return false;
      }
    }
    return true;
  }

  private lineString(): string {
    return this.argBuf.toString("utf8", this.lineStart, this.lineEnd);
  }

  /**
   * A PUB/HPUB line ending at the LF buf[lf] has been split into arguments: checks them, hands them
   * over, and takes the payload when it is all in this chunk. Returns the index of the last byte
   * consumed, or -1 when parsing must stop (the connection is closing).
   */
  private pubLine(buf: Buffer, lf: number, len: number, hpub: boolean): number {
    if (!this.splitPubArgs(hpub)) return -1;
    // A whole control line whose payload, and its CRLF as far as it is right, runs past this read:
    // nats-server clones the arguments and processes them a second time (see payloadSplit). A wrong
    // byte where the CR belongs fails within the read, before that.
    const avail = len - lf - 1;
    this.payloadSplit = this.argBuf !== this.scratch &&
      (avail <= this.size || (avail === this.size + 1 && buf[lf + 1 + this.size] === S.CR));
    this.h.processPubArgs();
    if (this.halted) return -1;
    // Fast path: the whole payload and its CRLF are in this chunk.
    if (len - lf - 1 >= this.size + 2) {
      const start = lf + 1, end = start + this.size;
      if (buf[end] !== S.CR) { this.fail(buf, end); return -1; }
      if (buf[end + 1] !== S.LF) { this.fail(buf, end + 1); return -1; }
      this.state = St.OP_START;
      this.h.processMsg(buf, start, end);
      return this.halted ? -1 : end + 1;
    }
    this.state = this.size === 0 ? St.MSG_END_R : St.MSG_PAYLOAD;
    this.keepArgs();
    this.msgBuf = Buffer.allocUnsafe(this.size);
    this.msgPos = 0;
    return lf;
  }

  /**
   * One pass over a control line that starts at i and is whole in this chunk: splits it into
   * arguments at runs of spaces and tabs, as endArg does, and returns the index of its LF. Returns -1,
   * having set nothing that matters, for anything but a plain line (split across chunks, no
   * arguments, too many, a control byte other than the CRLF or LF at the end, over
   * max_control_line); the byte states then take the line from the start.
   */
  private scanLine(buf: Buffer, i: number, len: number): number {
    const starts = this.argStart, ends = this.argEnd;
    let n = 0;
    let p = i;
    let c = 0;
    for (;;) {
      while (p < len && ((c = buf[p]!) === S.SPACE || c === S.TAB)) p++;
      if (p === len) return -1;
      if (c === S.CR || c === S.LF) break;
      if (n === MAX_ARGS) return -1;
      starts[n] = p;
      while (p < len && (c = buf[p]!) > S.SPACE) p++;
      if (p === len) return -1;
      ends[n++] = p;
      if (c !== S.SPACE && c !== S.TAB) {
        if (c === S.CR || c === S.LF) break;
        return -1;
      }
    }
    const lf = c === S.LF ? p : p + 1;
    if (n === 0 || lf === len || buf[lf] !== S.LF || p - starts[0]! > this.maxControlLine) return -1;
    this.argc = n;
    this.argBuf = buf;
    this.lineStart = starts[0]!;
    this.lineEnd = p;
    this.split = false;
    return lf;
  }

  /** PUB: subject [reply] size. HPUB: subject [reply] hdr_size total_size. */
  private splitPubArgs(hpub: boolean): boolean {
    const n = this.argc;
    const min = hpub ? 3 : 2;
    if (n < min || n > min + 1) return this.badArgs(hpub ? "processHeaderPub Parse Error" : "processPub Parse Error");
    const size = this.parseSize(n - 1);
    if (size < 0) return this.badArgs(hpub ? "processHeaderPub Bad or Missing Total Size" : "processPub Bad or Missing Size");
    this.size = size;
    this.hpub = hpub;
    if (hpub) {
      const hdr = this.parseSize(n - 2);
      if (hdr < 0 || hdr > size) return this.badArgs("processHeaderPub Bad or Missing Header Size");
      this.hdrSize = hdr;
    } else {
      this.hdrSize = -1;
    }
    return true;
  }

  /** Number of reply argument present in the current PUB/HPUB (1) or not (0). */
  hasReply(): boolean {
    return this.argc === (this.hpub ? 4 : 3);
  }

  private parseSize(n: number): number {
    return parseSize(this.argBuf, this.argStart[n]!, this.argEnd[n]!);
  }

  /** The payload spans chunks: move the arguments out of the chunk into scratch (clonePubArg). */
  private keepArgs(): void {
    if (this.argBuf === this.scratch) return;
    const from = this.lineStart, to = this.lineEnd;
    if (to - from > this.scratch.length) this.scratch = Buffer.allocUnsafe(to - from);
    this.argBuf.copy(this.scratch, 0, from, to);
    for (let k = 0; k < this.argc; k++) {
      this.argStart[k] = this.argStart[k]! - from;
      this.argEnd[k] = this.argEnd[k]! - from;
    }
    this.argBuf = this.scratch;
    this.lineStart = 0;
    this.lineEnd = to - from;
  }

  private badArgs(detail: string): false {
    this.state = St.OP_START;
    this.halted = true;
    this.h.protocolError(null, detail);
    return false;
  }

  private fail(buf: Buffer, i: number): void {
    this.state = St.OP_START;
    this.halted = true;
    this.split = false;
    const snip = buf.toString("latin1", i, Math.min(this.chunkLen, i + 32));
    this.h.protocolError(ERR.UNKNOWN_OP, `parser error at ${JSON.stringify(snip)}`);
  }
}

/**
 * Whether buf[s, e) holds a CR. nats-server drops the byte before a line's LF once it has seen a CR
 * anywhere in the line, so with a bare LF after an inner CR the line loses its last byte.
 */
function hasCR(buf: Buffer, s: number, e: number): boolean {
  for (let k = s; k < e; k++) if (buf[k] === S.CR) return true;
  return false;
}

/** Index of the next LF at or after i, or len. */
function scanToLF(buf: Buffer, i: number, len: number): number {
  while (i < len && buf[i] !== 10) i++;
  return i;
}
