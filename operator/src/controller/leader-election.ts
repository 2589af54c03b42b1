// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules: a candidate takes the
// Lease only when it is free or its record has not changed for leaseDurationSeconds (measured on our
// own clock from when we first saw that record, so clock skew does not matter); the leader renews
// every retry period and stops acting at once when no renew succeeded within the renew deadline.
// renewDeadline < leaseDuration guarantees two replicas never act together.
import { backoffDelay, sleep } from "./backoff.js";
import { errorMessage, isAlreadyExists, isConflict, isNotFound, type KubeApi, type KubeObject } from "./kube-api.js";
import type { Logger } from "../log.js";

export interface LeaderElectionOptions {
  api: KubeApi;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(d: Date): string { return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z"); }

export class LeaderElector {
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private leading = false;
  private stopped = true;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private observedRecord = "";
  private observedAt = 0;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    if (this.leaseDurationMs < 1000) throw new RangeError("leaseDurationMs must be at least 1000 (the Lease counts whole seconds)");
    if (!(this.renewDeadlineMs < this.leaseDurationMs)) throw new RangeError("renewDeadlineMs must be less than leaseDurationMs");
    if (!(this.retryPeriodMs < this.renewDeadlineMs)) throw new RangeError("retryPeriodMs must be less than renewDeadlineMs");
    if (!opts.identity) throw new Error("leader election needs an identity (POD_NAME or --leader-identity)");
  }

  isLeader(): boolean { return this.leading; }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Stop campaigning; a leader stops acting first, then releases the Lease so a peer takes over at once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    await this.loop;
    const wasLeader = this.leading;
    this.loseLeadership("stopping");
    if (wasLeader) await this.release();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const sentAt = Date.now();
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew(new Date(sentAt));
        failures = 0;
      } catch (err) {
        this.opts.log.warn("leader election: lease request failed", { lease: this.leaseRef(), error: errorMessage(err) });
        failures++;
      }
      if (this.stopped) break;
      if (ok) {
        // The deadline counts from when the renew was sent: a slow reply must not stretch it.
        const deadline = sentAt + this.renewDeadlineMs - Date.now();
        if (deadline > 0) {
          this.armDeadline(deadline);
          if (!this.leading) {
            this.leading = true;
            this.opts.log.info("leader election: became leader", { lease: this.leaseRef(), identity: this.opts.identity });
            this.opts.onStartedLeading();
          }
        }
      }
      const wait = failures > 0 ? Math.min(this.retryPeriodMs, backoffDelay(failures - 1, { baseMs: this.retryPeriodMs / 4, maxMs: this.retryPeriodMs })) : this.retryPeriodMs;
      await sleep(wait, this.abort.signal);
    }
  }

  private armDeadline(ms: number): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => this.loseLeadership("renew deadline passed"), ms);
  }

  private loseLeadership(why: string): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    if (!this.leading) return;
    this.leading = false;
    this.opts.log.warn("leader election: stopped leading", { lease: this.leaseRef(), reason: why });
    this.opts.onStoppedLeading();
  }

  private leaseRef(): string { return `${this.opts.namespace}/${this.opts.name}`; }

  /** One round: create, renew or take over the Lease. True when we hold it afterwards. */
  private async tryAcquireOrRenew(now: Date): Promise<boolean> {
    const { api, namespace, name, identity } = this.opts;
    const leaseSeconds = Math.ceil(this.leaseDurationMs / 1000);
    let lease: KubeObject;
    try {
      lease = await api.leases.read(namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const spec: LeaseSpec = { holderIdentity: identity, leaseDurationSeconds: leaseSeconds,
        acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
      try {
        await api.leases.create(namespace, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec });
      } catch (createErr) {
        if (isAlreadyExists(createErr)) return false;
        throw createErr;
      }
      this.observe(spec);
      return true;
    }
    const spec = (lease.spec ?? {}) as LeaseSpec;
    this.observe(spec);
    const holder = spec.holderIdentity ?? "";
    const held = holder !== "" && holder !== identity;
    const durationMs = (spec.leaseDurationSeconds ?? leaseSeconds) * 1000;
    if (held && this.observedAt + durationMs > Date.now()) return false;
    const next: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: leaseSeconds,
      acquireTime: holder === identity && spec.acquireTime ? spec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: holder === identity ? spec.leaseTransitions ?? 0 : (spec.leaseTransitions ?? 0) + 1,
    };
    try {
      await api.leases.replace(namespace, name, { ...lease, spec: next } as KubeObject);
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
    this.observe(next);
    return true;
  }

  private observe(spec: LeaseSpec): void {
    const key = JSON.stringify([spec.holderIdentity ?? "", spec.renewTime ?? "", spec.leaseTransitions ?? 0]);
    if (key !== this.observedRecord) {
      this.observedRecord = key;
      this.observedAt = Date.now();
    }
  }

  /** Give the Lease up so that a peer need not wait for it to expire. */
  private async release(): Promise<void> {
    const { api, namespace, name, identity } = this.opts;
    try {
      const lease = await api.leases.read(namespace, name);
      const spec = (lease.spec ?? {}) as LeaseSpec;
      if (spec.holderIdentity !== identity) return;
      const now = microTime(new Date());
      await api.leases.replace(namespace, name, { ...lease, spec: { ...spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now, acquireTime: now } } as KubeObject);
      this.opts.log.info("leader election: released the lease", { lease: this.leaseRef() });
    } catch (err) {
      this.opts.log.warn("leader election: could not release the lease; peers wait for it to expire", { lease: this.leaseRef(), error: errorMessage(err) });
    }
  }
}
