// Pure builders: a NatsCluster in, the desired children out. Deterministic and without I/O, except
// generateCredentials (random).
import type { V1ConfigMap, V1PodDisruptionBudget, V1Secret, V1Service, V1StatefulSet } from "@kubernetes/client-node";
import type { NatsCluster } from "../api/types.js";
import { brokerConfig, configHash } from "./config.js";
import { buildConfigMap } from "./configmap.js";
import { buildPodDisruptionBudget } from "./pdb.js";
import { buildCredentialsSecret, wantsGeneratedClientAuth, type Credentials } from "./secret.js";
import { buildClientService, buildHeadlessService } from "./services.js";
import { buildStatefulSet } from "./statefulset.js";

export { childNames, ownerReference, type ChildNames } from "./meta.js";
export { selectorLabels, selectorString, commonLabels } from "./labels.js";
export { generateCredentials, credentialsFromSecret, wantsGeneratedClientAuth, type Credentials } from "./secret.js";
export { brokerConfig, configHash, renderBrokerConfig, renderRoutesFile, routeUrls, type BrokerConfig } from "./config.js";
export { CONFIG_HASH_ANNOTATION, brokerImage } from "./statefulset.js";

export interface BuildContext {
  defaultImage: string;
  credentials: Credentials;
}

export interface Children {
  configMap: V1ConfigMap;
  credentialsSecret: V1Secret;
  headlessService: V1Service;
  clientService: V1Service;
  statefulSet: V1StatefulSet;
  podDisruptionBudget: V1PodDisruptionBudget;
}

export function buildChildren(source: NatsCluster, ctx: BuildContext): Children {
  // The children share no object with the caller's NatsCluster (pod labels, tolerations, ...).
  const nc = structuredClone(source);
  if (wantsGeneratedClientAuth(nc.spec) && !(ctx.credentials.clientUser && ctx.credentials.clientPassword)) {
    throw new Error("spec.auth wants generated client credentials, but the credentials have none: " +
      "pass them through generateCredentials(spec, existing) first");
  }
  const cfg = brokerConfig(nc);
  return {
    configMap: buildConfigMap(nc, cfg),
    credentialsSecret: buildCredentialsSecret(nc, ctx.credentials),
    headlessService: buildHeadlessService(nc),
    clientService: buildClientService(nc),
    statefulSet: buildStatefulSet(nc, ctx.defaultImage, configHash(cfg)),
    podDisruptionBudget: buildPodDisruptionBudget(nc),
  };
}
