// One client connection: CONNECT and auth, one handler per op, message delivery to subscribers,
// pings, and closing. The outbound side (buffering, flushing, flow control) is in outbound.ts.

import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { ClientParser, type ClientOpHandler } from "../protocol/parser.js";
import { isValidLiteralSubject, isValidSubject } from "../subjects/subject.js";
import type { MatchResult } from "../subjects/sublist.js";
import { Outbound } from "./outbound.js";
import { Subscription } from "./subscription.js";
import { deliverTo } from "./deliver.js";
import type { MsgHeader } from "./msg-header.js";
import { groupWeight, type RemoteSub } from "../cluster/cluster.js";
import { LastSubject } from "../subjects/last-subject.js";
import { isGatewayReplySubject, isReservedReply } from "../subjects/reserved.js";
import { isValidInfo } from "../protocol/info-check.js";
import { decodeConnect } from "../protocol/connect.js";
import { authenticate, type Credentials } from "./auth.js";
import { peerVerifyError } from "./tls.js";
import { readIntoShared } from "./read-buffer.js";
import { NANOSECOND, preciseNow } from "../clock.js";
import { FIRST_CLIENT_PING_MS, Pinger } from "./pinger.js";
import type { Permissions } from "./permissions.js";
import { ERR, PROTO, CloseReason } from "../protocol/protocol-text.js";
import { stripV4Mapped, type Server } from "../server.js";

export class Client implements ClientOpHandler {
  readonly parser: ClientParser;
  readonly out: Outbound;
  readonly subs = new Map<string, Subscription>();
  /** Epoch ms, sub-millisecond (as every time of a connection). */
  readonly start = preciseNow();
  readonly host: string;
  readonly port: number;

  // CONNECT options; defaults hold until a CONNECT says otherwise.
  verbose = true;
  pedantic = true;
  echo = true;
  headers = false;
  noResponders = false;
  name = "";
  lang = "";
  version = "";
  user = "";
  connectReceived = false;
  /** CONNECT protocol: 1 and up take unprompted INFO updates (cluster membership, lame duck). */
  protocol = 0;
  /** The first PONG after CONNECT went out: from then on the client gets unprompted INFO. */
  firstPongSent = false;
  /** The server's connect_urls generation when this client was created. */
  readonly urlsGen: number;
  /** CONNECT credentials, kept to check the client again when auth is reloaded. */
  creds: Credentials = {};
  perms: Permissions | null = null;
  closed = false;
  closeReason = "";

  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  lastActivity = preciseNow();
  readonly pinger = new Pinger(this, () => this.server.opts, true);
  private authTimer: NodeJS.Timeout | null = null;

  // One-entry cache of the last PUB subject: its bytes, string, match result and sublist generation.
  private readonly last = new LastSubject<MatchResult<Subscription>>();
  /** The publish permission for the last subject. */
  private lastPubOk = true;
  // The remote interest in the last subject, at the remote sublist's generation.
  private lastRemote: MatchResult<RemoteSub> | null = null;
  private lastRemoteGen = -1;

  constructor(
    readonly server: Server,
    readonly socket: Socket,
    readonly cid: number,
  ) {
    const opts = server.opts;
    this.parser = new ClientParser(this, opts.maxControlLine);
    this.out = new Outbound(this, server);
    this.host = stripV4Mapped(socket.remoteAddress ?? "");
    this.port = socket.remotePort ?? 0;
    this.urlsGen = server.urlsGen;
    if (socket instanceof TLSSocket || !readIntoShared(socket, (buf, n) => this.onData(buf, n))) {
      socket.on("data", (chunk: Buffer) => this.onData(chunk, chunk.length));
    }
    socket.on("error", () => this.close(CloseReason.READ_ERROR));
    socket.on("end", () => this.close(CloseReason.CLIENT_CLOSED));
    socket.on("close", () => this.close(CloseReason.CLIENT_CLOSED));
    socket.on("drain", () => this.out.drained());
  }

  /** Arms the auth timer (INFO has been sent). */
  begin(): void {
    if (this.server.authRequired()) {
      this.authTimer = setTimeout(() => this.authTimeout(), this.server.opts.authTimeout);
      this.parser.awaitingAuth = true;
    }
  }

