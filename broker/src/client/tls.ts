// Client TLS as nats-server 2.9 does it: INFO goes out in plaintext with tls_required, then the
// client starts the handshake on the same connection.

import { readFileSync } from "node:fs";
import net from "node:net";
import tls from "node:tls";
import type { ServerOptions } from "../options.js";

/** The server's TLS context, or null when client TLS is off. Throws with the file name on bad files. */
export function secureContext(o: ServerOptions): tls.SecureContext | null {
  if (!o.tls && o.tlsCert === "") return null;
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new Error(`error loading TLS ${what} "${path}": ${(e as Error).message}`);
    }
  };
  return tls.createSecureContext({
    cert: read("certificate", o.tlsCert),
    key: read("key", o.tlsKey),
    ...(o.tlsCaCert !== "" ? { ca: read("CA", o.tlsCaCert) } : {}),
    minVersion: "TLSv1.2",
  });
}

/** Wraps an accepted socket whose plaintext INFO has been sent. */
export function upgrade(raw: net.Socket, ctx: tls.SecureContext, o: ServerOptions): tls.TLSSocket {
  return new tls.TLSSocket(raw, {
    isServer: true,
    secureContext: ctx,
    requestCert: o.tlsVerify,
    rejectUnauthorized: o.tlsVerify,
  });
}

/**
 * Why the peer's certificate is not acceptable, or null when the CA verified it. A server-side
 * TLSSocket made outside a tls.Server completes the handshake without checking the certificate a
 * client presents (only tls.Server looks at the verification result), so the result is read here,
 * as tls.Server reads it. Fails closed when the result cannot be read.
 */
export function peerVerifyError(sock: tls.TLSSocket): string | null {
  if (Object.keys(sock.getPeerCertificate()).length === 0) return "tls: client didn't provide a certificate";
  const handle = (sock as unknown as { _handle?: { verifyError?: () => Error | null } })._handle;
  if (typeof handle?.verifyError !== "function") return "tls: client certificate could not be verified";
  const err = handle.verifyError();
  return err === null ? null : verifyFailure((err as Error & { code?: string }).code ?? err.message);
}

const UNKNOWN_AUTHORITY = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_SIGNATURE_FAILURE",
]);

/** A client certificate refused for an OpenSSL verify code, in the words of Go's TLS stack. */
export function verifyFailure(code: string): string {
  const why = UNKNOWN_AUTHORITY.has(code) ? "x509: certificate signed by unknown authority"
    : code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID" ? "x509: certificate has expired or is not yet valid"
    : code;
  return `tls: failed to verify client certificate: ${why}`;
}
