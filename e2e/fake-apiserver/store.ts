// The object store: one global resourceVersion counter, objects by group/resource, and a bounded event
// history that watches replay from. `compact()` forgets the history, as etcd compaction does.
import { clone, meta, str, type JsonObject } from "./json.js";

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  rv: number;
  type: EventType;
  /** storageKey of the resource (group|plural). */
  key: string;
  object: JsonObject;
  /** The object before a MODIFIED event, so selector watches can tell enter and leave apart. */
  old?: JsonObject;
}

export type Listener = (e: StoreEvent) => void;

const HISTORY_LIMIT = 10_000;

function itemKey(ns: string | undefined, name: string): string {
  return `${ns ?? ""}/${name}`;
}

export class Store {
  private rv = 1000;
  private readonly objects = new Map<string, Map<string, JsonObject>>();
  private history: StoreEvent[] = [];
  /** Watches must start at or after this RV; older ones get 410 Gone. */
  private oldestWatchable = 0;
  private readonly listeners = new Set<Listener>();

  currentRv(): number {
    return this.rv;
  }

  get(key: string, ns: string | undefined, name: string): JsonObject | undefined {
    const o = this.objects.get(key)?.get(itemKey(ns, name));
    return o === undefined ? undefined : clone(o);
  }

  /** Objects of one resource (optionally of one namespace), sorted by namespace then name. */
  list(key: string, ns?: string): JsonObject[] {
    const m = this.objects.get(key);
    if (!m) return [];
    const out: JsonObject[] = [];
    for (const [k, o] of [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (ns === undefined || k.startsWith(`${ns}/`)) out.push(clone(o));
    }
    return out;
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  /** Stores the object under a fresh resourceVersion and emits ADDED or MODIFIED. */
  write(key: string, obj: JsonObject): JsonObject {
    const m = meta(obj);
    const name = str(m.name) ?? "";
    const ns = str(m.namespace);
    const bucket = this.objects.get(key) ?? new Map<string, JsonObject>();
    this.objects.set(key, bucket);
    const prev = bucket.get(itemKey(ns, name));
    m.resourceVersion = String(++this.rv);
    const stored = clone(obj);
    bucket.set(itemKey(ns, name), stored);
    this.emit({ rv: this.rv, type: prev ? "MODIFIED" : "ADDED", key, object: clone(stored), old: prev ? clone(prev) : undefined });
    return clone(stored);
  }

  /** Removes the object; the DELETED event carries the deletion's resourceVersion, as etcd's does. */
  remove(key: string, ns: string | undefined, name: string, finalState?: JsonObject): JsonObject | undefined {
    const bucket = this.objects.get(key);
    const prev = bucket?.get(itemKey(ns, name));
    if (!bucket || !prev) return undefined;
    bucket.delete(itemKey(ns, name));
    const gone = clone(finalState ?? prev);
    meta(gone).resourceVersion = String(++this.rv);
    this.emit({ rv: this.rv, type: "DELETED", key, object: clone(gone) });
    return gone;
  }

  private emit(e: StoreEvent): void {
    this.history.push(e);
    if (this.history.length > HISTORY_LIMIT) {
      const dropped = this.history.splice(0, this.history.length - HISTORY_LIMIT);
      const last = dropped[dropped.length - 1];
      if (last) this.oldestWatchable = last.rv;
    }
    for (const l of this.listeners) l(e);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Events after `rv`, or undefined when they were compacted away (the caller answers 410). */
  since(rv: number): StoreEvent[] | undefined {
    if (rv < this.oldestWatchable) return undefined;
    return this.history.filter((e) => e.rv > rv);
  }

  oldestRv(): number {
    return this.oldestWatchable;
  }

  /**
   * Forgets every past event, so that every resourceVersion handed out so far is too old to watch from
   * (410 Gone). The counter moves on by one, as etcd's does for other writes, so a fresh list yields a
   * resourceVersion that can be watched again.
   */
  compact(): void {
    this.history = [];
    this.oldestWatchable = ++this.rv;
  }
}
