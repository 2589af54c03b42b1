// One route connection to another server of the cluster: the handshake (CONNECT with credentials and
// the cluster name, INFO with proto 2), remote interest (RS+/RS-), routed messages in both
// directions, pings, and closing.

import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import { readIntoShared } from "../client/read-buffer.js";
import { preciseNow } from "../clock.js";
import { FIRST_ROUTE_PING_MS, Pinger } from "../client/pinger.js";
import { RouteParser, type RouteOpHandler } from "./route-parser.js";
import { Outbound } from "../client/outbound.js";
import { PROTO, CloseReason } from "../protocol/protocol-text.js";
import { decodeConnect } from "../protocol/connect.js";
import type { Cluster, RemoteSub } from "./cluster.js";
import type { Server } from "../server.js";
import { LastSubject } from "../subjects/last-subject.js";
import type { MatchResult } from "../subjects/sublist.js";
import type { Subscription } from "../client/subscription.js";

/** What a route learns from the other side's INFO. */
export interface RouteInfo {
  server_id: string;
  server_name?: string;
  cluster?: string;
  cluster_dynamic?: boolean;
  host?: string;
  port?: number;
  ip?: string;
  connect_urls?: string[];
  ldm?: boolean;
}

/** How the log names a route connection: its peer's address and the route id. */
export function socketTag(socket: Socket, rid: number): string {
  return `${(socket.remoteAddress ?? "").replace(/^::ffff:/, "")}:${socket.remotePort ?? 0} - rid:${rid}`;
}

