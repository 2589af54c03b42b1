// The resource types the fake serves: the built-in ones and those that installed CRDs define.
import type { JsonObject } from "./json.js";

export interface ScaleSpec { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string }
export interface PrinterColumn { name: string; type: string; jsonPath: string; description?: string; format?: string; priority?: number }

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Has a `/status` subresource: main writes keep status, status writes keep everything else. */
  statusSubresource: boolean;
  scale?: ScaleSpec;
  /** Stored under another group/resource (events.k8s.io events live with core events). */
  storage?: { group: string; plural: string };
  /** Which part bumps metadata.generation when it changes: `spec`, everything but metadata/status, or nothing. */
  generation: "spec" | "content" | "none";
  /** For custom resources: the CRD's schema and printer columns for this version. */
  custom?: { crdName: string; schema?: JsonObject; printerColumns: PrinterColumn[]; preserveUnknownAtRoot: boolean };
}

export const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** Storage is shared across versions of one group/resource. */
export function storageKey(t: { group: string; plural: string; storage?: { group: string; plural: string } }): string {
  const s = t.storage ?? t;
  return `${s.group}|${s.plural}`;
}

export function apiVersionOf(t: { group: string; version: string }): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

function builtin(group: string, version: string, plural: string, kind: string, namespaced: boolean,
  extra: Partial<ResourceType> = {}): ResourceType {
  return { group, version, plural, singular: kind.toLowerCase(), kind, namespaced, shortNames: [], categories: [],
    statusSubresource: false, generation: "none", ...extra };
}

export const BUILTIN_TYPES: ResourceType[] = [
  builtin("", "v1", "namespaces", "Namespace", false, { shortNames: ["ns"], statusSubresource: true }),
  builtin("", "v1", "configmaps", "ConfigMap", true, { shortNames: ["cm"] }),
  builtin("", "v1", "secrets", "Secret", true),
  builtin("", "v1", "services", "Service", true, { shortNames: ["svc"], categories: ["all"], statusSubresource: true }),
  builtin("", "v1", "pods", "Pod", true, { shortNames: ["po"], categories: ["all"], statusSubresource: true }),
  builtin("", "v1", "events", "Event", true, { shortNames: ["ev"] }),
  builtin("apps", "v1", "statefulsets", "StatefulSet", true, { shortNames: ["sts"], categories: ["all"],
    statusSubresource: true, generation: "spec",
    scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".spec.selector" } }),
  builtin("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, { shortNames: ["pdb"],
    statusSubresource: true, generation: "spec" }),
  builtin("", "v1", "serviceaccounts", "ServiceAccount", true, { shortNames: ["sa"] }),
  builtin("apps", "v1", "deployments", "Deployment", true, { shortNames: ["deploy"], categories: ["all"],
    statusSubresource: true, generation: "spec",
    scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".spec.selector" } }),
  builtin("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
  builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
  builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
  builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
  builtin("coordination.k8s.io", "v1", "leases", "Lease", true),
  builtin("events.k8s.io", "v1", "events", "Event", true, { shortNames: ["ev"], storage: { group: "", plural: "events" } }),
  builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false,
    { shortNames: ["crd", "crds"], categories: ["api-extensions"], statusSubresource: true, generation: "spec" }),
];

export class Registry {
  private readonly types = new Map<string, ResourceType>();

  constructor() {
    for (const t of BUILTIN_TYPES) this.add(t);
  }

  private key(group: string, version: string, plural: string): string {
    return `${group}/${version}/${plural}`;
  }

  add(t: ResourceType): void {
    this.types.set(this.key(t.group, t.version, t.plural), t);
  }

  /** Drops every version a CRD defined. */
  removeCrd(crdName: string): void {
    for (const [k, t] of this.types) if (t.custom?.crdName === crdName) this.types.delete(k);
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.get(this.key(group, version, plural));
  }

  /** Any served version of a group/resource, for the store's cross-version needs (GC, namespaces). */
  anyVersion(group: string, plural: string): ResourceType | undefined {
    for (const t of this.types.values()) if (t.group === group && t.plural === plural && !t.storage) return t;
    return undefined;
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    for (const t of this.types.values()) if (apiVersionOf(t) === apiVersion && t.kind === kind) return t;
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  /** Group versions in discovery order: core first, then groups by name. */
  groupVersions(): { group: string; versions: string[] }[] {
    const m = new Map<string, string[]>();
    for (const t of this.types.values()) {
      const vs = m.get(t.group) ?? [];
      if (!vs.includes(t.version)) vs.push(t.version);
      m.set(t.group, vs);
    }
    return [...m.entries()].sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b)))
      .map(([group, versions]) => ({ group, versions: versions.sort(compareVersions) }));
  }

  resourcesOf(group: string, version: string): ResourceType[] {
    return this.all().filter((t) => t.group === group && t.version === version);
  }
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    const stage = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [sa, ma, na] = parse(a);
  const [sb, mb, nb] = parse(b);
  return sb - sa || mb - ma || nb - na;
}
