// Reconcile one NatsCluster: read it and its children from the informer cache, let the pure builders
// say what should exist, create what is missing, update only what differs, and write status through
// the status subresource only when it changed. A reconcile of an unchanged cluster writes nothing.
import { withDefaults } from "../api/defaults.js";
import { validateNatsCluster } from "../api/validate.js";
import { GROUP, KIND, PLURAL, VERSION, type NatsCluster } from "../api/types.js";
import { CONFIG_HASH_ANNOTATION, buildChildren, childNames, credentialsFromSecret, generateCredentials, selectorString, wantsGeneratedClientAuth, type Credentials } from "../resources/index.js";
import { differs, foreignController, prepareDesired, updateBody } from "./compare.js";
import type { EventRecorder } from "./events.js";
import { splitKey, type ChildKind, type InformerSet } from "./informers.js";
import { errorMessage, isAlreadyExists, isConflict, isNotFound, type CustomResourceInfo, type KubeApi, type KubeObject } from "./kube-api.js";
import { computeStatus, pausedStatus, statusDiffers, type ClusterStatus, type StatefulSetView } from "./status.js";
import type { Logger } from "../log.js";

export const NATS_CLUSTER: CustomResourceInfo = { group: GROUP, version: VERSION, plural: PLURAL, kind: KIND };

/** Thrown when this replica must not write (it lost, or never had, the leader Lease). */
export class NotLeaderError extends Error {
  constructor() { super("not the leader: refusing to write"); this.name = "NotLeaderError"; }
}

export interface ReconcilerOptions {
  api: KubeApi;
  cache: InformerSet;
  events: EventRecorder;
  log: Logger;
  defaultImage: string;
  /** False when this replica must stop acting (leader election); checked before every write. */
  canAct: () => boolean;
  /** Conflicts retried inside one reconcile before it fails and goes back to the queue. */
  conflictRetries?: number;
}

/** "deferred": left as it is for now (routes, while a scale down is in progress). */
type Action = "created" | "updated" | "unchanged" | "deferred";

/** What one reconcile did, for logs, metrics and tests. */
export interface ReconcileOutcome { skipped?: "not-found" | "deleting" | "paused" | "invalid"; actions: Array<{ kind: ChildKind; name: string; action: Action }> }