  /** Closes the connection if its TLS handshake does not finish in time. */
  awaitHandshake(timeout: number): void {
    const sock = this.socket as TLSSocket;
    let secured = false;
    const timer = setTimeout(() => {
      this.server.log.error(`${this.tag()} - TLS handshake timeout`);
      this.close(CloseReason.TLS_HANDSHAKE);
    }, timeout);
    sock.once("secure", () => {
      secured = true;
      clearTimeout(timer);
      const refused = this.server.opts.tlsVerify ? peerVerifyError(sock) : null;
      if (refused !== null) {
        // As nats-server with verify: a certificate the CA did not sign ends the connection.
        this.server.log.error(`${this.tag()} - TLS handshake error: ${refused}`);
        this.close(CloseReason.TLS_HANDSHAKE);
      }
    });
    sock.once("close", () => clearTimeout(timer));
    sock.prependOnceListener("error", (e: Error) => {
      if (secured) return;
      this.server.log.error(`${this.tag()} - TLS handshake error: ${e.message}`);
      this.close(CloseReason.TLS_HANDSHAKE);
    });
  }

  private onData(chunk: Buffer, n: number): void {
    this.lastActivity = preciseNow();
    const server = this.server;
    server.beginBatch(this);
    this.parser.parse(chunk, n);
    server.endBatch();
  }

  // ---- ops ----

  processConnect(arg: string): void {
    const o = decodeConnect(arg);
    if (o === null) {
      this.server.log.error(`${this.tag()} - Invalid CONNECT: ${arg.slice(0, 128)}`);
      return this.close(CloseReason.PROTOCOL_VIOLATION);
    }
    if (o.verbose !== undefined) this.verbose = o.verbose;
    if (o.pedantic !== undefined) this.pedantic = o.pedantic;
    if (o.echo !== undefined) this.echo = o.echo;
    if (o.headers !== undefined) this.headers = o.headers;
    if (o.no_responders !== undefined) this.noResponders = o.no_responders;
    if (o.name !== undefined) this.name = o.name;
    if (o.lang !== undefined) this.lang = o.lang;
    if (o.version !== undefined) this.version = o.version;
    const proto = o.protocol ?? 0;
    this.protocol = proto;

    // A later CONNECT keeps the credentials of an earlier one that it does not repeat.
    const prev = this.creds;
    this.creds = { user: o.user ?? prev.user, pass: o.pass ?? prev.pass, auth_token: o.auth_token ?? prev.auth_token };
    if (typeof this.creds.user === "string") this.user = this.creds.user;
    // Skein serves the global account only; asking for another one fails as it does on a
    // nats-server without accounts.
    if ((o.account !== undefined && o.account !== "") || o.new_account === true) {
      this.sendErr(ERR.AUTH_VIOLATION);
      return this.close(CloseReason.AUTH_VIOLATION);
    }
    if (!this.authorize()) return;
    if (proto < 0 || proto > 1) {
      this.sendErr(ERR.BAD_PROTOCOL);
      return this.close(CloseReason.PROTOCOL_VIOLATION);
    }
    if (this.noResponders && !this.headers) {
      this.sendErr(ERR.NO_RESPONDERS_NEEDS_HEADERS);
      return this.close(CloseReason.PROTOCOL_VIOLATION);
    }
    this.signedIn();
    // As nats-server, take the time from INFO to CONNECT as the first RTT estimate, and start the
    // PINGs from CONNECT (a client that never sends one is not PINGed).
    const p = this.pinger;
    if (p.rtt === 0) p.rtt = Math.max(NANOSECOND, preciseNow() - this.start);
    p.start(FIRST_CLIENT_PING_MS);
    if (this.verbose) this.out.queueProto(PROTO.OK);
  }

  /** Checks the CONNECT credentials against the current auth options; closes the client if refused. */
  authorize(): boolean {
    const auth = authenticate(this.server.opts, this.creds);
    if (auth === null) {
      this.sendErr(ERR.AUTH_VIOLATION);
      this.server.log.error(`${this.tag()} - ${ERR.AUTH_VIOLATION_LOG}`);
      this.close(CloseReason.AUTH_VIOLATION);
      return false;
    }
    this.user = auth.user;
    this.perms = auth.permissions;
    this.last.gen = -1;
    return true;
  }

