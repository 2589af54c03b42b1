// The server: accepts client connections, owns the sublist and the shared per-batch state (the
// connections written to while one read chunk is handled, flushed once at its end), and counts.

import net from "node:net";
import type tls from "node:tls";
import { Sublist } from "./subjects/sublist.js";
import { Client } from "./client/client.js";
import { MsgHeader } from "./client/msg-header.js";
import { OUT_BUFFER_SIZE, type Outbound, type OutboundOwner } from "./client/outbound.js";
import { Cluster } from "./cluster/cluster.js";
import { routeSource } from "./cluster/route-source.js";
import { Bytes } from "./client/copy.js";
import { CloseReason, ERR } from "./protocol/protocol-text.js";
import type { Subscription } from "./client/subscription.js";
import { authRequired, bcryptUsers } from "./client/auth.js";
import { secureContext, upgrade } from "./client/tls.js";
import { clientInfoLine, newServerId, PROTOCOL_VERSION, type ServerInfo } from "./info.js";
import { createLogger, type Logger } from "./log.js";
import { startMonitoring, type Monitor } from "./monitor/monitor.js";
import type { ServerOptions } from "./options.js";
import { preciseNow } from "./clock.js";

const POOL_MAX = 64;

export class Server {
  readonly id = newServerId();
  readonly sublist = new Sublist<Subscription>();
  readonly clients = new Map<number, Client>();
  readonly log: Logger;
  /** Epoch ms, sub-millisecond. */
  readonly startTime = preciseNow();
  readonly msg = new MsgHeader();

  // The read batch being handled: who is publishing, and whom it wrote to.
  inBatch = false;
  producer: OutboundOwner | null = null;
  readonly pcd: Outbound[] = [];

  inMsgs = 0;
  inBytes = 0;
  outMsgs = 0;
  outBytes = 0;
  /** The part of the totals above that routes brought in or took out (clients' is the rest). */
  routeInMsgs = 0;
  routeInBytes = 0;
  routeOutMsgs = 0;
  routeOutBytes = 0;
  slowConsumers = 0;
  totalConnections = 0;

  /** Lines logged after the startup banner's ID line (main.ts: "Using configuration file: ..."). */
  readonly bannerNotes: string[] = [];

  /** Routes to the other servers, when a cluster port or routes are configured. */
  cluster: Cluster | null = null;
  /** Set for good once lame duck mode starts. */
  lameDuck = false;
  /** Bumped whenever the connect_urls clients are told change. */
  urlsGen = 0;
  /** The HTTP(S) monitor, when http_port or https_port is set. */
  monitor: Monitor | null = null;

  private listener: net.Server | null = null;
  private nextCid = 1;
  private readonly pool: Bytes[] = [];
  private info: ServerInfo;
  private running = false;
  private tlsContext: tls.SecureContext | null;

  /** Throws on options it cannot run with (unreadable TLS files, bcrypt passwords). */
  constructor(public opts: ServerOptions, log?: Logger) {
    this.log = log ?? createLogger({ debug: opts.debug, trace: opts.trace, logtime: opts.logtime });
    this.tlsContext = Server.checkOptions(opts);
    this.info = this.buildInfo();
  }

  private static checkOptions(o: ServerOptions): tls.SecureContext | null {
    const bcrypt = bcryptUsers(o);
    if (bcrypt.length > 0) {
      throw new Error(`bcrypt password hashes are not supported by skein-server (users: ${bcrypt.join(", ")}); use plain passwords`);
    }
    return secureContext(o);
  }

  /** Applies reloadable options to the running server and its clients (SIGHUP). Throws, changing
   * nothing, on options it cannot run with. */
  applyOptions(next: ServerOptions): void {
    const ctx = Server.checkOptions(next);
    this.opts = next;
    this.tlsContext = ctx;
    this.info = this.buildInfo();
    if (this.monitor !== null) this.monitor.configLoadTime = preciseNow();
    for (const c of [...this.clients.values()]) {
      c.parser.maxControlLine = next.maxControlLine;
      if (c.connectReceived) c.authorize();
    }
  }

  get name(): string {
    return this.opts.serverName || this.id;
  }

