// Query parameters decoded as nats-server's monitor does, with its error texts (which quote Go's
// strconv errors). An empty or absent parameter decodes to the zero value.

export class QueryError extends Error {}

const HEX = /^[0-9a-fA-F]{2}$/;

/** Go's url.QueryUnescape: `+` is a space and `%` must start two hex digits; null when malformed. */
function unescape(s: string): string | null {
  if (!s.includes("%") && !s.includes("+")) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hex = s.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return null;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b) {
      bytes.push(0x20);
    } else {
      for (const b of Buffer.from(s[i]!, "utf8")) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/**
 * The query as Go's url.ParseQuery reads it for nats-server: pairs split on `&`, and a pair with a
 * `;` or a bad escape dropped rather than failing the request.
 */
export function parseQuery(raw: string): URLSearchParams {
  const q = new URLSearchParams();
  for (const pair of raw.split("&")) {
    if (pair === "" || pair.includes(";")) continue;
    const eq = pair.indexOf("=");
    const key = unescape(eq < 0 ? pair : pair.slice(0, eq));
    const value = unescape(eq < 0 ? "" : pair.slice(eq + 1));
    if (key === null || value === null) continue;
    q.append(key, value);
  }
  return q;
}

/** Go's strconv.Quote for the ASCII cases that occur in query strings. */
function quote(s: string): string {
  return JSON.stringify(s);
}

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);
const MAX_INT64 = 2n ** 63n - 1n;
const MAX_UINT64 = 2n ** 64n - 1n;

export function decodeBool(q: URLSearchParams, name: string): boolean {
  const s = q.get(name) ?? "";
  if (s === "") return false;
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new QueryError(`Error decoding boolean for '${name}': strconv.ParseBool: parsing ${quote(s)}: invalid syntax`);
}

export function decodeInt(q: URLSearchParams, name: string): number {
  const s = q.get(name) ?? "";
  if (s === "") return 0;
  const fail = (why: string) =>
    new QueryError(`Error decoding int for '${name}': strconv.Atoi: parsing ${quote(s)}: ${why}`);
  if (!/^[+-]?[0-9]+$/.test(s)) throw fail("invalid syntax");
  const v = BigInt(s);
  if (v > MAX_INT64 || v < -MAX_INT64 - 1n) throw fail("value out of range");
  return Number(v);
}

export function decodeUint64(q: URLSearchParams, name: string): number {
  const s = q.get(name) ?? "";
  if (s === "") return 0;
  const fail = (why: string) =>
    new QueryError(`Error decoding uint64 for '${name}': strconv.ParseUint: parsing ${quote(s)}: ${why}`);
  if (!/^[0-9]+$/.test(s)) throw fail("invalid syntax");
  if (BigInt(s) > MAX_UINT64) throw fail("value out of range");
  return Number(s);
}

/** `subs`: "detail" (in any case) asks for the detailed list, anything else is a boolean. */
export function decodeSubs(q: URLSearchParams): { subs: boolean; detail: boolean } {
  if (q.get("subs")?.toLowerCase() === "detail") return { subs: false, detail: true };
  return { subs: decodeBool(q, "subs"), detail: false };
}

export const ConnState = { OPEN: 0, CLOSED: 1, ALL: 2 } as const;
export type ConnState = (typeof ConnState)[keyof typeof ConnState];

export function decodeState(q: URLSearchParams): ConnState {
  const s = q.get("state") ?? "";
  switch (s.toLowerCase()) {
    case "":
    case "open":
      return ConnState.OPEN;
    case "closed":
      return ConnState.CLOSED;
    case "any":
    case "all":
      return ConnState.ALL;
    default:
      throw new QueryError(`Error decoding state for ${s}`);
  }
}
