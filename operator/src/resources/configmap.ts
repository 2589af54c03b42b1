// The ConfigMap with the broker configuration (skein.conf). It never holds a credential.
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { NatsCluster } from "../api/types.js";
import { CONFIG_KEY, renderBrokerConfig, type BrokerConfig } from "./config.js";
import { clusterName, clusterNamespace } from "./labels.js";
import { childMeta, childNames } from "./meta.js";

export function buildConfigMap(nc: NatsCluster, cfg: BrokerConfig): V1ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: childMeta(nc, childNames(nc).configMap),
    data: { [CONFIG_KEY]: renderBrokerConfig(cfg, `${clusterNamespace(nc)}/${clusterName(nc)}`) },
  };
}
