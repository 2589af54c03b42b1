// The NatsCluster API (skein.dev/v1alpha1), mirroring crds/natsclusters.skein.dev.yaml.
// Field names follow the older nats-operator's NatsCluster (nats.io/v1alpha2) where they exist.
import type {
  V1Condition,
  V1ObjectMeta,
  V1ResourceRequirements,
  V1Toleration,
  V1TopologySpreadConstraint,
} from "@kubernetes/client-node";

export const GROUP = "skein.dev";
export const VERSION = "v1alpha1";
export const PLURAL = "natsclusters";
export const SINGULAR = "natscluster";
export const KIND = "NatsCluster";
export const SHORT_NAME = "nats";
export const API_VERSION = `${GROUP}/${VERSION}`;

export interface NatsCluster {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
  spec: NatsClusterSpec;
  status?: NatsClusterStatus;
}

export interface NatsClusterList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: NatsCluster[];
}

export interface NatsClusterSpec {
  /** Number of brokers (CRD default 3). */
  size?: number;
  /** Broker version, semver without "v" (CRD default "2.9.10"); the image tag with serverImage. */
  version?: string;
  /** Image repository without a tag; empty means the operator's default image. */
  serverImage?: string;
  natsConfig?: NatsConfig;
  auth?: AuthConfig;
  tls?: TLSConfig;
  pod?: PodPolicy;
  /** Lame duck duration in seconds (CRD default 30, minimum 30 as in nats-server). */
  lameDuckDurationSeconds?: number;
  noAdvertise?: boolean;
  extraRoutes?: ExtraRoute[];
  paused?: boolean;
}

/** Broker settings; only the ones set are written to the config. All are reloadable. */
export interface NatsConfig {
  debug?: boolean;
  trace?: boolean;
  maxConnections?: number;
  maxSubscriptions?: number;
  maxPayload?: number;
  maxPending?: number;
  maxControlLine?: number;
  /** Go duration, e.g. "10s". */
  writeDeadline?: string;
  /** The older nats-operator's spelling of writeDeadline; writeDeadline wins. */
  write_deadline?: string;
  /** Go duration, e.g. "2m". */
  pingInterval?: string;
  disableLogtime?: boolean;
}

/** Client authentication. Present means on; credentials from clientsAuthSecret or generated. */
export interface AuthConfig {
  clientsAuthSecret?: string;
  /** CRD default "user". */
  clientsAuthSecretUserKey?: string;
  /** CRD default "password". */
  clientsAuthSecretPasswordKey?: string;
  /** Seconds a client has to authenticate. */
  clientsAuthTimeout?: number;
}

export interface TLSConfig {
  serverSecret?: string;
  serverSecretCAFileName?: string;
  serverSecretCertFileName?: string;
  serverSecretKeyFileName?: string;
  routesSecret?: string;
  routesSecretCAFileName?: string;
  routesSecretCertFileName?: string;
  routesSecretKeyFileName?: string;
  clientsTLSTimeout?: number;
  routesTLSTimeout?: number;
  verify?: boolean;
}

export interface PodPolicy {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  resources?: V1ResourceRequirements;
  antiAffinity?: boolean;
  topologySpreadConstraints?: V1TopologySpreadConstraint[];
}

/** Exactly one of cluster (a NatsCluster in the same namespace) and route (a URL). */
export interface ExtraRoute {
  cluster?: string;
  route?: string;
}

export const CONDITION_READY = "Ready";
export const CONDITION_PROGRESSING = "Progressing";
export const CONDITION_DEGRADED = "Degraded";
export type ConditionType = typeof CONDITION_READY | typeof CONDITION_PROGRESSING | typeof CONDITION_DEGRADED;

/**
 * A meta/v1 Condition. Objects read from the API server are plain JSON, so lastTransitionTime is
 * an RFC 3339 string there; client-node's V1Condition (with a Date) is assignable to this type.
 */
export type NatsClusterCondition = Omit<V1Condition, "lastTransitionTime"> & { lastTransitionTime: string | Date };

export interface NatsClusterStatus {
  observedGeneration?: number;
  /** Broker pods that exist (the StatefulSet's status.replicas); the scale subresource reads it. */
  size?: number;
  readyReplicas?: number;
  currentVersion?: string;
  /** The pods' label selector as a string, for the scale subresource (labelSelectorPath). */
  selector?: string;
  /** Ready, Progressing and Degraded. */
  conditions?: NatsClusterCondition[];
}
