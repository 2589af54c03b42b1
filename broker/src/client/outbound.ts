// A connection's outbound side. Messages are copied into a pooled buffer while a read batch is
// handled and flushed once per batch. A buffer the kernel took synchronously goes back to the pool,
// so idle connections hold none. Memory is bounded by flow control: while this connection has more
// than a few MB queued, the publisher feeding it is paused; past max_pending, or with no progress
// for write_deadline, the connection is cut as a slow consumer.

import type { Socket } from "node:net";
import type { Server } from "../server.js";
import type { Subscription } from "./subscription.js";
import type { MsgHeader } from "./msg-header.js";
import { Bytes, copyBytes, put } from "./copy.js";
import { CloseReason } from "../protocol/protocol-text.js";
import { isReadBuffer } from "./read-buffer.js";

export const OUT_BUFFER_SIZE = 64 * 1024;
/** Above this many queued bytes the producer is paused until the queue drains. */
const STALL_BYTES = 4 * 1024 * 1024;
/** A paused producer is resumed after this long even without a drain, so one stuck consumer cannot
 * hold it for ever; the stuck consumer then reaches max_pending or write_deadline and is cut. */
const STALL_MAX_MS = 100;
const CRLF = Buffer.from("\r\n");

/** A connection with an outbound side: a client or a route. */
export interface OutboundOwner {
  readonly socket: Socket;
  readonly closed: boolean;
  readonly headers: boolean;
  readonly out: Outbound;
  outMsgs: number;
  outBytes: number;
  /** Epoch ms of the last read from it or delivery to it. */
  lastActivity: number;
  tag(): string;
  close(reason: string): void;
}

