// Exponential backoff with jitter, shared by the work queue, the informers and leader election.

export interface BackoffOptions {
  /** Delay of the first retry, in ms. */
  baseMs: number;
  /** No delay grows above this, in ms. */
  maxMs: number;
  /** Source of randomness in [0, 1); tests may pin it. */
  random?: () => number;
}

/**
 * Delay before retry number `attempt` (0 for the first retry): base * 2^attempt capped at max, then
 * "equal jitter" (a uniform pick in [d/2, d]) so that many keys failing together do not retry in step.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`backoff attempt must be a non-negative integer, got ${attempt}`);
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 52));
  const r = (opts.random ?? Math.random)();
  return Math.round(exp / 2 + (exp / 2) * r);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve(); return; }
    const onAbort = (): void => { clearTimeout(t); resolve(); };
    const t = setTimeout(() => { signal?.removeEventListener("abort", onAbort); resolve(); }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
