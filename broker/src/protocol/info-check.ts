// nats-server decodes an INFO it receives into its Info struct and closes the connection when the
// JSON does not fit it: not an object, or a known field of the wrong type.

const STRINGS = ["server_id", "server_name", "version", "go", "host", "ip", "nonce", "cluster", "domain", "git_commit", "xkey"];
const NUMBERS = ["proto", "port", "max_payload", "client_id"];
const BOOLS = ["headers", "auth_required", "tls_required", "tls_verify", "tls_available", "jetstream", "ldm", "cluster_dynamic"];
const ARRAYS = ["connect_urls", "ws_connect_urls"];

export function isValidInfo(arg: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(arg);
  } catch {
    return false;
  }
  if (v === null) return true;
  if (typeof v !== "object" || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const ok = (keys: string[], t: (x: unknown) => boolean): boolean => keys.every((k) => o[k] === undefined || o[k] === null || t(o[k]));
  return ok(STRINGS, (x) => typeof x === "string") && ok(NUMBERS, (x) => typeof x === "number") &&
    ok(BOOLS, (x) => typeof x === "boolean") && ok(ARRAYS, (x) => Array.isArray(x));
}
