// The `tls { ... }` and `cluster { ... }` blocks as nats-server 2.9 reads them. TLS files are read
// and checked at load time, so `-t` catches a missing or mismatched certificate as nats-server does.

import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import type { ClusterOptions, TlsConfig } from "../options.js";
import { FieldReader } from "./fields.js";
import { readAuthorization } from "./load-auth.js";
import { splitHostPort, parseRouteList } from "./urls.js";
import type { ConfigEntry, Position } from "./values.js";

/** Accepted for compatibility; skein-server does not act on them. */
const TLS_IGNORED = new Set([
  "cipher_suites", "curve_preferences", "pinned_certs", "verify_cert_and_check_known_urls", "rate_limit",
]);

export function readTls(r: FieldReader, block: ConfigEntry): TlsConfig | undefined {
  const m = r.map(block);
  if (!m) return undefined;
  const tc: TlsConfig = { certFile: "", keyFile: "", caFile: "", verify: false, insecure: false, timeout: 2000 };
  const before = r.errors.length;
  for (const e of m.values()) {
    const k = e.key.toLowerCase();
    const asFile = (): string => {
      if (e.value.kind === "string") return e.value.value;
      r.error(e.keyPos, `error parsing tls config, expected '${k}' to be filename`);
      return "";
    };
    switch (k) {
      case "cert_file": tc.certFile = asFile(); break;
      case "key_file": tc.keyFile = asFile(); break;
      case "ca_file": tc.caFile = asFile(); break;
      case "verify": case "verify_and_map":
        if (e.value.kind !== "bool") r.error(e.keyPos, `error parsing tls config, expected '${k}' to be a boolean`);
        else tc.verify = e.value.value;
        if (k === "verify_and_map") r.warn(e.keyPos, `tls field "${k}" maps certificates to users, which skein-server does not do; it only verifies`);
        break;
      case "insecure":
        if (e.value.kind !== "bool") r.error(e.keyPos, "error parsing tls config, expected 'insecure' to be a boolean");
        else tc.insecure = e.value.value;
        break;
      case "timeout": { const v = r.seconds(e); if (v !== undefined) tc.timeout = v; break; }
      default:
        if (TLS_IGNORED.has(k)) r.warn(e.keyPos, `tls field "${e.key}" is not supported by skein-server and is ignored`);
        else r.unknown(e, `error parsing tls config, unknown field [${JSON.stringify(e.key)}]`);
    }
  }
  if (r.errors.length === before) checkTlsFiles(r, block.keyPos, tc);
  return tc;
}

/** Loads the certificate, key and CA the way the server will, so bad files fail the config check. */
function checkTlsFiles(r: FieldReader, pos: Position, tc: TlsConfig): void {
  if (tc.certFile === "" || tc.keyFile === "") {
    r.error(pos, "error parsing tls config, 'cert_file' and 'key_file' are both required");
    return;
  }
  const read = (what: string, path: string): Buffer | undefined => {
    try {
      return readFileSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      r.error(pos, `error parsing ${what}: open ${path}: ${code === "ENOENT" ? "no such file or directory" : (e as Error).message}`);
      return undefined;
    }
  };
  const cert = read("X509 certificate/key pair", tc.certFile);
  const key = cert && read("X509 certificate/key pair", tc.keyFile);
  if (!cert || !key) return;
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    r.error(pos, `error parsing X509 certificate/key pair: ${(e as Error).message}`);
    return;
  }
  if (tc.caFile === "") return;
  const ca = read("certificate authority", tc.caFile);
  if (!ca) return;
  try {
    new X509Certificate(ca); // throws unless the file holds a PEM certificate
  } catch {
    r.error(pos, "failed to parse root ca certificate");
  }
}

export function readCluster(r: FieldReader, block: ConfigEntry): Partial<ClusterOptions> | undefined {
  const m = r.map(block);
  if (!m) return undefined;
  const c: Partial<ClusterOptions> = {};
  for (const e of m.values()) {
    switch (e.key.toLowerCase()) {
      case "name": { const v = r.str(e); if (v !== undefined) c.name = v; break; }
      case "listen": {
        const hp = readListen(r, e);
        if (hp) { c.host = hp.host; c.port = hp.port; }
        break;
      }
      case "host": case "net": { const v = r.str(e); if (v !== undefined) c.host = v; break; }
      case "port": { const v = r.int(e); if (v !== undefined) c.port = v; break; }
      case "advertise": case "cluster_advertise": { const v = r.str(e); if (v !== undefined) c.advertise = v; break; }
      case "no_advertise": { const v = r.bool(e); if (v !== undefined) c.noAdvertise = v; break; }
      case "connect_retries": { const v = r.int(e); if (v !== undefined) c.connectRetries = v; break; }
      case "routes": {
        const list = r.array(e);
        if (!list) break;
        const urls: string[] = [];
        for (const item of list) {
          if (item.kind !== "string") r.error(item.pos, `error parsing route url: expected a string, got ${item.kind}`);
          else urls.push(item.value);
        }
        try {
          c.routes = parseRouteList(urls);
        } catch (err) {
          r.error(e.keyPos, (err as Error).message);
        }
        break;
      }
      case "authorization": {
        const auth = readAuthorization(r, e);
        if (!auth) break;
        if (auth.users) r.error(e.keyPos, "Cluster authorization does not allow multiple users");
        if (auth.token) r.error(e.keyPos, "Cluster authorization does not support tokens");
        if (auth.username !== undefined) c.username = auth.username;
        if (auth.password !== undefined) c.password = auth.password;
        if (auth.timeout !== undefined) c.authTimeout = auth.timeout;
        break;
      }
      case "tls": { const v = readTls(r, e); if (v) c.tls = v; break; }
      case "permissions": case "compression": case "pool_size": case "accounts":
        r.warn(e.keyPos, `cluster field "${e.key}" is not supported by skein-server and is ignored`);
        break;
      default: r.unknown(e);
    }
  }
  return c;
}

/** `listen`: a port, or "host:port" (nats-server's parseListen). */
export function readListen(r: FieldReader, e: ConfigEntry): { host: string; port: number } | undefined {
  const v = e.value;
  if (v.kind === "int") return { host: "", port: v.value };
  if (v.kind !== "string") return r.error(e.keyPos, `expected port or host:port, got ${v.kind}`);
  let hp: { host: string; port: string };
  try {
    hp = splitHostPort(v.value.trim());
  } catch {
    return r.error(e.keyPos, `could not parse address string ${JSON.stringify(v.value)}`);
  }
  if (!/^[+-]?\d+$/.test(hp.port)) return r.error(e.keyPos, `could not parse port ${JSON.stringify(hp.port)}`);
  return { host: hp.host, port: Number(hp.port) };
}
