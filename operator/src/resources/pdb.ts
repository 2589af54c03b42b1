// A PodDisruptionBudget that lets voluntary disruptions take one broker at a time.
import type { V1PodDisruptionBudget } from "@kubernetes/client-node";
import type { NatsCluster } from "../api/types.js";
import { selectorLabels } from "./labels.js";
import { childMeta, childNames } from "./meta.js";

export function buildPodDisruptionBudget(nc: NatsCluster): V1PodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: childMeta(nc, childNames(nc).pdb),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: selectorLabels(nc) },
    },
  };
}