export class Route implements RouteOpHandler {
  readonly parser = new RouteParser(this);
  readonly out: Outbound;
  /** Epoch ms, sub-millisecond. */
  readonly start = preciseNow();
  readonly host: string;
  readonly port: number;
  /** Remote interest learned from this route, by "subject" or "subject queue". */
  readonly subs = new Map<string, RemoteSub>();
  remoteId = "";
  info: RouteInfo | null = null;
  closed = false;
  closeReason = "";
  connectReceived = false;
  headers = true;
  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  lastActivity = preciseNow();
  readonly pinger = new Pinger(this, () => this.server.opts, false);
  /** Forwarding scratch for the message being routed (see Cluster.forward). */
  fwd = false;
  readonly fwdQueues: string[] = [];
  fwdQueueCount = 0;
  /** The last routed subject and its local interest (see Cluster.deliverRouted). */
  readonly last = new LastSubject<MatchResult<Subscription>>();
  private readonly tagText: string;
  private authTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly cluster: Cluster,
    readonly socket: Socket,
    readonly rid: number,
    /** The URL this side dialled, or null for an accepted route. */
    readonly url: URL | null,
    /** Dialled because the config lists it (redialled for ever), or learned by gossip. */
    readonly explicit: boolean,
  ) {
    this.out = new Outbound(this, cluster.server);
    this.host = (socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    this.port = socket.remotePort ?? 0;
    this.tagText = socketTag(socket, rid);
    if (socket instanceof TLSSocket || !readIntoShared(socket, (buf, n) => this.onData(buf, n))) {
      socket.on("data", (chunk: Buffer) => this.onData(chunk, chunk.length));
    }
    socket.on("error", () => this.close(CloseReason.READ_ERROR));
    socket.on("end", () => this.close(CloseReason.CLIENT_CLOSED));
    socket.on("close", () => this.close(CloseReason.CLIENT_CLOSED));
    socket.on("drain", () => this.out.drained());
  }

  get server(): Server {
    return this.cluster.server;
  }

  get solicited(): boolean {
    return this.url !== null;
  }

  /** Sends this side's opening: CONNECT (when dialling) and INFO; the first PING follows in a second. */
  begin(): void {
    const o = this.server.opts;
    if (this.url !== null) {
      const c: Record<string, unknown> = {
        echo: true, verbose: false, pedantic: false, tls_required: o.cluster.tls !== null, headers: true,
        name: this.server.id, cluster: this.cluster.name,
        cluster_dynamic: this.cluster.dynamicName ? true : undefined, lnoc: true,
      };
      if (this.url.username !== "") {
        c.user = decodeURIComponent(this.url.username);
        c.pass = decodeURIComponent(this.url.password);
      }
      this.out.sendNow(`CONNECT ${JSON.stringify(c)}\r\n`);
    } else if (o.cluster.username !== "") {
      this.authTimer = setTimeout(() => {
        if (this.connectReceived) return;
        this.server.log.error(`${this.tag()} - Authentication Timeout`);
        this.sendErr("Authentication Timeout");
        this.close(CloseReason.AUTH_TIMEOUT);
      }, o.cluster.authTimeout);
    }
    this.out.sendNow(this.cluster.infoLine());
    this.pinger.start(FIRST_ROUTE_PING_MS);
  }

  private onData(chunk: Buffer, n: number): void {
    this.lastActivity = preciseNow();
    const server = this.server;
    server.beginBatch(this);
    this.parser.parse(chunk, n);
    server.endBatch();
  }

  processRouteConnect(arg: string): void {
    const o = decodeConnect(arg);
    if (o === null) return this.protocolError(`invalid route CONNECT: ${arg.slice(0, 128)}`);
    const raw = JSON.parse(arg) as Record<string, unknown>;
    const co = this.server.opts.cluster;
    if (co.username !== "" && (o.user !== co.username || o.pass !== co.password)) {
      this.server.log.error(`${this.tag()} - authentication error`);
      this.sendErr("Authorization Violation");
      return this.close(CloseReason.AUTH_VIOLATION);
    }
    if (o.lang !== undefined && o.lang !== "") {
      this.server.log.error(`${this.tag()} - attempted to connect to route port`);
      this.sendErr("attempted to connect to route port");
      return this.close(CloseReason.WRONG_PORT);
    }
    this.connectReceived = true;
    if (this.authTimer !== null) clearTimeout(this.authTimer);
    if (typeof raw.cluster === "string" && !this.cluster.acceptName(raw.cluster, raw.cluster_dynamic === true, this, true)) {
      return this.rejectName(raw.cluster);
    }
  }

  processRouteInfo(arg: string): void {
    let info: RouteInfo;
    try {
      info = JSON.parse(arg) as RouteInfo;
    } catch {
      return this.protocolError(`invalid route INFO: ${arg.slice(0, 128)}`);
    }
    if (typeof info?.server_id !== "string") return this.protocolError("route INFO without server_id");
    if (this.remoteId === "") {
      if (info.server_id === this.server.id) {
        this.server.log.debug(`${this.tag()} - Detected route to self, ignoring`);
        return this.close(CloseReason.ROUTE_TO_SELF);
      }
      if (!this.solicited && this.server.opts.cluster.username !== "" && !this.connectReceived) {
        this.sendErr("Authorization Violation");
        return this.close(CloseReason.AUTH_VIOLATION);
      }
      // As nats-server, a name it cannot take closes the route without an -ERR.
      if (typeof info.cluster === "string" && info.cluster !== ""
        && !this.cluster.acceptName(info.cluster, info.cluster_dynamic === true, this, false)) return this.close(CloseReason.CLUSTER_NAME_CONFLICT);
      this.remoteId = info.server_id;
      this.info = info;
      this.cluster.register(this);
      return;
    }
    if (info.server_id === this.remoteId) {
      this.info = { ...this.info, ...info };
      this.cluster.peerUpdated(this);
    } else {
      this.cluster.gossip(info, this);
    }
  }

  private rejectName(remote: string): void {
    const text = `Rejecting connection, cluster name "${remote}" does not match "${this.cluster.name}"`;
    this.server.log.error(`${this.tag()} - ${text}`);
    this.sendErr(text);
    this.close(CloseReason.CLUSTER_NAME_CONFLICT);
  }

  processRemoteSub(add: boolean, args: string[]): void {
    if (this.remoteId === "") return;
    const [account, subject, queue, weight] = args;
    if (account !== "$G" || subject === undefined) return; // other accounts ($SYS) are not ours
    const q = queue ?? null;
    const key = q === null ? subject : `${subject} ${q}`;
    if (add) {
      const w = weight !== undefined ? Number.parseInt(weight, 10) || 1 : 1;
      const existing = this.subs.get(key);
      if (existing !== undefined) existing.weight = w;
      else {
        const rs: RemoteSub = { subject, queue: q, route: this, weight: w, delivered: 0 };
        this.subs.set(key, rs);
        this.cluster.remote.insert(rs);
      }
    } else {
      const rs = this.subs.get(key);
      if (rs === undefined) return;
      this.subs.delete(key);
      this.cluster.remote.remove(rs);
    }
    this.server.log.trace(`${this.tag()} - <<- [${add ? "RS+" : "RS-"} ${args.join(" ")}]`);
  }

  processRoutedMsg(buf: Buffer, start: number, end: number): void {
    const p = this.parser;
    const size = end - start;
    this.inMsgs++;
    this.inBytes += size;
    const server = this.server; // /varz counts what routes bring in, of any account, as nats-server
    server.inMsgs++;
    server.inBytes += size;
    server.routeInMsgs++;
    server.routeInBytes += size;
    if (p.argEnd[0]! - p.argStart[0]! !== 2 || p.argBuf[p.argStart[0]!] !== 36 || p.argBuf[p.argStart[0]! + 1] !== 71) return; // not $G
    this.cluster.deliverRouted(this, buf, start, end);
  }

  processPing(): void {
    this.out.queueProto(PROTO.PONG);
    this.pinger.pinged();
  }

  processPong(): void {
    this.pinger.ponged();
  }

  processErr(text: string): void {
    this.server.log.error(`${this.tag()} - Route Error ${text}`);
    this.close(CloseReason.PARSE_ERROR);
  }

  protocolError(detail: string): void {
    this.server.log.error(`${this.tag()} - Route parser ERROR: ${detail}`);
    this.close(CloseReason.PROTOCOL_VIOLATION);
  }

  sendPing(): void {
    this.out.sendNow(PROTO.PING);
  }

  stale(): void {
    this.sendErr("Stale Connection");
    this.server.log.debug(`${this.tag()} - Stale Route Connection - Closing`);
    this.close(CloseReason.STALE);
  }

  sendErr(text: string): void {
    this.out.sendNow(`-ERR '${text}'\r\n`);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.parser.halted = true;
    this.pinger.stop();
    if (this.authTimer !== null) clearTimeout(this.authTimer);
    for (const rs of this.subs.values()) this.cluster.remote.remove(rs);
    this.subs.clear();
    this.out.close(false);
    this.cluster.unregister(this);
  }

  tag(): string {
    return this.tagText;
  }
}
