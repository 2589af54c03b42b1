// Shared by the fake API server's tests: a started server with client-node clients bound to it.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PolicyV1Api, ApiextensionsV1Api,
  EventsV1Api, KubernetesObjectApi } from "@kubernetes/client-node";
import { fileURLToPath } from "node:url";
import { startFakeApiServer, type FakeApiServer, type StartOptions } from "../fake-apiserver/index.js";

export const CRD_PATH = fileURLToPath(new URL("../../crds/natsclusters.skein.dev.yaml", import.meta.url));
export const SAMPLES_DIR = fileURLToPath(new URL("../../operator/deploy/samples/", import.meta.url));

export interface Harness {
  srv: FakeApiServer;
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  policy: PolicyV1Api;
  coordination: CoordinationV1Api;
  events: EventsV1Api;
  ext: ApiextensionsV1Api;
  custom: CustomObjectsApi;
  objects: KubernetesObjectApi;
}

export async function harness(opts: StartOptions = {}): Promise<Harness> {
  const srv = await startFakeApiServer(opts);
  const kc = new KubeConfig();
  kc.loadFromFile(srv.kubeconfigPath);
  return {
    srv, kc,
    core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api), policy: kc.makeApiClient(PolicyV1Api),
    coordination: kc.makeApiClient(CoordinationV1Api), events: kc.makeApiClient(EventsV1Api),
    ext: kc.makeApiClient(ApiextensionsV1Api), custom: kc.makeApiClient(CustomObjectsApi),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}

export interface StatusBody { kind?: string; status?: string; reason?: string; code?: number; message?: string;
  details?: { name?: string; kind?: string; group?: string; causes?: { field?: string; message?: string; reason?: string }[] } }

/** Runs `fn`, expects it to fail with an ApiException, and returns the HTTP code and parsed Status body. */
export async function failure(fn: () => Promise<unknown>): Promise<{ code: number; status: StatusBody }> {
  try {
    await fn();
  } catch (e) {
    const err = e as { code?: number; body?: unknown };
    if (typeof err.code !== "number") throw e;
    const body = typeof err.body === "string" ? JSON.parse(err.body) as StatusBody : (err.body ?? {}) as StatusBody;
    return { code: err.code, status: body };
  }
  throw new Error("expected the call to fail");
}

/** Polls `cond` until it returns a truthy value (generous timeout for a loaded machine). */
export async function waitFor<T>(what: string, cond: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw HTTP request to the server (for checks below the client library). */
export async function raw(srv: FakeApiServer, method: string, path: string, body?: unknown, contentType = "application/json",
  headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(srv.url + path, { method, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    headers: { "Content-Type": contentType, ...headers } });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) as Record<string, unknown> : {}, headers: res.headers };
}

/** Request options selecting a patch type (client-node defaults to JSON patch). */
export const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
export const STRATEGIC = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
export const JSON_PATCH = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch);
