// The monitoring HTTP(S) server: nats-server's endpoints and /metrics, request counts for
// /varz's http_req_stats, JSONP through `callback`, and the ring of closed connections.

import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { posix } from "node:path";
import type { Client } from "../client/client.js";
import type { Subscription } from "../client/subscription.js";
import type { Server } from "../server.js";
import { ClosedRing } from "./closed-ring.js";
import { openRecord } from "./conn-info.js";
import { buildJsz, buildLeafz, buildGatewayz } from "./absent-subsystems.js";
import { buildAccountz, buildAccstatz } from "./accounts.js";
import { buildConnz, checkConnzOptions, parseConnzQuery, DEFAULT_CONN_LIST_SIZE, SortOpt } from "./connz.js";
import { preciseNow } from "../clock.js";
import { goJson } from "./go-format.js";
import { indexPage } from "./index-page.js";
import { MetricsRegistry } from "./metrics.js";
import { MonitorPath } from "./paths.js";
import { ConnState, decodeBool, parseQuery, QueryError } from "./query.js";
import { buildRoutez, parseRoutezQuery, type RouteSource } from "./routez.js";
import { buildSubsz, parseSubszQuery } from "./subsz.js";
import { UsageSampler } from "./usage.js";
import { buildVarz } from "./varz.js";

/** The text nats-server 2.9 gives when its client listener is not accepting (e.g. in lame duck). */
const NOT_READY = "failed to be ready for connections after 1ms: server";

interface Reply {
  status: number;
  type: string | null; // null: Go sniffs text/plain for bodies written after an early status
  body: string;
  jsonp: boolean;
  headers?: Record<string, string>;
}

export class Monitor {
  readonly closed = new ClosedRing();
  readonly usage = new UsageSampler();
  /** Set by the cluster module; without it /routez lists no routes. */
  routeSource: RouteSource | null = null;
  /** When the configuration was last loaded; a reload moves it. */
  configLoadTime: number;
  private readonly httpReqStats = new Map<string, number>();
  private readonly metrics = new MetricsRegistry();
  private http: http.Server | null = null;
  private secure = false;
  private closingClient: Client | null = null;
  private closingSubs: Subscription[] = [];

  constructor(private readonly server: Server) {
    this.configLoadTime = server.startTime;
  }

  /** The bound monitoring port, or 0 when not listening. */
  get port(): number {
    const a = this.http?.address();
    return a !== null && typeof a === "object" ? (a as AddressInfo).port : 0;
  }

  get protocol(): "http" | "https" {
    return this.secure ? "https" : "http";
  }

  /** Listens as nats-server's StartMonitoring does; throws "Can't start monitoring: ..." on failure. */
  async start(): Promise<void> {
    const o = this.server.opts;
    if (o.httpPort !== 0 && o.httpsPort !== 0) {
      throw new Error(`Can't start monitoring: can't specify both HTTP (${o.httpPort}) and HTTPs (${o.httpsPort}) ports`);
    }
    this.secure = o.httpPort === 0;
    const port = this.secure ? o.httpsPort : o.httpPort;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.serve(req, res);
    let srv: http.Server;
    if (this.secure) {
      if (o.tlsCert === "" || o.tlsKey === "") throw new Error("Can't start monitoring: TLS cert and key required for HTTPS");
      let cert: Buffer, key: Buffer;
      try {
        cert = readFileSync(o.tlsCert);
        key = readFileSync(o.tlsKey);
      } catch (e) {
        throw new Error(`Can't start monitoring: ${(e as Error).message}`);
      }
      srv = https.createServer({ cert, key, requestCert: false }, handler);
    } else {
      srv = http.createServer(handler);
    }
    const hp = joinHostPort(o.httpHost, port < 0 ? 0 : port);
    await new Promise<void>((resolve, reject) => {
      srv.once("error", (e: NodeJS.ErrnoException) => {
        const why = e.code === "EADDRINUSE" ? "bind: address already in use" : e.message;
        reject(new Error(`Can't start monitoring: can't listen to the monitor port: listen tcp ${hp}: ${why}`));
      });
      srv.listen({ host: o.httpHost, port: port < 0 ? 0 : port }, () => resolve());
    });
    srv.removeAllListeners("error");
    srv.on("error", (e) => this.server.log.error(`Monitoring server error: ${e.message}`));
    this.http = srv;
    this.server.log.info(`Starting ${this.protocol} monitor on ${joinHostPort(o.httpHost, this.port)}`);
  }

