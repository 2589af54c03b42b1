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
