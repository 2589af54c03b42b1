// The mixes of server kinds every cluster scenario runs on. An all-nats-server cluster proves the
// expectation; the others prove skein (alone, as the seed of nats-servers, and joining a nats-server
// seed) behaves the same.
import { test, type TestContext } from "node:test";
import type { ServerKind } from "../harness/servers.js";
import { Cluster, clusterSkipReason, type ClusterOptions } from "./cluster-harness.js";

export interface ClusterMix {
  label: string;
  kinds: readonly ServerKind[];
}

const N: ServerKind = "nats-server";
const S: ServerKind = "skein";

export const CLUSTER_MIXES: readonly ClusterMix[] = [
  { label: "nats,nats,nats", kinds: [N, N, N] },
  { label: "skein,skein,skein", kinds: [S, S, S] },
  { label: "skein seed,nats,nats", kinds: [S, N, N] },
  { label: "nats seed,skein,skein", kinds: [N, S, S] },
];

export interface ClusterTestOptions extends ClusterOptions {
  timeout?: number;
  /** Wait for the full mesh of all started nodes before running the body (default true). */
  mesh?: boolean;
  /** Restrict to some mixes (by label). */
  only?: readonly string[];
  /** Skip every mix, for this reason (e.g. a tool the test needs is missing). */
  skip?: string;
}

/**
 * Declares one test per cluster mix. Each gets a fresh cluster, stopped afterwards; when the body
 * fails, the nodes' logs are added to the error.
 */
export function forEachCluster(name: string, fn: (c: Cluster, mix: ClusterMix, t: TestContext) => Promise<void>, opts: ClusterTestOptions = {}): void {
  for (const mix of CLUSTER_MIXES) {
    if (opts.only && !opts.only.includes(mix.label)) continue;
    const skip = opts.skip ?? clusterSkipReason(mix.kinds);
    test(`${name} [${mix.label}]`, { skip: skip ?? false, timeout: opts.timeout ?? 60_000 }, async (t) => {
      const cluster = await Cluster.start(mix.kinds, opts);
      try {
        if (opts.mesh ?? true) await cluster.waitForMesh();
        await fn(cluster, mix, t);
      } catch (e) {
        if (e instanceof Error) e.message += `\n${cluster.describe()}`;
        throw e;
      } finally {
        await cluster.stop();
      }
    });
  }
}

/** Ordered pairs (i, j) with i != j of n nodes. */
export function orderedPairs(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) out.push([i, j]);
  return out;
}
