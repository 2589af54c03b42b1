// The INFO a client gets on connect, with nats-server 2.9's field names and order.

import { randomBytes } from "node:crypto";

/** The nats-server protocol level Skein implements, reported as `version` so that clients enable
 * the same features (headers, no_responders) they would with that nats-server. */
export const PROTOCOL_VERSION = "2.9.10";
export const SKEIN_VERSION = "0.1.0";

export interface ServerInfo {
  server_id: string;
  server_name: string;
  version: string;
  proto: number;
  go: string;
  host: string;
  port: number;
  headers: boolean;
  auth_required?: boolean;
  tls_required?: boolean;
  tls_verify?: boolean;
  max_payload: number;
  cluster?: string;
  connect_urls?: string[];
  ldm?: boolean;
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** A server id shaped like nats-server's: 'N' and 55 base32 characters. */
export function newServerId(): string {
  const r = randomBytes(55);
  let s = "N";
  for (const b of r) s += B32[b & 31];
  return s;
}

/** INFO for one client: the shared fields, then client_id and client_ip. */
export function clientInfoLine(info: ServerInfo, cid: number, ip: string): string {
  const { cluster, connect_urls, ldm, ...head } = info;
  const ordered = { ...head, client_id: cid, client_ip: ip, cluster, connect_urls, ldm };
  return `INFO ${JSON.stringify(ordered)} \r\n`;
}
