// A work queue keyed by "namespace/name", in the manner of client-go's workqueue:
// - a key added many times before a worker takes it is processed once (duplicates collapse);
// - a key is never processed by two workers at once; one re-added while in flight runs again after;
// - a failed key is retried after an exponential, jittered, per-key delay; success forgets the count.
import { backoffDelay, type BackoffOptions } from "./backoff.js";

/** What a handler may ask for on success: nothing, or to be looked at again after a delay. */
export type HandlerResult = void | { requeueAfterMs: number };
export type KeyHandler = (key: string) => Promise<HandlerResult>;

export interface WorkQueueOptions {
  /** How many keys are processed at the same time (different keys only). Default 2. */
  workers?: number;
  /** Retry backoff for failing keys. Default 100 ms doubling up to 60 s. */
  backoff?: BackoffOptions;
  /** Called when a handler throws, before the retry is scheduled. */
  onError?: (key: string, err: unknown, attempt: number) => void;
}

export class WorkQueue {
  private readonly order: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private readonly workers: number;
  private readonly backoff: BackoffOptions;
  private active = 0;
  private running = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly handler: KeyHandler, private readonly opts: WorkQueueOptions = {}) {
    this.workers = opts.workers ?? 2;
    if (!Number.isInteger(this.workers) || this.workers < 1) throw new RangeError(`workers must be a positive integer, got ${this.workers}`);
    this.backoff = opts.backoff ?? { baseMs: 100, maxMs: 60_000 };
  }

  /** Queue a key now. A key already waiting is not queued twice. */
  add(key: string): void {
    if (this.stopped || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) this.order.push(key);
    this.pump();
  }

  /** Queue a key after `ms`. A sooner pending timer for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) { this.add(key); return; }
    const due = Date.now() + ms;
    const pending = this.timers.get(key);
    if (pending) {
      if (pending.due <= due) return;
      clearTimeout(pending.timer);
    }
    const timer = setTimeout(() => { this.timers.delete(key); this.add(key); }, ms);
    this.timers.set(key, { due, timer });
  }

  /** Queue a key after its per-key backoff, and count the failure. */
  addRateLimited(key: string): number {
    const attempt = this.failures.get(key) ?? 0;
    this.failures.set(key, attempt + 1);
    const delay = backoffDelay(attempt, this.backoff);
    this.addAfter(key, delay);
    return delay;
  }

  /** Reset a key's failure count (after a success). */
  forget(key: string): void { this.failures.delete(key); }

  /** How many times in a row this key has failed. */
  retries(key: string): number { return this.failures.get(key) ?? 0; }

  get length(): number { return this.order.length; }
  get inFlight(): number { return this.active; }

  start(): void {
    if (this.stopped) throw new Error("work queue was shut down; make a new one");
    this.running = true;
    this.pump();
  }

  /** Stop taking keys and drop pending ones; resolves when in-flight handlers have finished. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.running = false;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.order.length = 0;
    this.dirty.clear();
    await this.whenIdle();
  }

  /** Resolves when nothing is queued or in flight (timers for later retries do not count). */
  whenIdle(): Promise<void> {
    if (this.active === 0 && (this.order.length === 0 || !this.running)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running && this.active < this.workers && this.order.length > 0) {
      const key = this.order.shift() as string;
      this.dirty.delete(key);
      this.processing.add(key);
      this.active++;
      void this.runOne(key);
    }
    if (this.active === 0 && (this.order.length === 0 || !this.running)) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async runOne(key: string): Promise<void> {
    try {
      const res = await this.handler(key);
      this.forget(key);
      if (res && res.requeueAfterMs >= 0) this.addAfter(key, res.requeueAfterMs);
    } catch (err) {
      if (!this.stopped) {
        this.opts.onError?.(key, err, this.retries(key));
        this.addRateLimited(key);
      }
    } finally {
      this.processing.delete(key);
      this.active--;
      // Re-added while in flight: it was kept out of `order`; queue it now that we are done.
      if (this.dirty.has(key)) this.order.push(key);
      this.pump();
    }
  }
}
