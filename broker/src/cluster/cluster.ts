// The cluster: the route listener, dialling (explicit routes for ever, gossiped ones up to
// connect_retries), one route per peer, local interest aggregated into RS+/RS-, remote interest in
// a sublist of its own, and routed messages both ways under the one-hop rule.

import net from "node:net";
import { networkInterfaces } from "node:os";
import { Sublist, type MatchResult, type Subscribable } from "../subjects/sublist.js";
import { Route, socketTag, type RouteInfo } from "./route.js";
import { acceptRouteTls, dialRouteTls, routeSecureContext, tlsErrorText, type RouteTlsContext } from "./route-tls.js";
import { Bytes, put } from "../client/copy.js";
import { deliverTo } from "../client/deliver.js";
import { CloseReason } from "../protocol/protocol-text.js";
import type { MsgHeader } from "../client/msg-header.js";
import type { Subscription } from "../client/subscription.js";
import { newServerId, PROTOCOL_VERSION } from "../info.js";
import type { TlsConfig } from "../options.js";
import { advertised, hostPort, type Server } from "../server.js";

const RMSG_G = Buffer.from("RMSG $G ");
const HMSG_G = Buffer.from("HMSG $G ");

export interface RemoteSub extends Subscribable {
  readonly route: Route;
  weight: number;
  /** Messages sent to the route for this interest (/routez `msgs`). As nats-server, a message counts
   * once per route, for the first interest that took it there (plain ones are looked at first). */
  delivered: number;
}

const REDIAL_MIN_MS = 250;
const REDIAL_MAX_MS = 5000;

export class Cluster {
  readonly remote = new Sublist<RemoteSub>();
  /** Established routes, by the peer's server id. */
  readonly routes = new Map<string, Route>();
  name: string;
  /** No name was configured: the generated one gives way to a peer's (see acceptName). */
  dynamicName: boolean;
  private readonly handshaking = new Set<Route>();
  /** Local interest: number of local subscriptions per "subject" or "subject queue". */
  private readonly interest = new Map<string, number>();
  private listener: net.Server | null = null;
  private nextRid = 1;
  private stopped = false;
  /** Peers being dialled, by URL, and the server ids known behind explicit URLs. */
  private readonly dialing = new Set<string>();
  private readonly explicitIds = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  // Per-message scratch for forwarding.
  private readonly marked: Route[] = [];
  private nMarked = 0;
  private line = Bytes.alloc(1024);
  // What the scratch line holds when it is a plain one (see plainLine).
  private lineSubject = "";
  private lineLen = 0;
  // The route TLS context, built for the cluster.tls options it was made from (rebuilt after a reload).
  private tlsCtx: RouteTlsContext | null = null;
  private tlsFor: TlsConfig | null = null;

  constructor(readonly server: Server) {
    const name = server.opts.cluster.name;
    this.dynamicName = name === "";
    this.name = name === "" ? newServerId().slice(1, 23) : name;
  }

  get port(): number {
    const a = this.listener?.address();
    return a !== null && typeof a === "object" ? a.port : this.server.opts.cluster.port;
  }

  /** The route TLS settings and context, or null when routes are plaintext. */
  private routeTls(): { tc: TlsConfig; ctx: RouteTlsContext } | null {
    const tc = this.server.opts.cluster.tls;
    if (tc === null) return null;
    if (tc !== this.tlsFor || this.tlsCtx === null) {
      this.tlsCtx = routeSecureContext(tc);
      this.tlsFor = tc;
    }
    return { tc, ctx: this.tlsCtx };
  }

  async start(): Promise<void> {
    const co = this.server.opts.cluster;
    this.routeTls(); // unreadable certificates stop the start
    if (co.port !== 0) {
      const l = net.createServer({ noDelay: true }, (s) => this.accept(s));
      await new Promise<void>((resolve, reject) => {
        l.once("error", reject);
        l.listen({ host: co.host || "0.0.0.0", port: co.port < 0 ? 0 : co.port }, () => {
          l.off("error", reject);
          resolve();
        });
      });
      this.listener = l;
      this.server.log.info(`Cluster name is ${this.name}`);
      if (this.dynamicName) this.server.log.warn("Cluster name was dynamically generated, consider setting one");
      this.server.log.info(`Listening for route connections on ${co.host || "0.0.0.0"}:${this.port}`);
    }
    for (const u of co.routes) this.dial(u, true, 0);
  }