  processInfo(arg: string): void {
    if (!isValidInfo(arg)) this.close(CloseReason.PROTOCOL_VIOLATION);
  }

  processPing(): void {
    this.out.queueProto(PROTO.PONG);
    this.pinger.pinged();
    if (this.firstPongSent || !this.connectReceived) return;
    this.firstPongSent = true;
    // As nats-server: a client that takes async INFO and connected before the cluster's client URLs
    // last changed gets the current INFO right after its first PONG.
    if (this.protocol >= 1 && this.server.urlsGen !== this.urlsGen) this.server.sendInfo(this);
  }

  processPong(): void {
    this.pinger.ponged();
  }

  processSub(): void {
    const p = this.parser;
    const subject = p.arg(0);
    const queue = p.argc === 3 ? p.arg(1) : null;
    const sid = p.arg(p.argc - 1);
    if (!isValidSubject(subject) || (queue !== null && !isValidQueue(queue))) {
      this.sendErr(ERR.INVALID_SUBJECT);
      return;
    }
    if (this.perms !== null && !this.perms.canSubscribe(subject, queue)) {
      const q = queue === null ? "" : ` using queue "${queue}"`;
      this.sendErr(`Permissions Violation for Subscription to "${subject}"${q}`);
      this.server.log.error(`${this.tag()} - Subscription Violation - ${this.user ? `User "${this.user}", ` : ""}Subject "${subject}"${q.replace(" using queue", ", Queue:")}, SID ${sid}`);
      return;
    }
    const max = this.server.opts.maxSubscriptions;
    if (max > 0 && this.subs.size >= max) {
      this.sendErr(ERR.MAX_SUBS);
      this.server.log.error(`${this.tag()} - Maximum Subscriptions Exceeded (max=${max})`);
      return;
    }
    if (!this.subs.has(sid)) {
      const sub = new Subscription(this, subject, queue, sid);
      this.subs.set(sid, sub);
      this.server.addSubscription(sub);
    }
    if (this.verbose) this.out.queueProto(PROTO.OK);
  }

  processUnsub(): void {
    const p = this.parser;
    const sid = p.arg(0);
    // As nats-server: a max that is not a number of at most 9 digits unsubscribes at once.
    const max = p.argc === 2 ? parseMax(p.arg(1)) : 0;
    const sub = this.subs.get(sid);
    if (sub !== undefined) {
      if (max > 0 && max > sub.delivered) sub.max = max;
      else this.removeSub(sub);
    }
    if (this.verbose) this.out.queueProto(PROTO.OK);
  }

  processPubArgs(): void {
    const p = this.parser;
    const server = this.server;
    if (p.hdrSize >= 0 && !this.headers) {
      // nats-server refuses headers from a client that did not announce them, and closes.
      return this.close(CloseReason.PROTOCOL_VIOLATION);
    }
    if (p.size > server.opts.maxPayload) {
      this.sendErr(ERR.MAX_PAYLOAD);
      server.log.error(`${this.tag()} - Maximum Payload Violation`);
      return this.close(CloseReason.MAX_PAYLOAD);
    }
    if (this.pedantic && !isValidLiteralSubject(p.arg(0))) {
      this.sendErr(ERR.INVALID_PUB_SUBJECT);
      // nats-server checks a second time when it keeps the arguments for a payload still to come.
      if (p.payloadSplit) this.sendErr(ERR.INVALID_PUB_SUBJECT);
    }
  }

