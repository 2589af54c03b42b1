// Decodes a CONNECT the way nats-server's Go JSON decoding does: `null` is an empty CONNECT, keys
// match field names case-insensitively, a known field of the wrong type fails the whole CONNECT
// (nats-server then closes the connection), and unknown keys are ignored.

export interface ConnectOptions {
  verbose?: boolean;
  pedantic?: boolean;
  tls_required?: boolean;
  echo?: boolean;
  headers?: boolean;
  no_responders?: boolean;
  name?: string;
  lang?: string;
  version?: string;
  user?: string;
  pass?: string;
  auth_token?: string;
  protocol?: number;
  account?: string;
  new_account?: boolean;
}

const BOOL = ["verbose", "pedantic", "tls_required", "echo", "headers", "no_responders", "new_account"] as const;
const STRING = ["name", "lang", "version", "user", "pass", "auth_token", "jwt", "nkey", "sig", "account"] as const;
const INT = ["protocol"] as const;

const FIELDS = new Map<string, { name: string; type: "boolean" | "string" | "int" }>();
for (const f of BOOL) FIELDS.set(f, { name: f, type: "boolean" });
for (const f of STRING) FIELDS.set(f, { name: f, type: "string" });
for (const f of INT) FIELDS.set(f, { name: f, type: "int" });

/** The CONNECT options, or null when nats-server would fail to decode them. */
export function decodeConnect(arg: string): ConnectOptions | null {
  let v: unknown;
  try {
    v = JSON.parse(arg);
  } catch {
    return null;
  }
  if (v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) return null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
    const f = FIELDS.get(key) ?? FIELDS.get(key.toLowerCase());
    if (f === undefined || value === null) continue;
    if (f.type === "int" ? !Number.isInteger(value) || !integerLiteral(arg, key) : typeof value !== f.type) return null;
    out[f.name] = value;
  }
  return out as ConnectOptions;
}

/** JSON turns 1.0 and 1e0 into the integer 1; Go's decoder refuses them for an int field. */
function integerLiteral(arg: string, key: string): boolean {
  const esc = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`"${esc}"\\s*:\\s*(-?[0-9][0-9.eE+-]*)`).exec(arg);
  return m === null || /^-?[0-9]+$/.test(m[1]!);
}
