// A raw NATS protocol client for black-box tests: it writes exact bytes and asserts on the exact
// bytes the server sends back, in order. Every expectation consumes what it matched.
import { Socket, createConnection } from "node:net";

export const DEFAULT_TIMEOUT = 5000;
const PONG = Buffer.from("PONG\r\n");
const PING = Buffer.from("PING\r\n");

export interface MsgFrame {
  op: "MSG" | "HMSG";
  subject: string;
  sid: string;
  reply: string | undefined;
  header: string | undefined; // the raw header block (HMSG only), including the final CRLF CRLF
  payload: Buffer;
}

export class ProtocolError extends Error {}

export class RawClient {
  private buf: Buffer = Buffer.alloc(0);
  private closedFlag = false;
  private waiter: (() => void) | undefined;
  /** Every byte received, for diagnostics. */
  readonly received: Buffer[] = [];
  info: Record<string, unknown> = {};
  /** A name for this client in error messages. */
  label = "client";

  private constructor(private readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.received.push(d);
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on("close", () => {
      this.closedFlag = true;
      this.wake();
    });
    socket.on("error", () => {
      // A reset by the server shows up as "close"; the error itself carries nothing to assert.
    });
  }

  /** Connects and consumes the server's INFO line (unless readInfo is false). */
  static async connect(port: number, host = "127.0.0.1", readInfo = true): Promise<RawClient> {
    const socket = createConnection({ host, port });
    socket.setNoDelay(true);
    await new Promise<void>((res, rej) => {
      socket.once("connect", () => res());
      socket.once("error", rej);
    });
    const c = new RawClient(socket);
    if (readInfo) {
      const m = await c.expect(/^INFO (\{.*\}) \r\n/);
      c.info = JSON.parse(m[1] ?? "{}") as Record<string, unknown>;
    }
    return c;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** The bytes received but not yet consumed by an expectation. */
  get pending(): string {
    return this.buf.toString("latin1");
  }

  /** Stops reading from the socket, so the server's writes back up (a slow consumer). */
  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  /** Total bytes received so far. */
  get receivedBytes(): number {
    return this.received.reduce((n, b) => n + b.length, 0);
  }

  send(data: string | Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Sends data in chunks of the given size, waiting for each write to be handed to the kernel. */
  async sendChunked(data: string | Buffer, chunk = 1): Promise<void> {
    const b = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    // A write error means the server closed the connection; the next expectation reports it.
    for (let i = 0; i < b.length && !this.closedFlag && this.socket.writable; i += chunk) {
      const ok = await new Promise<boolean>((res) => this.socket.write(b.subarray(i, i + chunk), (err) => res(!err)));
      if (!ok) return;
    }
  }

  /**
   * Waits for the next bytes to equal `want` (a string is compared exactly; a RegExp must match at
   * the start of the unread bytes). Fails at once on a mismatch, showing the actual bytes.
   */
  async expect(want: string, timeout?: number): Promise<string>;
  async expect(want: RegExp, timeout?: number): Promise<RegExpExecArray>;
  async expect(want: string | RegExp, timeout = DEFAULT_TIMEOUT): Promise<string | RegExpExecArray> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const have = this.pending;
      if (typeof want === "string") {
        if (have.length >= want.length) {
          if (have.startsWith(want)) {
            this.consume(want.length);
            return want;
          }
          throw new ProtocolError(`${this.label}: expected ${show(want)}, got ${show(have)}`);
        }
        if (!want.startsWith(have)) throw new ProtocolError(`${this.label}: expected ${show(want)}, got ${show(have)}`);
      } else {
        const re = new RegExp(want.source.startsWith("^") ? want.source : `^(?:${want.source})`, want.flags);
        const m = re.exec(have);
        if (m) {
          this.consume(m[0].length);
          return m;
        }
      }
      if (this.closedFlag) throw new ProtocolError(`${this.label}: connection closed; expected ${show(want)}, got ${show(have)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new ProtocolError(`${this.label}: timed out after ${timeout} ms; expected ${show(want)}, got ${show(have)}`);
      await this.waitForData(left);
    }
  }

  /** Expects an exact `-ERR 'text'\r\n` line. */
  expectErr(text: string, timeout?: number): Promise<string> {
    return this.expect(`-ERR '${text}'\r\n`, timeout);
  }

  /** Waits until the server closes the connection; any unread bytes must be consumed first. */
  async expectClosed(timeout = DEFAULT_TIMEOUT): Promise<void> {
    const deadline = Date.now() + timeout;
    for (;;) {
      if (this.buf.length > 0) throw new ProtocolError(`${this.label}: expected the connection to close, got ${show(this.pending)}`);
      if (this.closedFlag) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new ProtocolError(`${this.label}: connection still open after ${timeout} ms`);
      await this.waitForData(left);
    }
  }

  /** Asserts that nothing arrives (and the connection stays open) for the given time. */
  async expectNothing(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.buf.length > 0) throw new ProtocolError(`${this.label}: expected nothing, got ${show(this.pending)}`);
      if (this.closedFlag) throw new ProtocolError("expected nothing, but the connection closed");
      const left = deadline - Date.now();
      if (left <= 0) return;
      await this.waitForData(left);
    }
  }

  /** PING and wait for PONG; returns (and consumes) everything the server sent before the PONG. */
  async flush(timeout = DEFAULT_TIMEOUT): Promise<string> {
    this.send("PING\r\n");
    const deadline = Date.now() + timeout;
    for (;;) {
      const idx = this.pending.indexOf("PONG\r\n");
      if (idx >= 0) {
        const before = this.pending.slice(0, idx);
        this.consume(idx + 6);
        return before;
      }
      if (this.closedFlag) throw new ProtocolError(`${this.label}: connection closed before PONG; got ${show(this.pending)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new ProtocolError(`${this.label}: no PONG within ${timeout} ms; got ${show(this.pending)}`);
      await this.waitForData(left);
    }
  }

  /** Reads the next MSG or HMSG frame. */
  async readMsg(timeout = DEFAULT_TIMEOUT): Promise<MsgFrame> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const frame = this.tryParseMsg();
      if (frame) return frame;
      if (this.closedFlag) throw new ProtocolError(`${this.label}: connection closed; expected MSG, got ${show(this.pending)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new ProtocolError(`${this.label}: no MSG within ${timeout} ms; got ${show(this.pending)}`);
      await this.waitForData(left);
    }
  }

  /**
   * PING, then reads every MSG/HMSG frame that arrives before the PONG. Server PINGs in between are
   * answered, as a real client would (the server sends its first PING two seconds after connect).
   */
  async collectMsgs(timeout = DEFAULT_TIMEOUT): Promise<MsgFrame[]> {
    this.send("PING\r\n");
    const out: MsgFrame[] = [];
    const deadline = Date.now() + timeout;
    for (;;) {
      if (this.buf.length >= 6 && this.buf.subarray(0, 6).equals(PONG)) {
        this.consume(6);
        return out;
      }
      if (this.answerPing()) continue;
      const frame = this.buf.length >= 6 ? this.tryParseMsg() : undefined;
      if (frame) {
        out.push(frame);
        continue;
      }
      if (this.closedFlag) throw new ProtocolError(`${this.label}: connection closed before PONG; got ${show(this.pending)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new ProtocolError(`${this.label}: no PONG within ${timeout} ms; got ${show(this.pending)}`);
      await this.waitForData(left);
    }
  }

  /** Reads exactly n frames, answering server PINGs in between as a real client would. */
  async readMsgs(n: number, timeout = DEFAULT_TIMEOUT): Promise<MsgFrame[]> {
    const out: MsgFrame[] = [];
    const deadline = Date.now() + timeout;
    while (out.length < n) {
      if (this.answerPing()) continue;
      if (this.buf.length < 6) {
        if (this.closedFlag) throw new ProtocolError(`${this.label}: connection closed; expected MSG, got ${show(this.pending)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new ProtocolError(`${this.label}: no MSG within ${timeout} ms; got ${show(this.pending)}`);
        await this.waitForData(left);
        continue;
      }
      out.push(await this.readMsg(Math.max(1, deadline - Date.now())));
    }
    return out;
  }

  /** Consumes a server PING at the head of the buffer and answers it. */
  private answerPing(): boolean {
    if (this.buf.length < 6 || !this.buf.subarray(0, 6).equals(PING)) return false;
    this.consume(6);
    this.send("PONG\r\n");
    return true;
  }

  private tryParseMsg(): MsgFrame | undefined {
    const eol = this.buf.subarray(0, 1024).indexOf("\r\n");
    if (eol < 0) {
      if (this.buf.length < 1024) return undefined;
      throw new ProtocolError(`${this.label}: expected MSG or HMSG, got ${show(this.pending)}`);
    }
    const line = this.buf.subarray(0, eol).toString("latin1");
    const parts = line.split(" ");
    const op = parts[0];
    if (op === "MSG" && (parts.length === 4 || parts.length === 5)) {
      const size = Number(parts[parts.length - 1]);
      if (this.buf.length < eol + 2 + size + 2) return undefined;
      const payload = Buffer.from(this.buf.subarray(eol + 2, eol + 2 + size));
      this.checkCrlf(eol + 2 + size, line);
      this.consume(eol + 2 + size + 2);
      return { op, subject: parts[1] ?? "", sid: parts[2] ?? "", reply: parts.length === 5 ? parts[3] : undefined, header: undefined, payload };
    }
    if (op === "HMSG" && (parts.length === 5 || parts.length === 6)) {
      const hsize = Number(parts[parts.length - 2]);
      const total = Number(parts[parts.length - 1]);
      if (this.buf.length < eol + 2 + total + 2) return undefined;
      const body = this.buf.subarray(eol + 2, eol + 2 + total);
      this.checkCrlf(eol + 2 + total, line);
      this.consume(eol + 2 + total + 2);
      return {
        op,
        subject: parts[1] ?? "",
        sid: parts[2] ?? "",
        reply: parts.length === 6 ? parts[3] : undefined,
        header: body.subarray(0, hsize).toString("latin1"),
        payload: Buffer.from(body.subarray(hsize)),
      };
    }
    throw new ProtocolError(`${this.label}: expected MSG or HMSG, got ${show(this.pending)}`);
  }

  private checkCrlf(at: number, line: string): void {
    if (this.buf[at] !== 0x0d || this.buf[at + 1] !== 0x0a) {
      throw new ProtocolError(`${this.label}: payload of ${show(line)} does not end in CRLF: ${show(this.pending)}`);
    }
  }

  /** Removes the last n unread bytes (a sync marker the caller added itself). */
  dropTail(n: number): void {
    this.buf = this.buf.subarray(0, Math.max(0, this.buf.length - n));
  }

  private consume(n: number): void {
    this.buf = this.buf.subarray(n);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private waitForData(ms: number): Promise<void> {
    return new Promise((res) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        res();
      }, ms);
      this.waiter = () => {
        clearTimeout(t);
        res();
      };
    });
  }

  /** Half-closes: sends FIN after what was written, and keeps reading. */
  endWriting(): void {
    this.socket.end();
  }

  close(): void {
    this.socket.destroy();
  }
}

function show(v: string | RegExp): string {
  if (typeof v !== "string") return String(v);
  const s = v.length > 400 ? `${v.slice(0, 400)}...(${v.length} bytes)` : v;
  return JSON.stringify(s);
}