  /** The hot path: a complete PUB or HPUB. */
  processMsg(buf: Buffer, start: number, end: number): void {
    const p = this.parser;
    const server = this.server;
    const size = end - start;
    this.inMsgs++;
    this.inBytes += size;
    server.inMsgs++;
    server.inBytes += size;

    // Look the subject up, skipping the string and the lookup when it repeats.
    const a = p.argBuf;
    const ss = p.argStart[0]!, se = p.argEnd[0]!;
    const last = this.last;
    let result: MatchResult<Subscription>;
    if (last.hit(a, ss, se, server.sublist.genid)) {
      result = last.result!;
    } else {
      const subject = a.toString("latin1", ss, se);
      result = server.sublist.match(subject);
      last.remember(a, ss, se, subject, result, server.sublist.genid);
      this.lastPubOk = !isGatewayReplySubject(subject) && (this.perms === null || this.perms.allowsPublish(subject));
      this.lastRemoteGen = -1;
    }
    const subject = last.str;
    // The permission decision is cached with the subject; a denied one may still be a response.
    if (!this.lastPubOk && (this.perms === null || isGatewayReplySubject(subject) || !this.perms.canPublish(subject))) {
      return this.publishViolation(`Publish to "${subject}"`, `Subject "${subject}"`);
    }
    if (p.hasReply() && isReservedReply(a, p.argStart[1]!, p.argEnd[1]!)) {
      const reply = a.toString("latin1", p.argStart[1], p.argEnd[1]);
      return this.publishViolation(`Publish with Reply of "${reply}"`, `Reply "${reply}"`);
    }
    // As nats-server, +OK only for a PUB that passed its checks.
    if (this.verbose) this.out.queueProto(PROTO.OK);
    const psubs = result.psubs;
    const qsubs = result.qsubs;
    const cluster = server.cluster;
    let remote: MatchResult<RemoteSub> | null = null;
    if (cluster !== null && cluster.routes.size > 0) {
      const rs = cluster.remote;
      if (this.lastRemoteGen !== rs.genid) {
        this.lastRemote = rs.match(subject);
        this.lastRemoteGen = rs.genid;
      }
      remote = this.lastRemote;
    }
    const local = psubs.length > 0 || qsubs.length > 0;
    if (!local && (remote === null || (remote.psubs.length === 0 && remote.qsubs.length === 0))) {
      if (this.noResponders && p.hasReply()) this.sendNoResponders();
      return;
    }
    const m = server.msg;
    this.describe(m);
    // The MSG line is needed only for local subscribers; routes get their own line.
    if (local) m.build(buf, start, end, subject);
    else m.setPayload(buf, start, end);
    let delivered = false;
    for (let k = 0; k < psubs.length; k++) {
      if (deliverTo(psubs[k]!, m, subject, this)) delivered = true;
    }
    // Queue groups: one member each, chosen as nats-server does, uniformly over the local members and
    // the remote ones (a route's RS+ weight counts its members).
    let handled: string[] | null = null;
    if (remote !== null) cluster!.beginForward();
    for (let g = 0; g < qsubs.length; g++) {
      const members = qsubs[g]!;
      const n = members.length;
      let first = n === 1 ? 0 : (Math.random() * n) | 0;
      if (remote !== null && remote.qsubs.length > 0) {
        const name = members[0]!.queue!;
        const rg = remoteGroup(remote.qsubs, name);
        (handled ??= []).push(name);
        if (rg !== null) {
          const x = Math.random() * (n + groupWeight(rg));
          if (x >= n) {
            cluster!.routeQueue(rg, name);
            continue;
          }
          first = x | 0;
        }
      }
      for (let k = 0; k < n; k++) {
        if (deliverTo(members[(first + k) % n]!, m, subject, this)) {
          delivered = true;
          break;
        }
      }
    }
    if (remote !== null && cluster!.forward(m, subject, remote, handled)) delivered = true;
    if (!delivered && this.noResponders && p.hasReply()) this.sendNoResponders();
  }

  private publishViolation(what: string, logged: string): void {
    this.sendErr(`Permissions Violation for ${what}`);
    this.server.log.error(`${this.tag()} - Publish Violation - ${this.user ? `User "${this.user}", ` : ""}${logged}`);
  }

