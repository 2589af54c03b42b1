// The headless Service (stable pod DNS names for the routes, ready or not) and the client Service.
import type { V1Service, V1ServicePort } from "@kubernetes/client-node";
import type { NatsCluster } from "../api/types.js";
import { CLIENT_PORT, CLUSTER_PORT, MONITOR_PORT } from "./config.js";
import { selectorLabels } from "./labels.js";
import { childMeta, childNames } from "./meta.js";

function servicePort(name: string, port: number): V1ServicePort {
  return { name, port, targetPort: port, protocol: "TCP" };
}

export function buildHeadlessService(nc: NatsCluster): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMeta(nc, childNames(nc).headless),
    spec: {
      type: "ClusterIP",
      clusterIP: "None",
      // Brokers must find each other before they are ready, or a new cluster never forms.
      publishNotReadyAddresses: true,
      selector: selectorLabels(nc),
      ports: [servicePort("client", CLIENT_PORT), servicePort("cluster", CLUSTER_PORT), servicePort("monitor", MONITOR_PORT)],
    },
  };
}

/** Clients connect on 4222; the named port "monitor" (8222) is there for a ServiceMonitor. */
export function buildClientService(nc: NatsCluster): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMeta(nc, childNames(nc).client),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(nc),
      ports: [servicePort("client", CLIENT_PORT), servicePort("monitor", MONITOR_PORT)],
    },
  };
}
