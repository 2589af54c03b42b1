// The StatefulSet that runs the brokers, with the config reloader beside each one.
import type {
  V1Affinity,
  V1Container,
  V1EnvVar,
  V1Probe,
  V1SecurityContext,
  V1StatefulSet,
  V1TopologySpreadConstraint,
  V1Volume,
  V1VolumeMount,
} from "@kubernetes/client-node";
import type { NatsCluster } from "../api/types.js";
import { TERMINATION_GRACE_EXTRA_SECONDS, withDefaults, type DefaultedSpec } from "../api/defaults.js";
import {
  CLIENT_PORT,
  CLUSTER_PORT,
  CONFIG_DIR,
  CONFIG_KEY,
  CONFIG_PATH,
  ENV,
  MONITOR_PORT,
  PID_DIR,
  PID_FILE,
  ROUTES_KEY,
  TLS_CLIENT_DIR,
  TLS_ROUTES_DIR,
} from "./config.js";
import { commonLabels, selectorLabels } from "./labels.js";
import { childMeta, childNames } from "./meta.js";
import { SECRET_KEYS } from "./secret.js";

export const CONFIG_HASH_ANNOTATION = "skein.dev/config-hash";
export const BROKER_CONTAINER = "skein";
export const RELOADER_CONTAINER = "config-reloader";
export const RUN_AS_USER = 1000;
/** Read for owner and group only; the pods run with fsGroup RUN_AS_USER. */
const SECRET_FILE_MODE = 0o440;

/** `serverImage:version` when the spec names an image, else the operator's default image. */
export function brokerImage(nc: NatsCluster, defaultImage: string): string {
  const spec = withDefaults(nc.spec);
  if (spec.serverImage) return `${spec.serverImage}:${spec.version}`;
  if (!defaultImage) throw new Error("no broker image: spec.serverImage is empty and the operator has no default image");
  return defaultImage;
}

function fieldEnv(name: string, fieldPath: string): V1EnvVar {
  return { name, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath } } };
}

function secretEnv(name: string, secret: string, key: string): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

function brokerEnv(nc: NatsCluster, spec: DefaultedSpec): V1EnvVar[] {
  const secret = childNames(nc).secret;
  const env = [
    fieldEnv(ENV.podName, "metadata.name"),
    fieldEnv(ENV.podNamespace, "metadata.namespace"),
    secretEnv(ENV.routeUser, secret, SECRET_KEYS.routeUser),
    secretEnv(ENV.routePassword, secret, SECRET_KEYS.routePassword),
  ];
  const auth = spec.auth;
  if (auth?.clientsAuthSecret) {
    env.push(secretEnv(ENV.clientUser, auth.clientsAuthSecret, auth.clientsAuthSecretUserKey));
    env.push(secretEnv(ENV.clientPassword, auth.clientsAuthSecret, auth.clientsAuthSecretPasswordKey));
  } else if (auth) {
    env.push(secretEnv(ENV.clientUser, secret, SECRET_KEYS.clientUser));
    env.push(secretEnv(ENV.clientPassword, secret, SECRET_KEYS.clientPassword));
  }
  return env;
}

function healthProbe(periodSeconds: number, failureThreshold: number): V1Probe {
  return {
    httpGet: { path: "/healthz", port: MONITOR_PORT, scheme: "HTTP" },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold,
    successThreshold: 1,
  };
}

function containerSecurity(): V1SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

// Lame duck mode, then wait until the broker has exited: the kubelet sends SIGTERM as soon as
// preStop returns, which would cut lame duck short.
const preStopScript =
  `skein-server --signal ldm=${PID_FILE}; ` +
  `while kill -0 "$(cat ${PID_FILE} 2>/dev/null)" 2>/dev/null; do sleep 1; done`;

function volumesAndMounts(nc: NatsCluster, spec: DefaultedSpec): { volumes: V1Volume[]; broker: V1VolumeMount[]; reloader: V1VolumeMount[] } {
  const names = childNames(nc);
  const volumes: V1Volume[] = [
    {
      // One directory for skein.conf (ConfigMap) and routes.conf (Secret), which skein.conf includes.
      name: "config",
      projected: {
        defaultMode: SECRET_FILE_MODE,
        sources: [
          { configMap: { name: names.configMap, items: [{ key: CONFIG_KEY, path: CONFIG_KEY }] } },
          { secret: { name: names.secret, items: [{ key: ROUTES_KEY, path: ROUTES_KEY }] } },
        ],
      },
    },
    { name: "pid", emptyDir: {} },
  ];
  const sharedMounts = (): V1VolumeMount[] => [
    { name: "config", mountPath: CONFIG_DIR, readOnly: true },
    { name: "pid", mountPath: PID_DIR },
  ];
  const broker = sharedMounts();
  if (spec.tls?.serverSecret) {
    volumes.push({ name: "tls-client", secret: { secretName: spec.tls.serverSecret, defaultMode: SECRET_FILE_MODE } });
    broker.push({ name: "tls-client", mountPath: TLS_CLIENT_DIR, readOnly: true });
  }
  if (spec.tls?.routesSecret) {
    volumes.push({ name: "tls-routes", secret: { secretName: spec.tls.routesSecret, defaultMode: SECRET_FILE_MODE } });
    broker.push({ name: "tls-routes", mountPath: TLS_ROUTES_DIR, readOnly: true });
  }
  return { volumes, broker, reloader: sharedMounts() };
}

