// Route TLS as nats-server 2.9 runs it: the handshake comes first on the connection (before CONNECT
// and INFO), both sides present the cluster certificate, and the accepting side always demands and
// verifies the dialler's one; the dialler checks the peer's name against the route URL's host unless
// `insecure` is set.

import { readFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import type { TlsConfig } from "../options.js";

/** The cluster's TLS context; throws naming the file that cannot be read. */
export function routeSecureContext(tc: TlsConfig): tls.SecureContext {
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new Error(`error loading cluster TLS ${what} "${path}": ${(e as Error).message}`);
    }
  };
  return tls.createSecureContext({
    cert: read("certificate", tc.certFile),
    key: read("key", tc.keyFile),
    ...(tc.caFile !== "" ? { ca: read("CA", tc.caFile) } : {}),
    minVersion: "TLSv1.2",
  });
}

/** Runs the server side of the handshake on an accepted route socket; `failed` gets "error: ..." or
 * "timeout", after which the socket is destroyed. */
export function acceptRouteTls(
  raw: net.Socket, ctx: tls.SecureContext, timeoutMs: number,
  secured: (s: tls.TLSSocket) => void, failed: (why: string) => void,
): void {
  const s = new tls.TLSSocket(raw, { isServer: true, secureContext: ctx, requestCert: true, rejectUnauthorized: true });
  const end = (why: string): void => {
    clearTimeout(timer);
    failed(why);
    s.destroy();
    raw.destroy();
  };
  const onError = (e: Error): void => end(`error: ${e.message}`);
  const timer = setTimeout(() => end("timeout"), timeoutMs);
  s.once("error", onError);
  s.once("secure", () => {
    clearTimeout(timer);
    s.off("error", onError);
    s.setNoDelay(true);
    secured(s);
  });
}

/** Dials a route over TLS. The socket emits "secureConnect" once the handshake is done, or "error"
 * (also when the handshake takes longer than the TLS timeout). */
export function dialRouteTls(host: string, port: number, ctx: tls.SecureContext, tc: TlsConfig): tls.TLSSocket {
  const s = tls.connect({
    host, port, secureContext: ctx,
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
