// Fault injection for tests: forced 410s, dropped watches, injected error statuses, latency; and a
// record of every write request so tests can assert that a reconcile wrote nothing.
import { ApiError } from "./status.js";

export interface FaultRule { verb?: string; resource?: string; status: 409 | 500 | 503; count: number }

export interface FaultControls {
  /** Forget history: watches (and exact lists) from resourceVersions handed out so far get 410 Gone. */
  compact(): void;
  /** End every open watch abruptly (the socket is destroyed mid-stream); `graceful` ends the streams cleanly. */
  dropWatches(opts?: { graceful?: boolean }): void;
  /** The next `count` requests matching verb (get, list, watch, create, update, patch, delete, deletecollection)
   *  and resource fail with `status`. A plain plural (`natsclusters`) matches the main resource only;
   *  `natsclusters/status` or `statefulsets/scale` match that subresource. Omitted fields match anything. */
  inject(rule: FaultRule): void;
  latency(ms: number): void;
  clear(): void;
}

export interface WriteRecord { verb: string; resource: string; subresource?: string; namespace?: string; name?: string; code: number }
export interface WriteFilter { verb?: string; resource?: string; subresource?: string; namespace?: string; name?: string }

export class Faults {
  private rules: FaultRule[] = [];
  delayMs = 0;
  readonly writes: WriteRecord[] = [];

  add(rule: FaultRule): void {
    if (![409, 500, 503].includes(rule.status)) throw new Error(`inject: status must be 409, 500 or 503, got ${rule.status}`);
    if (!Number.isInteger(rule.count) || rule.count < 1) throw new Error(`inject: count must be a positive integer, got ${rule.count}`);
    this.rules.push({ ...rule });
  }

  clear(): void {
    this.rules = [];
    this.delayMs = 0;
  }

  /** The error to answer with, consuming one use of the first matching rule. */
  take(verb: string, resource: string, subresource: string | undefined, name: string | undefined): ApiError | undefined {
    const full = subresource ? `${resource}/${subresource}` : resource;
    const i = this.rules.findIndex((r) => (r.verb === undefined || r.verb === verb)
      && (r.resource === undefined || r.resource === full || (r.resource === resource && subresource === undefined)));
    const rule = this.rules[i];
    if (!rule) return undefined;
    if (--rule.count <= 0) this.rules.splice(i, 1);
    switch (rule.status) {
      case 409: return new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${resource} "${name ?? ""}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, kind: resource });
      case 500: return new ApiError(500, "InternalError", "Internal error occurred: injected fault", { causes: [{ message: "injected fault" }] });
      case 503: return new ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request", { retryAfterSeconds: 1 });
    }
  }

  record(w: WriteRecord): void {
    this.writes.push(w);
  }

  count(f: WriteFilter = {}): number {
    return this.writes.filter((w) => (f.verb === undefined || w.verb === f.verb) && (f.resource === undefined || w.resource === f.resource)
      && (f.subresource === undefined || w.subresource === f.subresource) && (f.namespace === undefined || w.namespace === f.namespace)
      && (f.name === undefined || w.name === f.name)).length;
  }

  resetWrites(): void {
    this.writes.length = 0;
  }
}
