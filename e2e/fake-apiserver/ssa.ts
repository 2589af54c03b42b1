// Server-side apply, simplified: each field manager owns the leaf fields it applied. A new apply merges the
// configuration, removes the fields the manager applied before but no longer does (unless another manager
// owns them), and refuses (409) to change a field another applier owns unless forced. Ownership by plain
// updates is not tracked and managedFields are not shown.
import { clone, deepEqual, isObject, type JsonObject } from "./json.js";
import { mergeKeyFor, mergePatch, strategicMergePatch } from "./patch.js";
import { ApiError } from "./status.js";

type Seg = { f: string } | { key: string; value: unknown };

const IDENTITY = new Set(['[{"f":"apiVersion"}]', '[{"f":"kind"}]', '[{"f":"metadata"},{"f":"name"}]', '[{"f":"metadata"},{"f":"namespace"}]']);

/** Every field and list item the configuration sets (`nodes`), and the ones with a value of their own (`leaves`). */
function collect(v: unknown, prefix: Seg[], field: string, keyed: boolean, nodes: Seg[][], leaves: Seg[][]): void {
  if (prefix.length > 0) nodes.push(prefix);
  if (isObject(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) collect(x, [...prefix, { f: k }], k, keyed, nodes, leaves);
    return;
  }
  if (Array.isArray(v) && keyed && v.length > 0 && v.every(isObject)) {
    const key = mergeKeyFor(field, v);
    if (key && v.every((x) => isObject(x) && x[key] !== undefined)) {
      for (const x of v as JsonObject[]) {
        const item: Seg[] = [...prefix, { key, value: x[key] }];
        nodes.push(item);
        const rest = Object.entries(x).filter(([k]) => k !== key);
        if (rest.length === 0) leaves.push(item);
        for (const [k, y] of rest) collect(y, [...item, { f: k }], k, keyed, nodes, leaves);
      }
      return;
    }
  }
  leaves.push(prefix);
}

/** Is the path `inner` (JSON of segments) at or below `outer`? */
function within(outer: string, inner: string): boolean {
  return inner === outer || inner.startsWith(`${outer.slice(0, -1)},`);
}

function step(cur: unknown, s: Seg): unknown {
  if ("f" in s) return isObject(cur) ? cur[s.f] : undefined;
  return Array.isArray(cur) ? cur.find((x) => isObject(x) && deepEqual(x[s.key], s.value)) : undefined;
}

function valueAt(o: unknown, path: Seg[]): unknown {
  return path.reduce<unknown>((cur, s) => step(cur, s), o);
}

function removeAt(o: unknown, path: Seg[]): void {
  const parent = valueAt(o, path.slice(0, -1));
  const last = path[path.length - 1];
  if (!last) return;
  if ("f" in last) { if (isObject(parent)) delete parent[last.f]; return; }
  if (Array.isArray(parent)) {
    const i = parent.findIndex((x) => isObject(x) && deepEqual(x[last.key], last.value));
    if (i >= 0) parent.splice(i, 1);
  }
}

function show(path: Seg[]): string {
  return path.map((s) => ("f" in s ? `.${s.f}` : `[${s.key}=${JSON.stringify(s.value)}]`)).join("");
}

export class ApplyTracker {
  /** uid → manager → owned leaf paths (JSON of the segments). */
  private readonly owners = new Map<string, Map<string, Set<string>>>();

  forget(uid: string): void {
    this.owners.delete(uid);
  }

  /**
   * The object after `manager` applies `config` over `current` (undefined when creating), and a function
   * that records the new ownership once the write succeeded under the object's uid.
   */
  apply(custom: boolean, current: JsonObject | undefined, config: JsonObject, manager: string, force: boolean):
    { next: JsonObject; record: (uid: string) => void } {
    const uid = current && isObject(current.metadata) && typeof current.metadata.uid === "string" ? current.metadata.uid : undefined;
    const managers = (uid && this.owners.get(uid)) || new Map<string, Set<string>>();
    const nodes: Seg[][] = [], leaves: Seg[][] = [];
    collect(config, [], "", !custom, nodes, leaves);
    const applied = new Set(nodes.map((p) => JSON.stringify(p)));
    const conflicts: { manager: string; path: Seg[] }[] = [];
    for (const [m, owned] of managers) {
      if (m === manager) continue;
      for (const p of leaves) {
        const k = JSON.stringify(p);
        if (owned.has(k) && !IDENTITY.has(k) && !deepEqual(valueAt(current, p), valueAt(config, p))) conflicts.push({ manager: m, path: p });
      }
    }
    if (conflicts.length > 0 && !force) {
      const byManager = [...new Set(conflicts.map((c) => c.manager))];
      const msg = conflicts.length === 1
        ? `Apply failed with 1 conflict: conflict with "${conflicts[0]?.manager ?? ""}": ${show(conflicts[0]?.path ?? [])}`
        : `Apply failed with ${conflicts.length} conflicts: ${byManager.map((m) => `conflicts with "${m}":\n${conflicts.filter((c) => c.manager === m).map((c) => `- ${show(c.path)}`).join("\n")}`).join("\n")}`;
      throw new ApiError(409, "Conflict", msg, { causes: conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with "${c.manager}"`, field: show(c.path) })) });
    }
    const next = (custom ? mergePatch(current ?? {}, config) : strategicMergePatch(current ?? {}, config)) as JsonObject;
    // Deepest first: fields, then list items (removed whole), then maps that became empty. A map that still
    // holds fields is kept, since plain updates (not tracked here) may own them.
    const before = [...(managers.get(manager) ?? new Set<string>())].sort((a, b) => b.length - a.length);
    for (const k of before) {
      if (applied.has(k) || IDENTITY.has(k)) continue;
      if ([...managers].some(([m, owned]) => m !== manager && [...owned].some((o) => within(k, o)))) continue;
      const path = JSON.parse(k) as Seg[];
      const last = path[path.length - 1];
      const v = valueAt(next, path);
      if (last && "f" in last && isObject(v) && Object.keys(v).length > 0) continue;
      removeAt(next, path);
    }
    return {
      next: clone(next),
      record: (newUid) => {
        const table = this.owners.get(newUid) ?? new Map<string, Set<string>>();
        if (force) for (const [m, owned] of table) if (m !== manager) for (const p of leaves) owned.delete(JSON.stringify(p));
        table.set(manager, applied);
        this.owners.set(newUid, table);
      },
    };
  }
}