  /** The bound client port (useful with port 0). */
  get port(): number {
    const a = this.listener?.address();
    return a !== null && typeof a === "object" ? a.port : this.opts.port;
  }

  async start(): Promise<void> {
    const o = this.opts;
    this.log.info(`Starting nats-server`);
    this.log.info(`  Version:  ${PROTOCOL_VERSION}`);
    this.log.info(`  Git:      [not set]`);
    const clustered = o.cluster.port !== 0 || o.cluster.routes.length > 0;
    if (clustered) {
      this.cluster = new Cluster(this);
      this.log.info(`  Cluster:  ${this.cluster.name}`);
    }
    this.log.info(`  Name:     ${this.name}`);
    this.log.info(`  ID:       ${this.id}`);
    for (const note of this.bannerNotes) this.log.info(note);
    this.monitor = await startMonitoring(this);
    const server = net.createServer({ noDelay: true }, (s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: o.host, port: o.port < 0 ? 0 : o.port, backlog: 4096 }, () => {
        server.off("error", reject);
        resolve();
      });
    }).catch(async (e: unknown) => {
      await this.monitor?.stop();
      throw e;
    });
    this.listener = server;
    this.running = true;
    this.log.info(`Listening for client connections on ${hostPort(o.host, this.port)}`);
    if (this.cluster !== null) {
      await this.cluster.start();
      if (this.monitor !== null) this.monitor.routeSource = routeSource(this.cluster);
    }
    this.info = this.buildInfo();
    this.log.info(`Server is ready`);
  }

  private buildInfo(): ServerInfo {
    const o = this.opts;
    const port = this.listener ? this.port : o.port;
    const shown = o.clientAdvertise !== "" ? advertised(o.clientAdvertise, port) : { host: o.host, port };
    const info: ServerInfo = {
      server_id: this.id,
      server_name: this.name,
      version: PROTOCOL_VERSION,
      proto: 1,
      go: `node${process.version}`,
      host: shown.host,
      port: shown.port,
      headers: true,
      // With no_auth_user, clients may come in without credentials, and nats-server says no auth.
      auth_required: this.authRequired() && o.noAuthUser === "" ? true : undefined,
      tls_required: this.tlsContext !== null ? true : undefined,
      tls_verify: this.tlsContext !== null && o.tlsVerify ? true : undefined,
      max_payload: o.maxPayload,
    };
    const cluster = this.cluster;
    if (cluster !== null) {
      info.cluster = cluster.name;
      if (!o.cluster.noAdvertise && cluster.routes.size > 0) info.connect_urls = cluster.clientConnectUrls();
    }
    return info;
  }

  private accept(raw: net.Socket): void {
    if (!this.running) {
      raw.destroy();
      return;
    }
    const cid = this.nextCid++;
    const info = clientInfoLine(this.info, cid, stripV4Mapped(raw.remoteAddress ?? ""));
    const max = this.opts.maxConnections;
    if (max > 0 && this.clients.size >= max) {
      raw.end(`${info}-ERR '${ERR.MAX_CONNECTIONS}'\r\n`);
      this.log.error(`${raw.remoteAddress}:${raw.remotePort} - cid:${cid} - maximum connections exceeded`);
      return;
    }
    const ctx = this.tlsContext;
    let c: Client;
    if (ctx !== null) {
      // INFO in plaintext, then the client starts the TLS handshake.
      raw.write(info);
      c = new Client(this, upgrade(raw, ctx, this.opts), cid);
      c.awaitHandshake(this.opts.tlsTimeout);
    } else {
      c = new Client(this, raw, cid);
      c.out.sendNow(info);
    }
    this.clients.set(cid, c);
    this.totalConnections++;
    this.log.debug(`${c.tag()} - Client connection created`);
    c.begin();
  }

  removeClient(c: Client): void {
    if (this.clients.delete(c.cid)) this.log.debug(`${c.tag()} - Client connection closed: ${c.closeReason}`);
    this.monitor?.clientClosed(c);
  }

  /** True while the client listener accepts connections (for /healthz; false in lame duck). */
  readyForConnections(): boolean {
    return this.running && this.listener !== null;
  }

  authRequired(): boolean {
    return authRequired(this.opts);
  }

  addSubscription(sub: Subscription): void {
    this.sublist.insert(sub);
    this.cluster?.localSubAdded(sub);
  }

  removeSubscription(sub: Subscription): void {
    if (this.sublist.remove(sub)) this.cluster?.localSubRemoved(sub);
    // A closing client drops its subscriptions first; the monitor keeps them for /connz?state=closed.
    if (sub.client.closed) this.monitor?.subscriptionClosing(sub);
  }

  beginBatch(producer: OutboundOwner): void {
    this.inBatch = true;
    this.producer = producer;
  }

  /** Flushes every connection written to during the batch, once. As nats-server, a delivery counts
   * as activity of the connection it goes to, at the time of the read that brought it. */
  endBatch(): void {
    const pcd = this.pcd;
    const last = this.producer!.lastActivity;
    for (let k = 0; k < pcd.length; k++) {
      const o = pcd[k]!;
      o.client.lastActivity = last;
      o.flush();
    }
    pcd.length = 0;
    this.inBatch = false;
    this.producer = null;
  }

  acquireBuffer(): Bytes {
    return this.pool.pop() ?? Bytes.alloc(OUT_BUFFER_SIZE);
  }

  releaseBuffer(b: Bytes): void {
    if (this.pool.length < POOL_MAX) this.pool.push(b);
  }

  /** Lame duck: closes the client listener at once, keeping the connected clients. */
  stopAccepting(): void {
    const listener = this.listener;
    if (listener === null) return;
    this.listener = null;
    // The callback of close() waits for every connection to end; the listening socket closes now.
    listener.close();
  }

  /** Lame duck: tells the routes, then sends the clients that take async INFO an INFO with
   * `"ldm":true` and the other nodes' URLs only (this server leaves connect_urls for good). */
  enterLameDuck(): void {
    this.lameDuck = true;
    this.cluster?.announce();
    this.info = { ...this.buildInfo(), ldm: true };
    this.sendAsyncInfo();
    // Later updates (membership changes) do not repeat the flag, as in nats-server.
    this.info = this.buildInfo();
  }

  /** Cluster membership or a peer's client URLs changed: clients that take unprompted INFO get the
   * new connect_urls, as nats-server sends them. */
  clusterChanged(): void {
    const before = JSON.stringify(this.info.connect_urls);
    this.info = this.buildInfo();
    if (JSON.stringify(this.info.connect_urls) === before) return;
    this.urlsGen++;
    this.sendAsyncInfo();
  }

  /** The current INFO to one client. */
  sendInfo(c: Client): void {
    c.out.sendNow(clientInfoLine(this.info, c.cid, c.host));
  }

  /** The current INFO to every client that asked for async INFO (protocol 1) and has had its first
   * PONG; the others get it after their first PING, if it changed since they connected. */
  private sendAsyncInfo(): void {
    for (const c of this.clients.values()) {
      if (!c.closed && c.protocol >= 1 && c.firstPongSent) this.sendInfo(c);
    }
  }

  /** Stops accepting, closes every client and resolves when the listener is closed. */
  async shutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const listener = this.listener;
    const closed = listener ? new Promise<void>((r) => listener.close(() => r())) : Promise.resolve();
    for (const c of [...this.clients.values()]) c.close(CloseReason.SERVER_SHUTDOWN);
    await this.cluster?.shutdown();
    await closed;
    await this.monitor?.stop();
    this.log.info("Server Exiting..");
  }
}

export function stripV4Mapped(a: string): string {
  return a.startsWith("::ffff:") ? a.slice(7) : a;
}

/**
 * The host and port a client_advertise value names, as nats-server reads it: "host:port",
 * "[v6]:port" or a host alone, which takes the listening port; a port of 0 or -1 means that too.
 */
export function advertised(value: string, port: number): { host: string; port: number } {
  const v = value.trim();
  // "[v6]:port", or "host:port" with a single colon; anything else is a host alone.
  const m = /^\[([^\]]*)\](?::(.*))?$/.exec(v) ?? /^([^:]*):([^:]*)$/.exec(v);
  const host = (m ? m[1]! : v).trim();
  const p = m?.[2] !== undefined ? Number.parseInt(m[2].trim(), 10) : port;
  return { host, port: Number.isNaN(p) || p === 0 || p === -1 ? port : p };
}

export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
