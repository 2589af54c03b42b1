// Pure status computation: the NatsCluster's status from its spec and its StatefulSet, with standard
// metav1.Conditions (Ready, Progressing, Degraded) whose lastTransitionTime moves only on a flip.
import { jsonEqual } from "./compare.js";
import { CONDITION_DEGRADED, CONDITION_PROGRESSING, CONDITION_READY } from "../api/types.js";

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** NatsClusterStatus as read from the server (plain JSON). */
export interface ClusterStatus {
  observedGeneration?: number;
  /** Broker pods that exist (the StatefulSet's status.replicas), read by the scale subresource. */
  size?: number;
  readyReplicas?: number;
  currentVersion?: string;
  /** The pods' label selector, for the scale subresource's labelSelectorPath. */
  selector?: string;
  conditions?: Condition[];
}

/** What the StatefulSet reports; all optional because a fresh object has no status yet. */
export interface StatefulSetView {
  generation?: number;
  replicas?: number;
  status?: { observedGeneration?: number; replicas?: number; readyReplicas?: number; updatedReplicas?: number;
    currentRevision?: string; updateRevision?: string };
}

/** metav1 time: RFC 3339 in whole seconds. */
export function metaTime(d: Date): string { return d.toISOString().replace(/\.\d{3}Z$/, "Z"); }

/** Set a condition in a list, keeping lastTransitionTime when the status did not change. */
export function setCondition(list: readonly Condition[], next: Omit<Condition, "lastTransitionTime">, now: Date): Condition[] {
  const prev = list.find((c) => c.type === next.type);
  const lastTransitionTime = prev && prev.status === next.status ? prev.lastTransitionTime : metaTime(now);
  const cond: Condition = { ...next, lastTransitionTime };
  return prev ? list.map((c) => (c.type === next.type ? cond : c)) : [...list, cond];
}

export interface StatusInput {
  generation: number | undefined;
  size: number;
  version: string | undefined;
  /** Label selector string of the pods. */
  selector: string;
  statefulSet: StatefulSetView | undefined;
  previous: ClusterStatus | undefined;
  /** Set when this reconcile failed. */
  error?: string;
  /** Degraded reason for `error`; default ReconcileFailed. */
  errorReason?: string;
  now: Date;
}

/** True when the StatefulSet has rolled out its latest spec and every replica is ready. */
function rolledOut(sts: StatefulSetView | undefined, size: number): boolean {
  if (!sts) return size === 0;
  const st = sts.status ?? {};
  const ready = st.readyReplicas ?? 0;
  if (ready !== size || (st.replicas !== undefined && st.replicas !== size)) return false;
  if (st.updatedReplicas !== undefined && st.updatedReplicas !== size) return false;
  if (st.observedGeneration !== undefined && sts.generation !== undefined && st.observedGeneration < sts.generation) return false;
  if (st.currentRevision && st.updateRevision && st.currentRevision !== st.updateRevision) return false;
  return true;
}

export function computeStatus(input: StatusInput): ClusterStatus {
  const { size, statefulSet: sts, previous, now } = input;
  const gen = input.generation;
  const ready = sts?.status?.readyReplicas ?? 0;
  const done = rolledOut(sts, size);
  const running = sts?.status?.replicas ?? 0;
  let conditions = previous?.conditions ?? [];
  conditions = setCondition(conditions, ready >= size
    ? { type: CONDITION_READY, status: "True", reason: "AllReplicasReady", message: `${ready}/${size} replicas ready`, observedGeneration: gen }
    : { type: CONDITION_READY, status: "False", reason: "ReplicasNotReady", message: `${ready}/${size} replicas ready`, observedGeneration: gen }, now);
  if (done) {
    conditions = setCondition(conditions, { type: CONDITION_PROGRESSING, status: "False", reason: "RolloutComplete",
      message: "all replicas run the current spec and are ready", observedGeneration: gen }, now);
  } else {
    const pods = Math.max(running, ready);
    const reason = pods < size ? "ScalingUp" : pods > size ? "ScalingDown" : "RollingUpdate";
    conditions = setCondition(conditions, { type: CONDITION_PROGRESSING, status: "True", reason,
      message: `${ready}/${size} replicas ready, rollout in progress`, observedGeneration: gen }, now);
  }
  conditions = setCondition(conditions, input.error !== undefined
    ? { type: CONDITION_DEGRADED, status: "True", reason: input.errorReason ?? "ReconcileFailed", message: input.error, observedGeneration: gen }
    : { type: CONDITION_DEGRADED, status: "False", reason: "ReconcileSucceeded", message: "all children match the spec", observedGeneration: gen }, now);
  const currentVersion = done && input.error === undefined ? input.version : previous?.currentVersion;
  return {
    observedGeneration: input.error !== undefined ? previous?.observedGeneration : gen,
    size: running,
    readyReplicas: ready,
    selector: input.selector,
    ...(currentVersion !== undefined ? { currentVersion } : {}),
    conditions,
  };
}

/** Status of a paused cluster: everything as it was, plus Progressing=False/Paused. */
export function pausedStatus(previous: ClusterStatus | undefined, generation: number | undefined, now: Date): ClusterStatus {
  // Said once: later spec edits while paused do not rewrite the condition.
  const current = previous?.conditions?.find((c) => c.type === CONDITION_PROGRESSING);
  if (current?.status === "False" && current.reason === "Paused") return { ...previous };
  return {
    ...previous,
    conditions: setCondition(previous?.conditions ?? [], { type: CONDITION_PROGRESSING, status: "False", reason: "Paused",
      message: "reconciliation is paused by spec.paused; children are left as they are", observedGeneration: generation }, now),
  };
}

/** True when writing `next` would change the stored status. */
export function statusDiffers(previous: ClusterStatus | undefined, next: ClusterStatus): boolean {
  return !jsonEqual(previous ?? {}, next);
}
