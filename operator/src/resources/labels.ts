// The app.kubernetes.io/* labels every child carries, and the fixed subset used in selectors.
import type { NatsCluster } from "../api/types.js";
import { withDefaults } from "../api/defaults.js";

export const LABEL_NAME = "app.kubernetes.io/name";
export const LABEL_INSTANCE = "app.kubernetes.io/instance";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_VERSION = "app.kubernetes.io/version";

export const APP_NAME = "skein";
export const COMPONENT = "broker";
export const MANAGED_BY = "skein-operator";

/** The labels selectors use. They never change for a cluster (StatefulSet selectors are immutable). */
export function selectorLabels(nc: NatsCluster): Record<string, string> {
  return { [LABEL_NAME]: APP_NAME, [LABEL_INSTANCE]: clusterName(nc), [LABEL_COMPONENT]: COMPONENT };
}

/** selectorLabels as a label selector string, for status.selector (the scale subresource). */
export function selectorString(nc: NatsCluster): string {
  return Object.entries(selectorLabels(nc)).map(([k, v]) => `${k}=${v}`).join(",");
}

/** Every label a child carries: the selector labels plus managed-by and version. */
export function commonLabels(nc: NatsCluster): Record<string, string> {
  return {
    ...selectorLabels(nc),
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_VERSION]: withDefaults(nc.spec).version,
  };
}

export function clusterName(nc: NatsCluster): string {
  const name = nc.metadata.name;
  if (!name) throw new Error("NatsCluster has no metadata.name");
  return name;
}

export function clusterNamespace(nc: NatsCluster): string {
  const ns = nc.metadata.namespace;
  if (!ns) throw new Error(`NatsCluster ${nc.metadata.name ?? "<unnamed>"} has no metadata.namespace`);
  return ns;
}
