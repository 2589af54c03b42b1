// Public entry of the fake Kubernetes API server used by the operator's tests and by kubectl.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { isObject, type JsonObject } from "./json.js";
import { storageKey } from "./registry.js";
import { FakeApiCore } from "./server.js";
import type { FaultControls, WriteFilter, WriteRecord } from "./faults.js";

export type { FaultControls, FaultRule, WriteFilter, WriteRecord } from "./faults.js";

export interface FakeApiServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** A kubeconfig file (context `fake`, namespace `default`, plain http) for kubectl and client-node. */
  kubeconfigPath: string;
  faults: FaultControls;
  /** Write requests (POST/PUT/PATCH/DELETE) received, whatever their outcome, matching the filter. */
  writeCount(filter?: WriteFilter): number;
  writes(): WriteRecord[];
  resetWriteCounts(): void;
  /** A stored object (a copy, in its storage shape), by group and plural; undefined when absent. */
  object(group: string, plural: string, namespace: string | undefined, name: string): JsonObject | undefined;
  objects(group: string, plural: string, namespace?: string): JsonObject[];
  /** The current global resourceVersion. */
  resourceVersion(): number;
  /** Number of watch streams currently open. */
  openWatches(): number;
  /** Creates objects from a YAML or JSON file (CRDs are established at once), as `kubectl create -f` would. */
  load(path: string): Promise<JsonObject[]>;
  stop(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  /** CRD YAML files to install before serving. */
  crds?: string[];
  /** How often watches with allowWatchBookmarks=true get a BOOKMARK (default 60000 ms). */
  bookmarkIntervalMs?: number;
}

export function kubeconfigYaml(url: string): string {
  return [
    "apiVersion: v1", "kind: Config", "preferences: {}",
    "clusters:", "- name: fake", "  cluster:", `    server: ${url}`,
    // client-node refuses plain http unless this is set; kubectl ignores it for http.
    "    insecure-skip-tls-verify: true",
    "users:", "- name: fake", "  user:", "    username: admin", "    password: admin",
    "contexts:", "- name: fake", "  context:", "    cluster: fake", "    user: fake", "    namespace: default",
    "current-context: fake", "",
  ].join("\n");
}

export async function startFakeApiServer(opts: StartOptions = {}): Promise<FakeApiServer> {
  const core = new FakeApiCore({ bookmarkIntervalMs: opts.bookmarkIntervalMs });
  const load = (path: string): JsonObject[] => {
    const out: JsonObject[] = [];
    for (const doc of parseAllDocuments(readFileSync(path, "utf8"))) {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message ?? "invalid YAML"}`);
      const o: unknown = doc.toJS();
      if (!isObject(o)) continue;
      const apiVersion = typeof o.apiVersion === "string" ? o.apiVersion : "";
      const t = core.registry.byKind(apiVersion, typeof o.kind === "string" ? o.kind : "");
      if (!t) throw new Error(`${path}: no resource for ${apiVersion} ${String(o.kind)}`);
      const ns = t.namespaced ? (isObject(o.metadata) && typeof o.metadata.namespace === "string" ? o.metadata.namespace : "default") : undefined;
      out.push(core.ops.create(t, ns, o).object);
    }
    return out;
  };
  for (const crd of opts.crds ?? []) load(crd);

  const server: Server = createServer((req, res) => { void core.handle(req, res); });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  core.serverAddress = `127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "fake-apiserver-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  writeFileSync(kubeconfigPath, kubeconfigYaml(url));

  const faults: FaultControls = {
    compact: () => core.store.compact(),
    dropWatches: (o) => core.watches.dropAll(o?.graceful ?? false),
    inject: (rule) => core.faults.add(rule),
    latency: (ms) => { core.faults.delayMs = ms; },
    clear: () => core.faults.clear(),
  };
  /** Where a group/resource is stored (events.k8s.io events live with core events, in the core shape). */
  const keyOf = (group: string, plural: string): string =>
    storageKey(core.registry.all().find((t) => t.group === group && t.plural === plural) ?? { group, plural });
  let stopped = false;
  return {
    url, kubeconfigPath, faults,
    writeCount: (f) => core.faults.count(f),
    writes: () => [...core.faults.writes],
    resetWriteCounts: () => core.faults.resetWrites(),
    object: (group, plural, ns, name) => core.store.get(keyOf(group, plural), ns, name),
    objects: (group, plural, ns) => core.store.list(keyOf(group, plural), ns),
    resourceVersion: () => core.store.currentRv(),
    openWatches: () => core.watches.count(),
    load: async (path) => load(path),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      core.gc.stop();
      core.watches.dropAll(true);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