export class Reconciler {
  constructor(private readonly opts: ReconcilerOptions) {}

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const { namespace, name } = splitKey(key);
    const cached = this.opts.cache.getCluster(namespace, name);
    if (!cached) return { skipped: "not-found", actions: [] };
    const nc = cached as unknown as NatsCluster;
    if (nc.metadata.deletionTimestamp) return { skipped: "deleting", actions: [] };
    const spec = withDefaults(nc.spec ?? {});
    const previous = nc.status as ClusterStatus | undefined;
    if (spec.paused) {
      const next = pausedStatus(previous, nc.metadata.generation, new Date());
      if (statusDiffers(previous, next)) {
        await this.writeStatus(nc, next);
        await this.opts.events.record(cached, "Normal", "Paused", "reconciliation paused by spec.paused");
      }
      return { skipped: "paused", actions: [] };
    }
    const problems = validateNatsCluster(nc);
    if (problems.length > 0) {
      // Not retried: only a spec change can fix it, and that brings a new event.
      await this.reportFailure(nc, spec.size, spec.version, previous, new Error(problems.join("; ")), "InvalidSpec");
      return { skipped: "invalid", actions: [] };
    }
    try {
      return await this.apply(nc, cached, spec.size, spec.version, previous);
    } catch (err) {
      if (!(err instanceof NotLeaderError)) await this.reportFailure(nc, spec.size, spec.version, previous, err);
      throw err;
    }
  }

  private async apply(nc: NatsCluster, cached: KubeObject, size: number, version: string, previous: ClusterStatus | undefined): Promise<ReconcileOutcome> {
    const ns = nc.metadata.namespace ?? "default";
    const credentials = await this.credentials(nc, ns);
    const children = buildChildren(nc, { defaultImage: this.opts.defaultImage, credentials });
    const routes: Array<[ChildKind, object]> = [["Secret", children.credentialsSecret], ["ConfigMap", children.configMap]];
    const rest: Array<[ChildKind, object]> = [
      ["Service", children.headlessService],
      ["Service", children.clientService],
      ["StatefulSet", children.statefulSet],
      ["PodDisruptionBudget", children.podDisruptionBudget],
    ];
    // Scaling down, the StatefulSet goes first and removes the highest ordinals (each after lame
    // duck, in its preStop hook). The routes of the remaining pods (Secret routes.conf, ConfigMap)
    // are rewritten only once those pods are gone, so no broker drops a route to a peer that still
    // serves clients. Scaling up (or anything else), the routes go first.
    const liveSts = this.opts.cache.getChild("StatefulSet", ns, childNames(nc).statefulSet);
    const pods = liveSts ? Math.max(replicasOf(liveSts) ?? 0, statusReplicas(liveSts)) : 0;
    const scalingDown = pods > size;
    const plan = scalingDown ? [...rest, ...routes] : [...routes, ...rest];
    const outcome: ReconcileOutcome = { actions: [] };
    let sts: KubeObject | undefined;
    let ownerChecked = false;
    for (const [kind, built] of plan) {
      const desired = prepareDesired(kind, built);
      const childName = desired.metadata?.name ?? "";
      const cachedChild = this.opts.cache.getChild(kind, ns, childName);
      if (scalingDown && cachedChild && (kind === "Secret" || kind === "ConfigMap") && differs(kind, desired, cachedChild)) {
        outcome.actions.push({ kind, name: childName, action: "deferred" });
        continue;
      }
      if (!cachedChild && !ownerChecked) {
        // Creating children of a cluster that was just deleted would leave orphans for the GC:
        // confirm the owner still exists (one read, only when something is missing).
        if (!(await this.ownerStillExists(nc))) return { skipped: "deleting", actions: outcome.actions };
        ownerChecked = true;
      }
      const { object, action, before } = await this.ensure(kind, ns, desired, cachedChild);
      outcome.actions.push({ kind, name: childName, action });
      if (kind === "StatefulSet") sts = object;
      if (action !== "unchanged") await this.announce(cached, kind, childName, action, before, object);
    }
    const next = computeStatus({
      generation: nc.metadata.generation, size, version,
      selector: selectorString(nc),
      statefulSet: sts ? statefulSetView(sts) : undefined, previous, now: new Date(),
    });
    if (statusDiffers(previous, next)) await this.writeStatus(nc, next);
    const changed = outcome.actions.filter((a) => a.action !== "unchanged");
    if (scalingDown) this.opts.log.debug("scaling down: routes are rewritten once the removed pods are gone", { cluster: `${ns}/${nc.metadata.name ?? ""}`, pods, size });
    if (changed.length > 0) {
      this.opts.log.info("reconciled", { cluster: `${ns}/${nc.metadata.name ?? ""}`, changes: changed.map((a) => `${a.action} ${a.kind}/${a.name}`).join(", ") });
    }
    return outcome;
  }

  /**
   * Existing credentials win; only missing ones are generated. Before generating anything, read the
   * live Secret: the cache may lag our own last write, and new random values must never replace
   * credentials the brokers already use.
   */
  private async credentials(nc: NatsCluster, ns: string): Promise<Credentials> {
    const secretName = childNames(nc).secret;
    type SecretArg = Parameters<typeof credentialsFromSecret>[0];
    let existing = credentialsFromSecret(this.opts.cache.getChild("Secret", ns, secretName) as SecretArg);
    const missing = (c: Credentials | undefined): boolean => !c || (wantsGeneratedClientAuth(nc.spec) && !(c.clientUser && c.clientPassword));
    if (missing(existing)) {
      try {
        existing = credentialsFromSecret((await this.opts.api.secrets.read(ns, secretName)) as SecretArg);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return generateCredentials(nc.spec, existing);
  }

  private async ownerStillExists(nc: NatsCluster): Promise<boolean> {
    try {
      const live = (await this.opts.api.custom.getNamespacedCustomObject({
        group: GROUP, version: VERSION, plural: PLURAL, namespace: nc.metadata.namespace ?? "default", name: nc.metadata.name ?? "",
      })) as KubeObject;
      return live.metadata?.uid === nc.metadata.uid && !live.metadata?.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Create the child, or update it when it differs; conflicts are retried with a fresh read. */
  private async ensure(kind: ChildKind, ns: string, desired: KubeObject, cachedChild: KubeObject | undefined):
    Promise<{ object: KubeObject; action: Action; before?: KubeObject }> {
    const client = this.opts.cache.clientFor(kind);
    const name = desired.metadata?.name ?? "";
    let actual = cachedChild;
    const attempts = (this.opts.conflictRetries ?? 4) + 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (!actual) {
        this.guard();
        try {
          return { object: await client.create(ns, desired), action: "created" };
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          actual = await client.read(ns, name);
        }
      }
      if (!differs(kind, desired, actual)) return { object: actual, action: "unchanged" };
      const foreign = foreignController(desired, actual);
      if (foreign) throw new Error(foreign);
      this.guard();
      try {
        return { object: await client.replace(ns, name, updateBody(kind, desired, actual)), action: "updated", before: actual };
      } catch (err) {
        if (isNotFound(err)) { actual = undefined; continue; }
        if (!isConflict(err) || attempt === attempts - 1) throw err;
        actual = await readOrUndefined(() => client.read(ns, name));
      }
    }
    throw new Error(`${kind} ${ns}/${name}: gave up after ${attempts} conflicting writes`);
  }

  private async announce(owner: KubeObject, kind: ChildKind, name: string, action: Action, before: KubeObject | undefined, after: KubeObject): Promise<void> {
    const verb = action === "created" ? "Created" : "Updated";
    await this.opts.events.record(owner, "Normal", `${verb}${kind}`, `${verb.toLowerCase()} ${kind} ${name}`);
    if (kind !== "StatefulSet" || !before) return;
    const from = replicasOf(before), to = replicasOf(after);
    if (from !== undefined && to !== undefined && from !== to) {
      await this.opts.events.record(owner, "Normal", to > from ? "ScaledUp" : "ScaledDown", `StatefulSet ${name} scaled from ${from} to ${to} replicas`);
    }
    const hashBefore = configHashOf(before), hashAfter = configHashOf(after);
    if (hashBefore !== undefined && hashBefore !== hashAfter) {
      await this.opts.events.record(owner, "Normal", "RollingUpdate",
        `a setting that cannot be reloaded changed (config hash ${hashBefore} -> ${hashAfter ?? "none"}): the pods of StatefulSet ${name} roll`);
    }
  }

  private async writeStatus(nc: NatsCluster, status: ClusterStatus): Promise<void> {
    this.guard();
    // Merge-patch: fields we no longer compute are cleared by sending null for them.
    const body: Record<string, unknown> = { ...status };
    for (const k of Object.keys(nc.status ?? {})) if (!(k in body)) body[k] = null;
    await this.opts.api.patchCustomStatus(NATS_CLUSTER, nc.metadata.namespace ?? "default", nc.metadata.name ?? "", body);
  }

  /** Record the failure in status (Degraded=True) and as a Warning event; never masks the error. */
  private async reportFailure(nc: NatsCluster, size: number, version: string, previous: ClusterStatus | undefined, err: unknown,
    reason = "ReconcileFailed"): Promise<void> {
    const message = errorMessage(err);
    const ns = nc.metadata.namespace ?? "default";
    const sts = this.opts.cache.getChild("StatefulSet", ns, childNames(nc).statefulSet);
    const next = computeStatus({
      generation: nc.metadata.generation, size, version, selector: selectorString(nc),
      statefulSet: sts ? statefulSetView(sts) : undefined, previous, error: message, errorReason: reason, now: new Date(),
    });
    if (!this.opts.canAct()) return;
    try {
      if (statusDiffers(previous, next)) {
        await this.writeStatus(nc, next);
        await this.opts.events.record(nc as unknown as KubeObject, "Warning", reason, message);
      }
    } catch (statusErr) {
      this.opts.log.warn("could not write Degraded status", { cluster: `${ns}/${nc.metadata.name ?? ""}`, error: errorMessage(statusErr) });
    }
  }

  private guard(): void { if (!this.opts.canAct()) throw new NotLeaderError(); }
}

async function readOrUndefined(read: () => Promise<KubeObject>): Promise<KubeObject | undefined> {
  try { return await read(); } catch (err) { if (isNotFound(err)) return undefined; throw err; }
}

function replicasOf(obj: KubeObject): number | undefined {
  const r = (obj.spec as { replicas?: unknown } | undefined)?.replicas;
  return typeof r === "number" ? r : undefined;
}

function configHashOf(sts: KubeObject): string | undefined {
  const spec = sts.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined;
  return spec?.template?.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
}

function statusReplicas(obj: KubeObject): number {
  const r = (obj.status as { replicas?: unknown } | undefined)?.replicas;
  return typeof r === "number" ? r : 0;
}

function statefulSetView(obj: KubeObject): StatefulSetView {
  return {
    generation: obj.metadata?.generation,
    replicas: replicasOf(obj),
    status: (obj.status ?? {}) as StatefulSetView["status"],
  };
}
