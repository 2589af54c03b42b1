// Plain-JSON helpers shared by the fake API server: objects are kept as parsed JSON, never as classes.
export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Deep equality where object key order does not matter and list order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** The object's metadata, created if missing. */
export function meta(o: JsonObject): JsonObject {
  if (!isObject(o.metadata)) o.metadata = {};
  return o.metadata as JsonObject;
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(v)) for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}

/** Reads a dotted path such as `.spec.size` (a leading dot is optional). */
export function getPath(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const part of path.replace(/^\./, "").split(".")) {
    if (part === "") continue;
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Writes a dotted path, creating intermediate objects. */
export function setPath(o: JsonObject, path: string, value: unknown): void {
  const parts = path.replace(/^\./, "").split(".").filter((p) => p !== "");
  let cur: JsonObject = o;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(cur[part])) cur[part] = {};
    cur = cur[part] as JsonObject;
  }
  const last = parts[parts.length - 1];
  if (last !== undefined) cur[last] = value;
}

export function nowRfc3339(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}
