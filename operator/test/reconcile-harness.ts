// Test harness for the controller: B's fake API server (with the NatsCluster CRD loaded), the real
// @kubernetes/client-node against it, and an operator started in-process.
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import {
  AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions,
} from "@kubernetes/client-node";
import { startFakeApiServer, type FakeApiServer } from "../../e2e/fake-apiserver/index.js";
import { startOperator, type OperatorOptions, type RunningOperator } from "../src/main.js";
import type { NatsClusterSpec } from "../src/api/types.js";

export const CRD_PATH = fileURLToPath(new URL("../../crds/natsclusters.skein.dev.yaml", import.meta.url));
export const NS = "default";
export const IMAGE = "example.test/skein-server:test";
const NC = { group: "skein.dev", version: "v1alpha1", plural: "natsclusters" } as const;

// Plain JSON objects as the tests see them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

export interface Env {
  fake: FakeApiServer;
  /** A kubeconfig file client-node accepts for the fake. */
  kubeconfigPath: string;
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  coordination: CoordinationV1Api;
  custom: CustomObjectsApi;
  logs: string[];
  startOp(extra?: Partial<OperatorOptions>): Promise<RunningOperator>;
  operators: RunningOperator[];
  stop(): Promise<void>;
}

/** Fast retries and a short resync so that tests converge quickly on a loaded machine. */
export const FAST: Partial<OperatorOptions> = {
  metricsPort: null, namespace: NS, defaultImage: IMAGE, resyncMs: 0,
  retryBackoff: { baseMs: 20, maxMs: 500 }, informerBackoff: { baseMs: 20, maxMs: 500 },
};

export async function startEnv(): Promise<Env> {
  const fake = await startFakeApiServer({ crds: [CRD_PATH] });
  const kubeconfig = fake.kubeconfigPath;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const logs: string[] = [];
  const operators: RunningOperator[] = [];
  const env: Env = {
    fake, kc, logs, operators, kubeconfigPath: kubeconfig,
    core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api),
    coordination: kc.makeApiClient(CoordinationV1Api), custom: kc.makeApiClient(CustomObjectsApi),
    async startOp(extra = {}) {
      const stream = new PassThrough();
      stream.on("data", (c: Buffer) => { for (const l of c.toString().split("\n")) if (l) logs.push(l); });
      const op = await startOperator({ kubeconfig, ...FAST, logStream: stream, logLevel: "debug", ...extra });
      operators.push(op);
      return op;
    },
    async stop() {
      for (const op of operators) await op.stop();
      await fake.stop();
      if (process.env.SKEIN_TEST_LOGS) for (const l of logs) process.stderr.write(`${l}\n`);
    },
  };
  return env;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) { lastErr = err; }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function createCluster(env: Env, name: string, spec: NatsClusterSpec, ns = NS): Promise<Obj> {
  return env.custom.createNamespacedCustomObject({ ...NC, namespace: ns, body: { apiVersion: "skein.dev/v1alpha1", kind: "NatsCluster", metadata: { name, namespace: ns }, spec } }) as Promise<Obj>;
}

export function getCluster(env: Env, name: string, ns = NS): Promise<Obj> {
  return env.custom.getNamespacedCustomObject({ ...NC, namespace: ns, name }) as Promise<Obj>;
}

export function patchCluster(env: Env, name: string, patch: Obj, ns = NS): Promise<Obj> {
  return env.custom.patchNamespacedCustomObject({ ...NC, namespace: ns, name, body: patch },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch)) as Promise<Obj>;
}

export function deleteCluster(env: Env, name: string, ns = NS): Promise<unknown> {
  return env.custom.deleteNamespacedCustomObject({ ...NC, namespace: ns, name });
}

/** Reads a child as plain JSON, or undefined when it does not exist. */
export async function child(env: Env, kind: "ConfigMap" | "Secret" | "Service" | "StatefulSet" | "PodDisruptionBudget", name: string, ns = NS): Promise<Obj | undefined> {
  try {
    const p = { namespace: ns, name };
    const o: unknown = kind === "ConfigMap" ? await env.core.readNamespacedConfigMap(p)
      : kind === "Secret" ? await env.core.readNamespacedSecret(p)
      : kind === "Service" ? await env.core.readNamespacedService(p)
      : kind === "StatefulSet" ? await env.apps.readNamespacedStatefulSet(p)
      : await env.kc.makeApiClient((await import("@kubernetes/client-node")).PolicyV1Api).readNamespacedPodDisruptionBudget(p);
    return JSON.parse(JSON.stringify(o)) as Obj;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** All six children of a cluster, or undefined until every one exists. */
export async function allChildren(env: Env, name: string, ns = NS): Promise<Record<string, Obj> | undefined> {
  const got = {
    configMap: await child(env, "ConfigMap", `${name}-config`, ns),
    secret: await child(env, "Secret", `${name}-credentials`, ns),
    headless: await child(env, "Service", `${name}-headless`, ns),
    client: await child(env, "Service", name, ns),
    statefulSet: await child(env, "StatefulSet", name, ns),
    pdb: await child(env, "PodDisruptionBudget", name, ns),
  };
  return Object.values(got).every((o) => o !== undefined) ? (got as Record<string, Obj>) : undefined;
}

export function condition(nc: Obj, type: string): Obj | undefined {
  return (nc.status?.conditions as Obj[] | undefined)?.find((c) => c.type === type);
}

/** Pretend the StatefulSet controller ran: set status through the status subresource. */
export async function setStatefulSetStatus(env: Env, name: string, ready: number, ns = NS): Promise<void> {
  const sts = (await child(env, "StatefulSet", name, ns)) as Obj;
  const replicas = sts.spec.replicas as number;
  await env.apps.patchNamespacedStatefulSetStatus({ namespace: ns, name, body: {
    status: { observedGeneration: sts.metadata.generation, replicas, readyReplicas: ready, updatedReplicas: replicas, currentReplicas: replicas, availableReplicas: ready },
  } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
}

/** Writes the fake API server recorded (all clients), optionally filtered. */
export function writes(env: Env, filter: { verb?: string; resource?: string; subresource?: string; name?: string } = {}): number {
  return env.fake.writeCount(filter);
}

/** Wait until the operator has converged: status observed the generation and the queue is idle. */
export async function converged(env: Env, op: RunningOperator, name: string, ns = NS): Promise<Obj> {
  return waitFor(`${ns}/${name} to converge`, async () => {
    await op.controller.whenIdle();
    const nc = await getCluster(env, name, ns);
    if (nc.status?.observedGeneration !== nc.metadata.generation) return undefined;
    if (!(await allChildren(env, name, ns))) return undefined;
    await op.controller.whenIdle();
    return nc;
  });
}
