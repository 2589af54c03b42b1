// What nats-server 2.9 answers on /jsz, /leafz and /gatewayz when JetStream, leafnodes and gateways
// are not configured, which in Skein they never are. Tools that poll them (the exporter's -jsz,
// -leafz, -gatewayz) then see an idle subsystem instead of an error.

import { goTime } from "./go-format.js";

export function buildJsz(serverId: string, now: number): object {
  return {
    server_id: serverId,
    now: goTime(now),
    disabled: true,
    config: { max_memory: 0, max_storage: 0 },
    memory: 0,
    storage: 0,
    reserved_memory: 0,
    reserved_storage: 0,
    accounts: 0,
    ha_assets: 0,
    api: { total: 0, errors: 0 },
    streams: 0,
    consumers: 0,
    messages: 0,
    bytes: 0,
  };
}

export function buildLeafz(serverId: string, now: number): object {
  return { server_id: serverId, now: goTime(now), leafnodes: 0, leafs: null };
}

export function buildGatewayz(serverId: string, now: number): object {
  return { server_id: serverId, now: goTime(now), outbound_gateways: {}, inbound_gateways: {} };
}