  async stop(): Promise<void> {
    const srv = this.http;
    if (srv === null) return;
    this.http = null;
    await new Promise<void>((resolve) => {
      srv.close(() => resolve());
      srv.closeAllConnections();
    });
  }

  /** Called for each subscription a closing client drops, before clientClosed. */
  subscriptionClosing(sub: Subscription): void {
    if (this.closingClient !== sub.client) {
      this.closingClient = sub.client;
      this.closingSubs = [];
    }
    this.closingSubs.push(sub);
  }

  /** Keeps the final state of a closed client for /connz?state=closed. */
  clientClosed(c: Client): void {
    const subs = this.closingClient === c ? this.closingSubs : [];
    this.closingClient = null;
    this.closingSubs = [];
    const rec = openRecord(c, false, subs);
    rec.stop = Math.max(preciseNow(), rec.lastActivity);
    rec.reason = c.closeReason;
    this.closed.push(rec);
  }

  private count(path: string): void {
    this.httpReqStats.set(path, (this.httpReqStats.get(path) ?? 0) + 1);
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = parseTarget(req.url ?? "/");
    const send = (r: Reply, extra: Record<string, string> = {}) => {
      const cb = typeof target === "object" && target !== null ? target.query.get("callback") ?? "" : "";
      const jsonp = r.jsonp && cb !== "";
      const body = jsonp ? `${cb}(${r.body})` : r.body;
      const type = jsonp ? "application/javascript" : r.type ?? "text/plain; charset=utf-8";
      res.writeHead(r.status, { ...extra, "Content-Type": type, ...r.headers, "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    };
    if (target === null) return send({ status: 400, type: null, body: "400 Bad Request", jsonp: false });
    if (target === "*") {
      res.writeHead(400, { Connection: "close", "Content-Length": 0 }); // Go answers it before any handler
      res.end();
      return;
    }
    const { path, query, rawQuery } = target;
    // Go's ServeMux answers a path that is not clean with a redirect to the clean one.
    const clean = cleanPath(path);
    if (clean !== path) {
      const loc = rawQuery === "" ? clean : `${clean}?${rawQuery}`;
      return send({ status: 301, type: "text/html; charset=utf-8", body: `<a href="${loc}">Moved Permanently</a>.\n\n`, jsonp: false }, { Location: loc });
    }
    if (path === MonitorPath.METRICS) {
      this.renderMetrics().then(
        (text) => {
          res.writeHead(200, { "Content-Type": this.metrics.contentType });
          res.end(text);
        },
        (e: unknown) => this.internalError(e, send),
      );
      return;
    }
    try {
      send(this.route(path, query));
    } catch (e) {
      if (e instanceof QueryError) send({ status: 400, type: null, body: e.message, jsonp: false });
      else this.internalError(e, send);
    }
  }

  /** A bug while answering must not take the server down: log it and answer 500. */
  private internalError(e: unknown, send: (r: Reply) => void): void {
    this.server.log.error(`Error handling monitoring request: ${(e as Error).stack ?? String(e)}`);
    send({ status: 500, type: null, body: "500 Internal Server Error\n", jsonp: false });
  }

  private route(path: string, q: URLSearchParams): Reply {
    const now = preciseNow();
    const json = (v: unknown): Reply => ({ status: 200, type: "application/json", body: goJson(v), jsonp: true });
    const s = this.server;
    switch (path) {
      case MonitorPath.ROOT:
        this.count(MonitorPath.ROOT);
        return { status: 200, type: "text/html; charset=utf-8", body: indexPage(), jsonp: false };
      case MonitorPath.VARZ:
        this.count(MonitorPath.VARZ);
        return json(this.varz(now));
      case MonitorPath.CONNZ: {
        const o = parseConnzQuery(q);
        this.count(MonitorPath.CONNZ);
        checkConnzOptions(o);
        return json(buildConnz(s.id, s.clients, this.closed, o, now));
      }
      case MonitorPath.ROUTEZ: {
        const o = parseRoutezQuery(q);
        this.count(MonitorPath.ROUTEZ);
        return json(buildRoutez(s.id, this.routeSource?.routes() ?? [], o, now));
      }
      case MonitorPath.SUBSZ:
      case MonitorPath.SUBSCRIPTIONSZ: {
        this.count(MonitorPath.SUBSZ);
        const o = parseSubszQuery(q);
        return json(buildSubsz(s.id, s.sublist, o, now));
      }
      case MonitorPath.HEALTHZ: {
        this.count(MonitorPath.HEALTHZ);
        for (const p of ["js-enabled", "js-enabled-only", "js-server-only"]) decodeBool(q, p);
        if (s.readyForConnections()) return { status: 200, type: "application/json", body: '{"status":"ok"}', jsonp: true };
        s.log.warn(`Healthcheck failed: ${JSON.stringify(NOT_READY)}`);
        return { status: 503, type: null, body: goJson({ status: "error", error: NOT_READY }, false), jsonp: true };
      }
      case MonitorPath.ACCOUNTZ:
        this.count(MonitorPath.ACCOUNTZ);
        return json(buildAccountz(s, q, now));
      case MonitorPath.ACCSTATZ:
        this.count(MonitorPath.ACCSTATZ);
        return json(buildAccstatz(s, q, now));
      case MonitorPath.JSZ:
        this.count(MonitorPath.JSZ);
        return json(buildJsz(s.id, now));
      case MonitorPath.LEAFZ:
        this.count(MonitorPath.LEAFZ);
        return json(buildLeafz(s.id, now));
      case MonitorPath.GATEWAYZ:
        this.count(MonitorPath.GATEWAYZ);
        return json(buildGatewayz(s.id, now));
      default:
        // Go's http.NotFound, as nats-server's mux answers an unknown path.
        return { status: 404, type: null, body: "404 page not found\n", jsonp: false, headers: { "X-Content-Type-Options": "nosniff" } };
    }
  }

  private varz(now: number) {
    return buildVarz({
      server: this.server,
      usage: this.usage,
      routes: this.routeSource,
      httpReqStats: this.httpReqStats,
      configLoadTime: this.configLoadTime,
    }, now);
  }

  /** What the standard exporter would scrape from /varz, /connz, /routez, /subsz and /healthz. */
  private renderMetrics(): Promise<string> {
    const s = this.server;
    const now = preciseNow();
    const connzDefaults = {
      sort: SortOpt.CID, auth: false, subs: false, detail: false, offset: 0, limit: DEFAULT_CONN_LIST_SIZE,
      cid: 0, state: ConnState.OPEN, user: "", account: "", mqttClient: "",
    };
    return this.metrics.render({
      varz: this.varz(now),
      connz: buildConnz(s.id, s.clients, this.closed, connzDefaults, now),
      routez: buildRoutez(s.id, this.routeSource?.routes() ?? [], { subs: false, detail: false }, now),
      subsz: buildSubsz(s.id, s.sublist, { subs: false, offset: 0, limit: 0, test: "", account: "" }, now),
      healthy: s.readyForConnections(),
    });
  }
}

const ABSOLUTE_FORM = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?]*/;

/**
 * The request's decoded path and its query as Go's net/http reads the request target (an absolute
 * URL stands for its path); "*" for the asterisk form, null when the path has a bad %-escape.
 */
function parseTarget(target: string): { path: string; query: URLSearchParams; rawQuery: string } | "*" | null {
  if (target === "*") return "*";
  const url = target.replace(ABSOLUTE_FORM, "");
  const q = url.indexOf("?");
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? "" : url.slice(q + 1);
  try {
    return { path: decodeURIComponent(rawPath), query: parseQuery(rawQuery), rawQuery };
  } catch {
    return null;
  }
}

/** Go's ServeMux cleanPath: path.Clean, keeping a trailing slash. */
export function cleanPath(p: string): string {
  if (p === "") return "/";
  const abs = p.startsWith("/") ? p : `/${p}`;
  let np = posix.normalize(abs);
  if (np.length > 1 && np.endsWith("/")) np = np.slice(0, -1);
  if (abs.endsWith("/") && np !== "/") np += "/";
  return np;
}

/** Go's net.JoinHostPort: IPv6 hosts in brackets. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Starts monitoring when an HTTP or HTTPS port is configured; null when monitoring is off. */
export async function startMonitoring(server: Server): Promise<Monitor | null> {
  const o = server.opts;
  if (o.httpPort === 0 && o.httpsPort === 0) return null;
  const m = new Monitor(server);
  await m.start();
  return m;
}
