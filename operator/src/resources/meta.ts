// Names of the children, their ownerReference and their common metadata.
import type { V1ObjectMeta, V1OwnerReference } from "@kubernetes/client-node";
import { API_VERSION, KIND, type NatsCluster } from "../api/types.js";
import { clusterName, clusterNamespace, commonLabels } from "./labels.js";

export interface ChildNames {
  configMap: string;
  secret: string;
  headless: string;
  client: string;
  statefulSet: string;
  pdb: string;
}

export function childNames(nc: NatsCluster): ChildNames {
  const name = clusterName(nc);
  return {
    configMap: `${name}-config`,
    secret: `${name}-credentials`,
    headless: `${name}-headless`,
    client: name,
    statefulSet: name,
    pdb: name,
  };
}

/** The headless Service of another cluster in the same namespace (for extraRoutes). */
export function headlessServiceName(clusterName: string): string {
  return `${clusterName}-headless`;
}

export function ownerReference(nc: NatsCluster): V1OwnerReference {
  const uid = nc.metadata.uid;
  if (!uid) throw new Error(`NatsCluster ${clusterName(nc)} has no metadata.uid; build children only from stored objects`);
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: clusterName(nc),
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Metadata of a child: its name, the cluster's namespace, the labels and the ownerReference. */
export function childMeta(nc: NatsCluster, name: string): V1ObjectMeta {
  return {
    name,
    namespace: clusterNamespace(nc),
    labels: commonLabels(nc),
    ownerReferences: [ownerReference(nc)],
  };
}
