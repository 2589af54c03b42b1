// Legacy (non-aggregated) discovery documents: /version, /api, /api/v1, /apis, /apis/<group>/<version>.
import { ALL_VERBS, apiVersionOf, type Registry, type ResourceType } from "./registry.js";
import type { JsonObject } from "./json.js";

export function versionInfo(): JsonObject {
  return { major: "1", minor: "32", gitVersion: "v1.32.0", gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean", buildDate: "2024-12-11T00:00:00Z", goVersion: "go1.23.3", compiler: "gc", platform: "linux/amd64" };
}

export function coreVersions(serverAddress: string): JsonObject {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

export function groupList(registry: Registry): JsonObject {
  return { kind: "APIGroupList", apiVersion: "v1", groups: registry.groupVersions().filter((g) => g.group !== "").map((g) => groupOf(g.group, g.versions)) };
}

function groupOf(group: string, versions: string[]): JsonObject {
  const vs = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export function group(registry: Registry, name: string): JsonObject | undefined {
  const g = registry.groupVersions().find((x) => x.group === name);
  return g && name !== "" ? { kind: "APIGroup", apiVersion: "v1", ...groupOf(g.group, g.versions) } : undefined;
}

function verbsOf(t: ResourceType): string[] {
  return t.group === "" && t.plural === "namespaces" ? ALL_VERBS.filter((v) => v !== "deletecollection") : ALL_VERBS;
}

export function resourceList(registry: Registry, group: string, version: string): JsonObject | undefined {
  const types = registry.resourcesOf(group, version).sort((a, b) => a.plural.localeCompare(b.plural));
  if (types.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const t of types) {
    const r: JsonObject = { name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: verbsOf(t) };
    if (t.shortNames.length > 0) r.shortNames = t.shortNames;
    if (t.categories.length > 0) r.categories = t.categories;
    resources.push(r);
    if (t.scale) {
      resources.push({ name: `${t.plural}/scale`, singularName: "", namespaced: t.namespaced, group: "autoscaling", version: "v1",
        kind: "Scale", verbs: ["get", "patch", "update"] });
    }
    if (t.statusSubresource) {
      resources.push({ name: `${t.plural}/status`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: ["get", "patch", "update"] });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf({ group, version }), resources };
}
