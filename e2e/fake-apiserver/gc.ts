// The garbage collector and the other controllers that finish deletions: ownerReference cascades
// (background, foreground, orphan), namespace termination and CRD cleanup. It runs asynchronously
// after writes, like the real controllers.
import { clone, isObject, meta, str, type JsonObject } from "./json.js";
import type { Operations } from "./operations.js";
import type { Registry, ResourceType } from "./registry.js";
import type { Store } from "./store.js";
import { CLEANUP_FINALIZER } from "./crds.js";

interface Item { t: ResourceType; o: JsonObject }

function refsOf(o: JsonObject): JsonObject[] {
  const r = meta(o).ownerReferences;
  return Array.isArray(r) ? r.filter(isObject) : [];
}

function finalizersOf(o: JsonObject): string[] {
  const f = meta(o).finalizers;
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === "string") : [];
}

export class GarbageCollector {
  private scheduled = false;
  private stopped = false;

  constructor(private readonly store: Store, private readonly registry: Registry, private readonly ops: Operations) {}

  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.stopped) this.sweep();
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private all(): Item[] {
    const out: Item[] = [];
    for (const key of this.store.keys()) {
      const [group, plural] = key.split("|") as [string, string];
      const t = this.registry.anyVersion(group, plural);
      if (!t) continue;
      for (const o of this.store.list(key)) out.push({ t, o: this.ops.view(t, o) });
    }
    return out;
  }

  private tryDelete(it: Item, policy: string): void {
    const m = meta(it.o);
    if (m.deletionTimestamp) return;
    try {
      this.ops.delete(it.t, str(m.namespace), str(m.name) ?? "", { propagationPolicy: policy });
    } catch { /* already gone */ }
  }

  private removeFinalizer(it: Item, f: string): void {
    const next = clone(it.o);
    meta(next).finalizers = finalizersOf(next).filter((x) => x !== f);
    if (finalizersOf(next).length === 0) delete meta(next).finalizers;
    this.ops.commit(it.t, next);
  }

  sweep(): void {
    const items = this.all();
    const byUid = new Map<string, Item>();
    for (const it of items) { const u = str(meta(it.o).uid); if (u) byUid.set(u, it); }
    const dependentsOf = (owner: Item): Item[] => {
      const uid = str(meta(owner.o).uid);
      return items.filter((d) => refsOf(d.o).some((r) => r.uid === uid)
        && (!owner.t.namespaced || str(meta(d.o).namespace) === str(meta(owner.o).namespace)));
    };

    for (const it of items) {
      const m = meta(it.o);
      if (!m.deletionTimestamp) continue;
      const fins = finalizersOf(it.o);
      const uid = str(m.uid);
      if (fins.includes("orphan")) {
        for (const d of dependentsOf(it)) {
          const next = clone(d.o);
          const refs = refsOf(next).filter((r) => r.uid !== uid);
          if (refs.length > 0) meta(next).ownerReferences = refs; else delete meta(next).ownerReferences;
          this.ops.commit(d.t, next);
        }
        this.removeFinalizer(it, "orphan");
      } else if (fins.includes("foregroundDeletion")) {
        const deps = dependentsOf(it);
        for (const d of deps) this.tryDelete(d, "Foreground");
        const blocking = deps.filter((d) => refsOf(d.o).some((r) => r.uid === uid && r.blockOwnerDeletion === true));
        if (blocking.length === 0) this.removeFinalizer(it, "foregroundDeletion");
      }
      if (it.t.group === "" && it.t.plural === "namespaces") this.finishNamespace(it, items);
      if (it.t.group === "apiextensions.k8s.io" && fins.includes(CLEANUP_FINALIZER)) this.finishCrd(it, items);
    }

    for (const it of items) {
      const refs = refsOf(it.o);
      if (refs.length === 0 || meta(it.o).deletionTimestamp) continue;
      const ns = str(meta(it.o).namespace);
      const dangling = refs.filter((r) => {
        const owner = byUid.get(str(r.uid) ?? "");
        if (!owner) return true;
        if (owner.t.namespaced && str(meta(owner.o).namespace) !== ns) return true;
        return false;
      });
      if (dangling.length === 0) continue;
      if (dangling.length === refs.length) this.tryDelete(it, "Background");
      else {
        const next = clone(it.o);
        meta(next).ownerReferences = refs.filter((r) => !dangling.includes(r));
        this.ops.commit(it.t, next);
      }
    }
  }

  private finishNamespace(ns: Item, items: Item[]): void {
    const name = str(meta(ns.o).name);
    const contents = items.filter((it) => it.t.namespaced && str(meta(it.o).namespace) === name);
    for (const c of contents) this.tryDelete(c, "Background");
    if (contents.length > 0) return;
    const spec = isObject(ns.o.spec) ? ns.o.spec : {};
    if (Array.isArray(spec.finalizers) && spec.finalizers.length > 0) {
      const next = clone(ns.o);
      next.spec = { ...spec, finalizers: [] };
      this.ops.commit(ns.t, next);
    }
  }

  private finishCrd(crd: Item, items: Item[]): void {
    const spec = isObject(crd.o.spec) ? crd.o.spec : {};
    const names = isObject(spec.names) ? spec.names : {};
    const crs = items.filter((it) => it.t.group === spec.group && it.t.plural === names.plural);
    for (const c of crs) this.tryDelete(c, "Background");
    if (crs.length === 0) this.removeFinalizer(crd, CLEANUP_FINALIZER);
  }
}