function affinity(nc: NatsCluster, spec: DefaultedSpec): V1Affinity | undefined {
  if (!spec.pod?.antiAffinity) return undefined;
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selectorLabels(nc) } },
        },
      ],
    },
  };
}

function spreadConstraints(nc: NatsCluster, spec: DefaultedSpec): V1TopologySpreadConstraint[] | undefined {
  const list = spec.pod?.topologySpreadConstraints;
  if (!list || list.length === 0) return undefined;
  return list.map((c) => (c.labelSelector ? c : { ...c, labelSelector: { matchLabels: selectorLabels(nc) } }));
}

/** The user's pod labels, then ours; a user label with one of our keys is dropped. */
function podLabels(nc: NatsCluster, user: Record<string, string> | undefined): Record<string, string> {
  const ours = commonLabels(nc);
  const kept = Object.entries(user ?? {}).filter(([k]) => !(k in ours));
  return { ...Object.fromEntries(kept), ...ours };
}

export function buildStatefulSet(nc: NatsCluster, defaultImage: string, configHash: string): V1StatefulSet {
  const spec = withDefaults(nc.spec);
  const names = childNames(nc);
  const image = brokerImage(nc, defaultImage);
  const mounts = volumesAndMounts(nc, spec);
  const pod = spec.pod ?? {};

  const broker: V1Container = {
    name: BROKER_CONTAINER,
    image,
    imagePullPolicy: "IfNotPresent",
    args: ["--config", CONFIG_PATH],
    ports: [
      { name: "client", containerPort: CLIENT_PORT, protocol: "TCP" },
      { name: "cluster", containerPort: CLUSTER_PORT, protocol: "TCP" },
      { name: "monitor", containerPort: MONITOR_PORT, protocol: "TCP" },
    ],
    env: brokerEnv(nc, spec),
    startupProbe: healthProbe(2, 90),
    readinessProbe: healthProbe(5, 3),
    livenessProbe: healthProbe(30, 3),
    lifecycle: { preStop: { exec: { command: ["sh", "-c", preStopScript] } } },
    securityContext: containerSecurity(),
    volumeMounts: mounts.broker,
  };
  if (pod.resources) broker.resources = pod.resources;

  const reloader: V1Container = {
    name: RELOADER_CONTAINER,
    image,
    imagePullPolicy: "IfNotPresent",
    command: ["skein-config-reloader", "--config", CONFIG_PATH, "--pid-file", PID_FILE],
    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
    securityContext: containerSecurity(),
    volumeMounts: mounts.reloader,
  };

  const podAffinity = affinity(nc, spec);
  const spread = spreadConstraints(nc, spec);
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: childMeta(nc, names.statefulSet),
    spec: {
      replicas: spec.size,
      serviceName: names.headless,
      podManagementPolicy: "Parallel",
      updateStrategy: { type: "RollingUpdate" },
      selector: { matchLabels: selectorLabels(nc) },
      template: {
        metadata: {
          labels: podLabels(nc, pod.labels),
          annotations: { ...pod.annotations, [CONFIG_HASH_ANNOTATION]: configHash },
        },
        spec: {
          // The reloader signals the broker by the pid in the pid file.
          shareProcessNamespace: true,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: spec.lameDuckDurationSeconds + TERMINATION_GRACE_EXTRA_SECONDS,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            fsGroup: RUN_AS_USER,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [broker, reloader],
          volumes: mounts.volumes,
          ...(pod.nodeSelector ? { nodeSelector: pod.nodeSelector } : {}),
          ...(pod.tolerations ? { tolerations: pod.tolerations } : {}),
          ...(podAffinity ? { affinity: podAffinity } : {}),
          ...(spread ? { topologySpreadConstraints: spread } : {}),
        },
      },
    },
  };
}
