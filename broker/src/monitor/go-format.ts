// The text forms nats-server's monitoring JSON takes from Go: time.Duration.String(), the server's
// own uptime format, RFC3339 times with nanoseconds, and encoding/json's HTML-safe escaping.

const NS_PER_US = 1_000;
const NS_PER_MS = 1_000_000;
const NS_PER_S = 1_000_000_000;

/** Trailing zeros of a fraction dropped, and the dot too when nothing is left (Go's fmtFrac). */
function frac(whole: number, rest: number, digits: number): string {
  if (rest === 0) return String(whole);
  const f = String(rest).padStart(digits, "0").replace(/0+$/, "");
  return `${whole}.${f}`;
}

/** A duration in nanoseconds as Go's time.Duration.String() prints it: "0s", "662µs", "1m2.5s". */
export function goDuration(ns: number): string {
  let n = Math.round(ns);
  if (n === 0) return "0s";
  const sign = n < 0 ? "-" : "";
  n = Math.abs(n);
  if (n < NS_PER_US) return `${sign}${n}ns`;
  if (n < NS_PER_MS) return `${sign}${frac(Math.floor(n / NS_PER_US), n % NS_PER_US, 3)}µs`;
  if (n < NS_PER_S) return `${sign}${frac(Math.floor(n / NS_PER_MS), n % NS_PER_MS, 6)}ms`;
  const totalSec = Math.floor(n / NS_PER_S);
  const secs = `${frac(totalSec % 60, n % NS_PER_S, 9)}s`;
  const totalMin = Math.floor(totalSec / 60);
  if (totalMin === 0) return sign + secs;
  const hours = Math.floor(totalMin / 60);
  const mins = `${totalMin % 60}m`;
  return hours === 0 ? sign + mins + secs : `${sign}${hours}h${mins}${secs}`;
}

/** A duration in milliseconds as Go's time.Duration.String() prints it. */
export function goDurationMs(ms: number): string {
  return goDuration(ms * NS_PER_MS);
}

/** nats-server's uptime format (whole seconds, with days and years): "0s", "1m2s", "3d4h0m5s". */
export function natsUptime(ms: number): string {
  const tsecs = Math.max(0, Math.floor(ms / 1000));
  const tmins = Math.floor(tsecs / 60);
  const thrs = Math.floor(tmins / 60);
  const tdays = Math.floor(thrs / 24);
  const tyrs = Math.floor(tdays / 365);
  const s = tsecs % 60, m = tmins % 60, h = thrs % 24;
  if (tyrs > 0) return `${tyrs}y${tdays % 365}d${h}h${m}m${s}s`;
  if (tdays > 0) return `${tdays}d${h}h${m}m${s}s`;
  if (thrs > 0) return `${thrs}h${m}m${s}s`;
  if (tmins > 0) return `${tmins}m${s}s`;
  return `${tsecs}s`;
}

/**
 * An epoch time in (fractional) milliseconds as Go's RFC3339Nano in UTC, the form Go's JSON
 * encoder gives time.Time: "2026-11-25T17:40:16.378169288Z", trailing zeros of the fraction dropped.
 */
export function goTime(epochMs: number): string {
  const wholeMs = Math.floor(epochMs);
  const base = new Date(wholeMs).toISOString().slice(0, 19);
  let ns = (wholeMs % 1000) * NS_PER_MS + Math.round((epochMs - wholeMs) * NS_PER_MS);
  if (ns >= NS_PER_S) ns = NS_PER_S - 1;
  if (ns === 0) return `${base}Z`;
  return `${base}.${String(ns).padStart(9, "0").replace(/0+$/, "")}Z`;
}

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const HTML_ESCAPES: Record<string, string> = {
  "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029",
};

/** JSON indented by two spaces with Go's HTML-safe escaping, as json.MarshalIndent(v, "", "  "). */
export function goJson(value: unknown, indent = true): string {
  const text = indent ? JSON.stringify(value, null, 2) : JSON.stringify(value);
  return text.replace(HTML_UNSAFE, (c) => HTML_ESCAPES[c] ?? c);
}

/** A string stored one char per byte (latin1), as the UTF-8 text it encodes. */
export function latin1ToUtf8(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, "latin1").toString("utf8");
  }
  return s;
}
