// Route TLS as nats-server 2.9 runs it: the handshake comes first on the connection (before CONNECT
// and INFO), both sides present the cluster certificate, and the accepting side always demands and
// verifies the dialler's one; the dialler checks the peer's name against the route URL's host unless
// `insecure` is set.

import { readFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import type { TlsConfig } from "../options.js";
import { verifyFailure } from "../client/tls.js";

/** The cluster's TLS setup: the context routes are dialled with, and the options an accepting
 * tls.Server is made from (the same files, read once). */
export interface RouteTlsContext {
  readonly secure: tls.SecureContext;
  readonly serverOptions: tls.TlsOptions;
}

/** The cluster's TLS context; throws naming the file that cannot be read. */
export function routeSecureContext(tc: TlsConfig): RouteTlsContext {
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new Error(`error loading cluster TLS ${what} "${path}": ${(e as Error).message}`);
    }
  };
  const options: tls.SecureContextOptions = {
    cert: read("certificate", tc.certFile),
    key: read("key", tc.keyFile),
    ...(tc.caFile !== "" ? { ca: read("CA", tc.caFile) } : {}),
    minVersion: "TLSv1.2",
  };
  return { secure: tls.createSecureContext(options), serverOptions: options };
}

/** A TLS error in one line: OpenSSL's reason ("wrong version number") rather than its whole
 * multi-line message. */
export function tlsErrorText(e: Error): string {
  const reason = (e as { reason?: unknown }).reason;
  return typeof reason === "string" && reason !== "" ? reason : e.message.trim();
}

/**
 * Runs the server side of the handshake on an accepted route socket. `secured` gets the socket once
 * the peer's certificate is verified against the CA; otherwise `failed` gets why (as nats-server
 * words it where it can: "tls: client didn't provide a certificate", "read tcp a->b: i/o timeout",
 * "EOF") and the socket is destroyed.
 */
export function acceptRouteTls(
  raw: net.Socket, rtc: RouteTlsContext, timeoutMs: number,
  secured: (s: tls.TLSSocket) => void, failed: (why: string) => void,
): void {
  // The connection goes through a tls.Server of its own: a bare server-side TLSSocket never checks
  // the certificate the client presents (only a tls.Server does, after the handshake), so it would
  // take a certificate from any CA. rejectUnauthorized is off so that the outcome is reported here
  // (with it on, tls.Server drops an unverified peer without a word).
  const srv = tls.createServer({ ...rtc.serverOptions, requestCert: true, rejectUnauthorized: false, handshakeTimeout: timeoutMs });
  const timeoutText = `read tcp ${raw.localAddress ?? ""}:${raw.localPort ?? 0}->${raw.remoteAddress ?? ""}:${raw.remotePort ?? 0}: i/o timeout`
    .replace(/::ffff:/g, "");
  // The TLS socket goes first: destroying the TCP socket under a live TLS socket can crash Node.
  const fail = (s: tls.TLSSocket, why: string): void => {
    failed(why);
    s.destroy();
    raw.destroy();
  };
  srv.once("tlsClientError", (e: Error & { code?: string }, s: tls.TLSSocket) => {
    const why = e.code === "ERR_TLS_HANDSHAKE_TIMEOUT" ? timeoutText : e.code === "ECONNRESET" ? "EOF" : tlsErrorText(e);
    fail(s, why);
  });
  srv.once("secureConnection", (s: tls.TLSSocket) => {
    if (!s.authorized) {
      const none = Object.keys(s.getPeerCertificate()).length === 0;
      fail(s, none ? "tls: client didn't provide a certificate" : verifyFailure(String(s.authorizationError)));
      return;
    }
    s.setNoDelay(true);
    secured(s);
  });
  srv.emit("connection", raw);
}

/** Dials a route over TLS. The socket emits "secureConnect" once the handshake is done, or "error"
 * (also when the handshake takes longer than the TLS timeout). */
export function dialRouteTls(host: string, port: number, rtc: RouteTlsContext, tc: TlsConfig): tls.TLSSocket {
  const s = tls.connect({
    host, port, secureContext: rtc.secure,
    // SNI takes host names only; an IP is still checked against the certificate's IP names.
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    rejectUnauthorized: !tc.insecure,
  });
  let timer: NodeJS.Timeout | undefined;
  s.once("connect", () => {
    timer = setTimeout(() => s.destroy(new Error("TLS handshake timeout")), tc.timeout);
  });
  s.once("secureConnect", () => {
    clearTimeout(timer);
    s.setNoDelay(true);
  });
  s.once("close", () => clearTimeout(timer));
  return s;
}
