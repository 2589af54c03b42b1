// Raw clients that ask for asynchronous INFO (CONNECT with protocol 1), for checking what a
// cluster tells its clients: connect_urls, and the INFO sent when membership or lame duck changes.
import assert from "node:assert/strict";
import { RawClient } from "../harness/raw-client.js";
import type { Cluster } from "./cluster-harness.js";

/** A raw client that asked for async INFO (protocol 1), with its first INFO read. */
export async function infoClient(c: Cluster, i: number): Promise<RawClient> {
  const r = await RawClient.connect(c.node(i).port);
  r.label = `client on ${c.node(i).name}`;
  r.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, protocol: 1 })}\r\n`);
  assert.equal(await r.flush(), "");
  return r;
}

export function urls(c: Cluster, nodes: readonly number[]): string[] {
  return nodes.map((i) => `127.0.0.1:${c.node(i).port}`).sort();
}

/** The next INFO, answering the server's PINGs that come first. */
export async function nextInfo(r: RawClient): Promise<Record<string, unknown>> {
  for (;;) {
    const m = await r.expect(/^(?:PING\r\n|INFO (\{.*\}) \r\n)/, 15_000);
    if (m[1] !== undefined) return JSON.parse(m[1]) as Record<string, unknown>;
    r.send("PONG\r\n");
  }
}

export function sortedUrls(info: Record<string, unknown>): string[] {
  const u = info["connect_urls"];
  return Array.isArray(u) ? (u as string[]).slice().sort() : [];
}