  /**
   * nats-server's rule for a peer's cluster name: the same name matches; a generated name gives way
   * to a configured one, or to a higher generated one. Taking a new name drops the other routes,
   * which come back under it. A configured name a peer's CONNECT brings is kept as configured.
   */
  acceptName(remote: string, remoteDynamic: boolean, from: Route, viaConnect: boolean): boolean {
    if (remote === this.name) return true;
    if (!this.dynamicName || remote === "" || (remoteDynamic && remote < this.name)) return false;
    this.name = remote;
    if (viaConnect && !remoteDynamic) this.dynamicName = false;
    this.server.log.info(`Cluster name updated to ${remote}`);
    for (const r of [...this.routes.values(), ...this.handshaking]) if (r !== from) r.close(CloseReason.CLUSTER_NAME_CONFLICT);
    this.server.clusterChanged();
    return true;
  }

  /** The INFO this server sends on its routes. */
  infoLine(): string {
    const s = this.server;
    const co = s.opts.cluster;
    const info: Record<string, unknown> = {
      server_id: s.id, server_name: s.name, version: PROTOCOL_VERSION, proto: 2, go: `node${process.version}`,
      host: co.host || "0.0.0.0", port: this.port, headers: true,
      auth_required: co.username !== "" ? true : undefined,
      tls_required: co.tls !== null ? true : undefined,
      tls_verify: co.tls !== null ? true : undefined,
      max_payload: s.opts.maxPayload, cluster: this.name, cluster_dynamic: this.dynamicName ? true : undefined,
      connect_urls: co.noAdvertise ? undefined : this.ownClientUrls(),
      ip: co.advertise !== "" ? `nats-route://${co.advertise}/` : undefined,
      lnoc: true,
      ldm: s.lameDuck ? true : undefined,
    };
    return `INFO ${JSON.stringify(info)} \r\n`;
  }

  /** The client URLs of this server, as nats-server lists them. */
  ownClientUrls(): string[] {
    const o = this.server.opts;
    const port = this.server.port;
    if (o.clientAdvertise !== "") {
      const a = advertised(o.clientAdvertise, port);
      return [hostPort(a.host, a.port)];
    }
    if (o.host !== "0.0.0.0" && o.host !== "::" && o.host !== "") return [hostPort(o.host, port)];
    const urls: string[] = [];
    for (const addrs of Object.values(networkInterfaces())) {
      for (const a of addrs ?? []) if (!a.internal) urls.push(hostPort(a.address, port));
    }
    return urls;
  }

  /** Every node's client URLs, for the connect_urls clients get; a server in lame duck leaves its
   * own out. */
  clientConnectUrls(): string[] {
    const urls = new Set(this.server.lameDuck ? [] : this.ownClientUrls());
    for (const r of this.routes.values()) {
      if (r.info?.ldm) continue;
      for (const u of r.info?.connect_urls ?? []) urls.add(u);
    }
    return [...urls];
  }

  private accept(socket: net.Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    const rid = this.nextRid++;
    const tag = socketTag(socket, rid);
    const rt = this.routeTls();
    if (rt === null) {
      this.server.log.info(`${tag} - Route connection created`);
      return this.attach(socket, rid, null, false);
    }
    // As nats-server: a TLS route starts with the handshake, and the accepting side demands a
    // certificate signed by the cluster's CA; the connection counts as created once it is secured.
    acceptRouteTls(socket, rt.ctx, rt.tc.timeout, (secured) => {
      if (this.stopped) {
        secured.destroy();
        return;
      }
      this.server.log.info(`${tag} - Route connection created`);
      this.attach(secured, rid, null, false);
    }, (why) => this.tlsFailed(tag, why));
  }

  /** A route's TLS handshake failed: logged on both sides as nats-server logs it. */
  private tlsFailed(tag: string, why: string): void {
    this.server.log.error(`${tag} - TLS route handshake error: ${why}`);
    this.server.log.info(`${tag} - Router connection closed: ${CloseReason.TLS_HANDSHAKE}`);
  }

