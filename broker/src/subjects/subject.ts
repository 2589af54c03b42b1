// Subject rules of nats-server: tokens split on '.', no empty token, '*' matches one token and '>'
// matches one or more trailing tokens. Subjects are handled as latin1 strings (one char per byte).

/** A subject a client may subscribe to: wildcards allowed as whole tokens, '>' only last. */
export function isValidSubject(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? 46 : s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 10) return false;
    if (c !== 46) continue;
    const len = i - start;
    if (len === 0) return false;
    if (len === 1 && s.charCodeAt(start) === 62 && i !== n) return false; // '>' not last
    start = i + 1;
  }
  return true;
}

/** A subject a message may be published to: valid and without wildcard tokens. */
export function isValidLiteralSubject(s: string): boolean {
  if (!isValidSubject(s)) return false;
  let start = 0;
  const n = s.length;
  for (let i = 0; i <= n; i++) {
    if (i !== n && s.charCodeAt(i) !== 46) continue;
    if (i - start === 1) {
      const c = s.charCodeAt(start);
      if (c === 42 || c === 62) return false;
    }
    start = i + 1;
  }
  return true;
}

/** True when `filter` matches the tokens of `subject`, taken literally (a '*' or '>' token in
 * `subject` is matched like any other token, as nats-server's sublist matches them). */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split(".");
  const t = subject.split(".");
  for (let i = 0; i < f.length; i++) {
    const ft = f[i]!;
    if (ft === ">") return t.length > i;
    if (i >= t.length) return false;
    if (ft !== "*" && ft !== t[i]) return false;
  }
  return f.length === t.length;
}

export function hasWildcard(s: string): boolean {
  return s === "*" || s === ">" || s.startsWith("*.") || s.startsWith(">.") || s.endsWith(".*") ||
    s.endsWith(".>") || s.includes(".*.") ;
}