  /** Points the shared message description at this PUB's arguments. */
  private describe(m: MsgHeader): void {
    const p = this.parser;
    const last = p.argc - 1;
    m.argBuf = p.argBuf;
    m.subjS = p.argStart[0]!;
    m.subjE = p.argEnd[0]!;
    const reply = p.hasReply();
    m.replyS = reply ? p.argStart[1]! : -1;
    m.replyE = reply ? p.argEnd[1]! : -1;
    m.hdrS = p.hpub ? p.argStart[last - 1]! : -1;
    m.hdrE = p.hpub ? p.argEnd[last - 1]! : -1;
    m.sizeS = p.argStart[last]!;
    m.sizeE = p.argEnd[last]!;
    m.hdrSize = p.hdrSize;
  }

  private sendNoResponders(): void {
    const p = this.parser;
    const reply = p.arg(1);
    // The 503 goes to this client's own subscription that matches the reply subject.
    const result = this.server.sublist.match(reply);
    // Only a plain subscription counts, as in nats-server.
    let sid: string | null = null;
    for (const s of result.psubs) if (s.client === this) { sid = s.sid; break; }
    if (sid === null) return;
    this.out.queueProto(Buffer.from(`HMSG ${reply} ${sid} 16 16\r\nNATS/1.0 503\r\n\r\n\r\n`, "latin1"));
  }

  removeSub(sub: Subscription): void {
    if (this.subs.get(sub.sid) !== sub) return;
    this.subs.delete(sub.sid);
    this.server.removeSubscription(sub);
  }

  protocolError(sendErr: string | null, detail: string): void {
    if (sendErr !== null) this.sendErr(sendErr);
    this.server.log.error(`${this.tag()} - Client parser ERROR: ${detail}`);
    this.close(sendErr === ERR.MAX_CONTROL_LINE ? CloseReason.MAX_CONTROL_LINE : CloseReason.PROTOCOL_VIOLATION);
  }

  /**
   * An op other than CONNECT (its first byte is not a `C`) before CONNECT on a server that requires
   * auth. As nats-server: the no_auth_user, when there is one, signs in there and then; otherwise
   * the client is refused.
   */
  authGate(): boolean {
    if (this.server.opts.noAuthUser === "") {
      this.sendErr(ERR.AUTH_VIOLATION);
      this.close(CloseReason.AUTH_VIOLATION);
      return false;
    }
    if (!this.authorize()) return false;
    this.signedIn();
    return true;
  }

  private signedIn(): void {
    this.connectReceived = true;
    this.parser.awaitingAuth = false;
    if (this.authTimer !== null) {
      clearTimeout(this.authTimer);
      this.authTimer = null;
    }
  }

  private authTimeout(): void {
    this.authTimer = null;
    if (this.connectReceived || this.closed) return;
    this.sendErr(ERR.AUTH_TIMEOUT);
    this.server.log.error(`${this.tag()} - Authentication Timeout`);
    this.close(CloseReason.AUTH_TIMEOUT);
  }

  sendPing(): void {
    this.out.sendNow(PROTO.PING);
  }

  stale(): void {
    this.sendErr(ERR.STALE);
    this.server.log.debug(`${this.tag()} - Stale Client Connection - Closing`);
    this.close(CloseReason.STALE);
  }

  sendErr(text: string): void {
    this.out.sendNow(`-ERR '${text}'\r\n`);
  }

  /** Closes the connection once. Pending output is flushed unless the peer is a slow consumer. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.parser.halted = true;
    if (this.authTimer !== null) clearTimeout(this.authTimer);
    this.pinger.stop();
    for (const sub of this.subs.values()) this.server.removeSubscription(sub);
    this.subs.clear();
    this.out.close(reason === CloseReason.SLOW_CONSUMER_PENDING || reason === CloseReason.SLOW_CONSUMER_DEADLINE);
    this.server.removeClient(this);
  }

  tag(): string {
    return `${this.host}:${this.port} - cid:${this.cid}`;
  }
}

function remoteGroup(groups: readonly (readonly RemoteSub[])[], name: string): readonly RemoteSub[] | null {
  for (const g of groups) if (g[0]!.queue === name) return g;
  return null;
}

function parseMax(s: string): number {
  return /^[0-9]{1,9}$/.test(s) ? Number(s) : -1;
}

function isValidQueue(q: string): boolean {
  for (let i = 0; i < q.length; i++) {
    const c = q.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 10) return false;
  }
  return q.length > 0;
}