  private attach(socket: net.Socket, rid: number, url: URL | null, explicit: boolean): void {
    const r = new Route(this, socket, rid, url, explicit);
    this.handshaking.add(r);
    r.begin();
  }

  /** Dials a route URL; explicit routes are redialled for ever, gossiped ones up to connect_retries. */
  private dial(raw: string, explicit: boolean, attempt: number): void {
    if (this.stopped || this.dialing.has(raw)) return;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      this.server.log.error(`Error parsing route URL ${JSON.stringify(raw)}`);
      return;
    }
    this.dialing.add(raw);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = Number(url.port) || 6222;
    const rt = this.routeTls();
    const socket = rt === null ? net.connect({ host, port, noDelay: true }) : dialRouteTls(host, port, rt.ctx, rt.tc);
    // Over TLS, as in nats-server, the connection has its route id once TCP is up; the handshake
    // follows and its failure is logged under that id.
    let rid = 0;
    let tag = "";
    if (rt !== null) {
      socket.once("connect", () => {
        rid = this.nextRid++;
        tag = socketTag(socket, rid);
      });
    }
    const onError = (e: Error): void => {
      this.dialing.delete(raw);
      if (rid !== 0) this.tlsFailed(tag, tlsErrorText(e));
      else this.server.log.debug(`Error trying to connect to route (attempt ${attempt + 1}): ${e.message}`);
      this.redial(raw, explicit, attempt + 1);
    };
    socket.once("error", onError);
    socket.once(rt === null ? "connect" : "secureConnect", () => {
      socket.off("error", onError);
      this.dialing.delete(raw);
      if (this.stopped) {
        socket.destroy();
        return;
      }
      if (rid === 0) rid = this.nextRid++;
      this.server.log.info(`${socketTag(socket, rid)} - Route connection created`);
      this.attach(socket, rid, url, explicit);
    });
  }

  private redial(raw: string, explicit: boolean, attempt: number): void {
    if (this.stopped) return;
    if (!explicit && attempt > this.server.opts.cluster.connectRetries) return;
    const base = Math.min(REDIAL_MAX_MS, REDIAL_MIN_MS * 2 ** Math.min(attempt, 8));
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (explicit && !this.configured(raw)) return; // removed by a reload
      const id = this.explicitIds.get(raw);
      if (id !== undefined && this.routes.has(id)) return; // reached through another connection
      this.dial(raw, explicit, attempt);
    }, base * (0.8 + Math.random() * 0.4));
    this.timers.add(t);
  }

  /** Whether a route URL is among the configured routes (a reload may have removed it). */
  private configured(url: string): boolean {
    const want = routeKey(url);
    return this.server.opts.cluster.routes.some((u) => routeKey(u) === want);
  }

  /** Reload: routes no longer configured are closed for good, new ones are dialled. The server's
   * options are already the new ones. */
  reloadRoutes(before: readonly string[], after: readonly string[]): void {
    const was = new Set(before.map(routeKey));
    const now = new Set(after.map(routeKey));
    for (const r of [...this.routes.values(), ...this.handshaking]) {
      if (r.url === null || !r.explicit) continue;
      const key = routeKey(r.url.href);
      if (!was.has(key) || now.has(key)) continue;
      r.close(CloseReason.ROUTE_REMOVED);
      this.server.log.info(`Removed route ${redacted(r.url)}`);
    }
    for (const u of this.explicitIds.keys()) if (!now.has(routeKey(u))) this.explicitIds.delete(u);
    for (const u of after) if (!was.has(routeKey(u))) this.dial(u, true, 0);
  }

  /** A route finished its handshake. Keeps one route per peer, replays local interest, gossips. */
  register(r: Route): void {
    this.handshaking.delete(r);
    if (r.url !== null && r.explicit) this.explicitIds.set(r.url.href, r.remoteId);
    const existing = this.routes.get(r.remoteId);
    if (existing !== undefined && !existing.closed) {
      // As nats-server: the route that turns out to be a duplicate is the newer one; it goes.
      this.server.log.debug(`${r.tag()} - Detected duplicate remote route "${r.remoteId}"`);
      r.close(CloseReason.DUPLICATE_ROUTE);
      return;
    }
    this.routes.set(r.remoteId, r);
    this.server.log.debug(`${r.tag()} - Registering remote route "${r.remoteId}"`);
    this.sendAllInterest(r);
    this.server.log.debug(`${r.tag()} - Sent local subscriptions to route`);
    if (this.routes.size > 1) {
      // Tell the other routes about the newcomer so that they dial it, whichever side dialled (as
      // nats-server): one seed is enough, and a chain or hub of explicit routes still meshes.
      const info = { ...r.info, ip: r.info?.ip ?? `nats-route://${hostPort(r.host, r.info?.port ?? 0)}/` };
      const line = `INFO ${JSON.stringify(info)} \r\n`;
      for (const other of this.routes.values()) if (other !== r) other.out.sendNow(line);
    }
    this.server.clusterChanged();
  }

  unregister(r: Route): void {
    this.handshaking.delete(r);
    const wasRoute = this.routes.get(r.remoteId) === r;
    if (wasRoute) this.routes.delete(r.remoteId);
    this.server.log.info(`${r.tag()} - Router connection closed: ${r.closeReason}`);
    if (wasRoute) this.server.clusterChanged();
    if (this.stopped) return;
    if (r.url !== null && r.closeReason !== CloseReason.ROUTE_TO_SELF && r.closeReason !== CloseReason.ROUTE_REMOVED) {
      const id = r.remoteId !== "" ? r.remoteId : this.explicitIds.get(r.url.href);
      if (id === undefined || !this.routes.has(id)) this.redial(r.url.href, r.explicit, 0);
    }
    // Explicit peers reached through a connection that just closed are dialled again.
    if (wasRoute) {
      for (const [u, id] of this.explicitIds) if (id === r.remoteId && u !== r.url?.href) this.redial(u, true, 0);
    }
  }

  /** INFO about another server, forwarded by a peer: dial it unless it is us or already known. */
  gossip(info: RouteInfo, from: Route): void {
    if (info.server_id === this.server.id || this.routes.has(info.server_id)) return;
    const target = info.ip ?? (info.host && info.port ? `nats-route://${hostPort(info.host, info.port)}/` : "");
    if (target === "") return;
    let url = target;
    // Gossiped routes use this cluster's credentials.
    const co = this.server.opts.cluster;
    if (co.username !== "") {
      const u = new URL(target);
      u.username = encodeURIComponent(co.username);
      u.password = encodeURIComponent(co.password);
      url = u.href;
    }
    this.server.log.debug(`${from.tag()} - Learned of route ${info.server_id} at ${target}`);
    this.dial(url, false, 0);
  }

  /** Sends the current route INFO (e.g. with ldm) to every peer. */
  announce(): void {
    const line = this.infoLine();
    for (const r of this.routes.values()) r.out.sendNow(line);
  }

  peerUpdated(_r: Route): void {
    this.server.clusterChanged();
  }

  localSubAdded(sub: Subscription): void {
    const key = sub.queue === null ? sub.subject : `${sub.subject} ${sub.queue}`;
    const n = (this.interest.get(key) ?? 0) + 1;
    this.interest.set(key, n);
    if (sub.queue !== null) this.broadcast(`RS+ $G ${sub.subject} ${sub.queue} ${n}\r\n`);
    else if (n === 1) this.broadcast(`RS+ $G ${sub.subject}\r\n`);
  }

  localSubRemoved(sub: Subscription): void {
    const key = sub.queue === null ? sub.subject : `${sub.subject} ${sub.queue}`;
    const n = (this.interest.get(key) ?? 0) - 1;
    if (n <= 0) {
      this.interest.delete(key);
      this.broadcast(sub.queue !== null ? `RS- $G ${sub.subject} ${sub.queue}\r\n` : `RS- $G ${sub.subject}\r\n`);
    } else {
      this.interest.set(key, n);
      if (sub.queue !== null) this.broadcast(`RS+ $G ${sub.subject} ${sub.queue} ${n}\r\n`);
    }
  }

  private broadcast(line: string): void {
    if (this.routes.size === 0) return;
    const b = Buffer.from(line, "latin1");
    for (const r of this.routes.values()) r.out.queueProto(b);
  }

  private sendAllInterest(r: Route): void {
    const lines: string[] = [];
    for (const [key, n] of this.interest) {
      const sp = key.indexOf(" ");
      lines.push(sp < 0 ? `RS+ $G ${key}\r\n` : `RS+ $G ${key} ${n}\r\n`);
    }
    if (lines.length > 0) r.out.sendNow(lines.join(""));
  }

  /** Starts routing one message: nothing is marked yet. */
  beginForward(): void {
    this.nMarked = 0;
  }

  private mark(r: Route): void {
    if (r.fwd) return;
    r.fwd = true;
    r.fwdQueueCount = 0;
    this.marked[this.nMarked++] = r;
  }

  /** Sends the message to one member of a remote queue group, chosen by the members' weights. */
  routeQueue(group: readonly RemoteSub[], name: string): void {
    const rs = pickWeighted(group);
    const r = rs.route;
    if (!r.fwd) rs.delivered++;
    this.mark(r);
    r.fwdQueues[r.fwdQueueCount++] = name;
  }

  /**
   * Sends a client's message to the routes with interest: one copy per route, plus each remote queue
   * group the caller has not `handled` (delivered locally or already given to routeQueue). Returns
   * whether any route got it.
   */
  forward(m: MsgHeader, subject: string, rr: MatchResult<RemoteSub>, handled: readonly string[] | null): boolean {
    const marked = this.marked;
    for (const rs of rr.psubs) {
      if (rs.route.fwd) continue;
      rs.delivered++;
      this.mark(rs.route);
    }
    for (const group of rr.qsubs) {
      const name = group[0]!.queue!;
      if (handled === null || !handled.includes(name)) this.routeQueue(group, name);
    }
    const n = this.nMarked;
    if (n === 0) return false;
    let plainLen = -1;
    for (let k = 0; k < n; k++) {
      const r = marked[k]!;
      r.fwd = false;
      if (r.fwdQueueCount === 0) {
        if (plainLen < 0) plainLen = this.plainLine(m, subject);
        r.out.writeRouted(this.line, plainLen, m);
      } else {
        const len = this.buildLine(m, r.fwdQueues, r.fwdQueueCount);
        r.out.writeRouted(this.line, len, m);
        plainLen = -1; // the scratch line was overwritten
        this.lineSubject = "";
      }
    }
    return true;
  }

  /** The line for routes without queue members; the last one is kept when only the payload differs
   * (same subject, no reply, no headers, same size bytes). */
  private plainLine(m: MsgHeader, subject: string): number {
    const len = this.lineLen;
    const n = m.sizeE - m.sizeS;
    if (subject === this.lineSubject && m.replyS < 0 && m.hdrSize <= 0 && len === RMSG_G.length + (m.subjE - m.subjS) + n + 3) {
      const b = this.line.buf, a = m.argBuf;
      let k = 0;
      while (k < n && b[len - 2 - n + k] === a[m.sizeS + k]) k++;
      if (k === n) return len;
    }
    this.lineLen = this.buildLine(m, null, 0);
    this.lineSubject = m.replyS < 0 && m.hdrSize <= 0 ? subject : "";
    return this.lineLen;
  }

  /** "RMSG $G subject [reply | + reply q.. | | q..] [hdr] size\r\n" into the scratch line; returns its
   * length. */
  private buildLine(m: MsgHeader, queues: readonly string[] | null, nq: number): number {
    const a = m.argBuf;
    const withHdr = m.hdrSize > 0;
    let extra = 0;
    for (let k = 0; k < nq; k++) extra += queues![k]!.length + 1;
    const max = 16 + (m.subjE - m.subjS) + (m.replyE - m.replyS) + (m.hdrE - m.hdrS) + (m.sizeE - m.sizeS) + extra;
    if (max > this.line.buf.length) this.line = Bytes.alloc(max * 2);
    const b = this.line.buf;
    const verb = withHdr ? HMSG_G : RMSG_G;
    let p = put(b, 0, verb, 0, verb.length);
    p = put(b, p, a, m.subjS, m.subjE);
    if (nq > 0) {
      if (m.replyS >= 0) {
        b[p++] = 32;
        b[p++] = 43; // +
        b[p++] = 32;
        p = put(b, p, a, m.replyS, m.replyE);
      } else {
        b[p++] = 32;
        b[p++] = 124; // |
      }
      for (let k = 0; k < nq; k++) {
        b[p++] = 32;
        p += b.write(queues![k]!, p, "latin1");
      }
    } else if (m.replyS >= 0) {
      b[p++] = 32;
      p = put(b, p, a, m.replyS, m.replyE);
    }
    b[p++] = 32;
    if (withHdr) {
      p = put(b, p, a, m.hdrS, m.hdrE);
      b[p++] = 32;
    }
    p = put(b, p, a, m.sizeS, m.sizeE);
    b[p++] = 13;
    b[p++] = 10;
    return p;
  }

  /** A message from a route goes to local clients only (the one-hop rule). */
  deliverRouted(r: Route, buf: Buffer, start: number, end: number): void {
    const p = r.parser;
    const server = this.server;
    const a = p.argBuf;
    const ss = p.argStart[1]!, se = p.argEnd[1]!;
    const last = r.last;
    const gen = server.sublist.genid;
    let result: MatchResult<Subscription>;
    if (last.hit(a, ss, se, gen)) {
      result = last.result!;
    } else {
      const s = a.toString("latin1", ss, se);
      result = server.sublist.match(s);
      last.remember(a, ss, se, s, result, gen);
    }
    const subject = last.str;
    const queues = p.queueCount;
    if (result.psubs.length === 0 && (result.qsubs.length === 0 || queues === 0)) return;
    const m = server.msg;
    m.argBuf = a;
    m.subjS = ss;
    m.subjE = se;
    m.replyS = p.reply >= 0 ? p.argStart[p.reply]! : -1;
    m.replyE = p.reply >= 0 ? p.argEnd[p.reply]! : -1;
    m.hdrS = p.hdrArg >= 0 ? p.argStart[p.hdrArg]! : -1;
    m.hdrE = p.hdrArg >= 0 ? p.argEnd[p.hdrArg]! : -1;
    m.sizeS = p.argStart[p.sizeArg]!;
    m.sizeE = p.argEnd[p.sizeArg]!;
    m.hdrSize = p.hdrSize;
    m.build(buf, start, end, subject);
    for (const sub of result.psubs) deliverTo(sub, m, subject, null);
    if (queues === 0) return;
    const names = new Set<string>();
    for (let k = 0; k < queues; k++) names.add(p.arg(p.firstQueue + k));
    for (const group of result.qsubs) {
      if (!names.has(group[0]!.queue!)) continue;
      const n = group.length;
      const first = (Math.random() * n) | 0;
      for (let k = 0; k < n; k++) if (deliverTo(group[(first + k) % n]!, m, subject, null)) break;
    }
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const l = this.listener;
    const closed = l ? new Promise<void>((r) => l.close(() => r())) : Promise.resolve();
    for (const r of [...this.routes.values(), ...this.handshaking]) r.close(CloseReason.SERVER_SHUTDOWN);
    await closed;
  }
}

/** A route URL in one spelling, for comparing configured routes. */
function routeKey(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/** A route URL for the log, its password hidden. */
function redacted(url: URL): string {
  if (url.password === "") return url.href;
  const u = new URL(url.href);
  u.password = "xxxxx";
  return u.href;
}

/** The total weight of a remote queue group: its members across the routes. */
export function groupWeight(group: readonly RemoteSub[]): number {
  let total = 0;
  for (const rs of group) total += rs.weight;
  return total;
}

function pickWeighted(group: readonly RemoteSub[]): RemoteSub {
  if (group.length === 1) return group[0]!;
  let total = 0;
  for (const rs of group) total += rs.weight;
  let x = Math.random() * total;
  for (const rs of group) {
    x -= rs.weight;
    if (x < 0) return rs;
  }
  return group[group.length - 1]!;
}