export class Outbound {
  buf: Bytes | null = null;
  pos = 0;
  inPcd = false;
  /** Bytes handed to the socket in total, to measure its progress against its writableLength. */
  private handed = 0;
  private progressMark = -1;
  private deadlineTimer: NodeJS.Timeout | null = null;
  /** Producers paused because this connection is behind. */
  private stalled: OutboundOwner[] | null = null;
  /** When this connection is itself a paused producer. */
  private stallTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly client: OutboundOwner,
    private readonly server: Server,
  ) {}

  /** Queues a message for a subscription of this connection (the hot path). */
  writeMsg(m: MsgHeader, sub: Subscription): void {
    let pre = m.pre, preLen = m.preLen, suf = m.suf, sufLen = m.sufLen, start = m.start;
    if (m.hdrSize >= 0 && !this.client.headers) {
      m.buildPlain();
      pre = m.plainPre; preLen = m.plainPreLen; suf = m.plainSuf; sufLen = m.plainSufLen;
      start += m.hdrSize;
    }
    const sid = sub.sidBytes;
    const size = m.end - start;
    const need = preLen + sid.length + sufLen + size + 2;
    let b = this.buf;
    let pos = this.pos;
    if (b === null || pos + need > b.buf.length) {
      if (b !== null && pos > 0) this.flush();
      if (need > OUT_BUFFER_SIZE) {
        this.writeLarge(pre.buf, preLen, sid, suf.buf, sufLen, m.payload.buf, start, m.end);
        this.counted(size);
        return;
      }
      b = this.buf ??= this.server.acquireBuffer();
      pos = this.pos;
    }
    copyBytes(b, pos, pre, 0, preLen);
    pos += preLen;
    const bb = b.buf;
    for (let k = 0; k < sid.length; k++) bb[pos++] = sid[k]!;
    copyBytes(b, pos, suf, 0, sufLen);
    pos += sufLen;
    copyBytes(b, pos, m.payload, start, size);
    pos += size;
    bb[pos++] = 13;
    bb[pos++] = 10;
    this.pos = pos;
    this.counted(size);
  }

  /** Queues a routed message: its RMSG/HMSG line, then the payload. */
  writeRouted(line: Bytes, lineLen: number, m: MsgHeader): void {
    const size = m.end - m.start;
    const need = lineLen + size + 2;
    let b = this.buf;
    let pos = this.pos;
    if (b === null || pos + need > b.buf.length) {
      if (b !== null && pos > 0) this.flush();
      if (need > OUT_BUFFER_SIZE) {
        this.write(Buffer.from(line.buf.subarray(0, lineLen)));
        this.write(kept(m.payload.buf, m.start, m.end));
        this.write(CRLF);
        this.afterWrite();
        this.countedRouted(size);
        return;
      }
      b = this.buf ??= this.server.acquireBuffer();
      pos = this.pos;
    }
    copyBytes(b, pos, line, 0, lineLen);
    pos += lineLen;
    copyBytes(b, pos, m.payload, m.start, size);
    pos += size;
    b.buf[pos++] = 13;
    b.buf[pos++] = 10;
    this.pos = pos;
    this.countedRouted(size);
  }

  private countedRouted(size: number): void {
    this.counted(size);
    this.server.routeOutMsgs++;
    this.server.routeOutBytes += size;
  }

  private counted(size: number): void {
    const c = this.client;
    c.outMsgs++;
    c.outBytes += size;
    const s = this.server;
    s.outMsgs++;
    s.outBytes += size;
    if (!this.inPcd) {
      this.inPcd = true;
      s.pcd.push(this);
    }
  }

  private writeLarge(pre: Buffer, preLen: number, sid: Buffer, suf: Buffer, sufLen: number, payload: Buffer, start: number, end: number): void {
    const line = Buffer.allocUnsafe(preLen + sid.length + sufLen);
    let pos = put(line, 0, pre, 0, preLen);
    pos = put(line, pos, sid, 0, sid.length);
    put(line, pos, suf, 0, sufLen);
    this.write(line);
    this.write(kept(payload, start, end));
    this.write(CRLF);
    this.afterWrite();
  }

  /** Queues protocol bytes; they go out at the end of the read batch, or now outside of one. */
  queueProto(data: Buffer): void {
    const n = data.length;
    if (this.buf === null || this.pos + n > this.buf.buf.length) {
      if (this.buf !== null && this.pos > 0) this.flush();
      if (n > OUT_BUFFER_SIZE) {
        this.write(data);
        this.afterWrite();
        return;
      }
      this.buf ??= this.server.acquireBuffer();
    }
    this.pos = put(this.buf.buf, this.pos, data, 0, n);
    if (!this.server.inBatch) this.flush();
    else if (!this.inPcd) {
      this.inPcd = true;
      this.server.pcd.push(this);
    }
  }

  /** Sends a protocol line now (INFO, -ERR, PING), or with the current batch. */
  sendNow(text: string | Buffer): void {
    this.queueProto(typeof text === "string" ? Buffer.from(text, "utf8") : text);
  }

  /** Writes what is buffered to the socket. */
  flush(): void {
    this.inPcd = false;
    const b = this.buf;
    if (b === null || this.pos === 0) return;
    const sock = this.client.socket;
    if (sock.destroyed) {
      this.pos = 0;
      return;
    }
    const data = b.buf.subarray(0, this.pos);
    this.pos = 0;
    this.buf = null;
    if (sock.writableLength > 0) {
      // Queued behind earlier output: the socket owns the buffer until it has written it, then it
      // goes back to the pool (a fresh one per flush cost page faults and garbage on a busy consumer).
      this.write(data, () => this.server.releaseBuffer(b));
    } else {
      this.write(data);
      // The kernel took it all synchronously: the buffer is free again. Otherwise the socket keeps it.
      if (sock.writableLength === 0) this.server.releaseBuffer(b);
    }
    this.afterWrite();
  }

  private write(data: Buffer, written?: () => void): void {
    this.handed += data.length;
    this.client.socket.write(data, written);
  }

  /** Slow-consumer and flow-control checks after handing bytes to the socket. */
  private afterWrite(): void {
    const pending = this.client.socket.writableLength;
    if (pending === 0) return;
    const c = this.client;
    if (pending > this.server.opts.maxPending) {
      this.slowConsumer(CloseReason.SLOW_CONSUMER_PENDING, `MaxPending of ${this.server.opts.maxPending} Exceeded`);
      return;
    }
    if (this.deadlineTimer === null && this.server.opts.writeDeadline > 0) {
      this.progressMark = this.handed - pending;
      this.deadlineTimer = setTimeout(() => this.checkDeadline(), this.server.opts.writeDeadline);
    }
    const producer = this.server.producer;
    if (pending > STALL_BYTES && producer !== null && producer !== c && !producer.closed) {
      producer.out.pauseFor(this);
    }
  }

  private checkDeadline(): void {
    this.deadlineTimer = null;
    const c = this.client;
    if (c.closed) return;
    const pending = c.socket.writableLength;
    if (pending === 0) return;
    const written = this.handed - pending;
    if (written === this.progressMark) {
      this.slowConsumer(CloseReason.SLOW_CONSUMER_DEADLINE, `WriteDeadline of ${this.server.opts.writeDeadline}ms Exceeded`);
      return;
    }
    this.progressMark = written;
    this.deadlineTimer = setTimeout(() => this.checkDeadline(), this.server.opts.writeDeadline);
  }

  private slowConsumer(reason: string, detail: string): void {
    const c = this.client;
    this.server.slowConsumers++;
    this.server.log.notice(`${c.tag()} - Slow Consumer Detected: ${detail}`);
    c.close(reason);
  }

  /** Pauses this connection's reading until `target` drains (or STALL_MAX_MS passes). */
  pauseFor(target: Outbound): void {
    const list = (target.stalled ??= []);
    if (!list.includes(this.client)) list.push(this.client);
    if (this.stallTimer !== null) return;
    this.client.socket.pause();
    this.stallTimer = setTimeout(() => this.resume(), STALL_MAX_MS);
  }

  resume(): void {
    if (this.stallTimer !== null) {
      clearTimeout(this.stallTimer);
      this.stallTimer = null;
    }
    if (!this.client.closed) this.client.socket.resume();
  }

  /** The socket wrote out everything it held: resume the producers it paused. */
  drained(): void {
    const list = this.stalled;
    if (list === null) return;
    this.stalled = null;
    for (const p of list) p.out.resume();
  }

  /** Flushes (or, for a slow consumer, drops) pending output and ends the socket. */
  close(abort: boolean): void {
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    if (this.stallTimer !== null) clearTimeout(this.stallTimer);
    this.stallTimer = null;
    this.drained();
    const sock = this.client.socket;
    if (abort) {
      this.pos = 0;
      sock.destroy();
    } else {
      this.flush();
      sock.end();
      // Do not wait for ever on a peer that does not read.
      setTimeout(() => sock.destroy(), 5000).unref();
    }
    if (this.buf !== null) {
      if (sock.writableLength === 0) this.server.releaseBuffer(this.buf);
      this.buf = null;
    }
  }
}

/** payload[start, end) for a socket write that may complete later: a copy when it lies in the shared
 * read buffer, which the next read overwrites. */
function kept(payload: Buffer, start: number, end: number): Buffer {
  const bytes = payload.subarray(start, end);
  return isReadBuffer(payload) ? Buffer.from(bytes) : bytes;
}
