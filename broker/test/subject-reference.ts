// A brute-force reference for subject matching, written independently of broker/src/subjects: each
// filter becomes a regular expression ('*' = one non-empty token without dots, '>' = one or more
// trailing tokens), and a match is a linear scan over every subscription.

export interface RefSub {
  readonly id: number;
  readonly subject: string;
  readonly queue: string | null;
}

const cache = new Map<string, RegExp>();

function filterRegExp(filter: string): RegExp {
  let re = cache.get(filter);
  if (re === undefined) {
    const parts = filter.split(".").map((t) =>
      t === "*" ? "[^.]+" : t === ">" ? ".+" : t.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
    re = new RegExp(`^${parts.join("\\.")}$`, "s");
    cache.set(filter, re);
  }
  return re;
}

/** Whether the literal subject is matched by the filter. A subject with an empty token matches nothing. */
export function refMatches(filter: string, subject: string): boolean {
  if (subject.split(".").some((t) => t.length === 0)) return false;
  return filterRegExp(filter).test(subject);
}

/** A match result in a canonical form: sorted plain ids, and each queue group's sorted ids by name. */
export interface Canonical {
  psubs: number[];
  qsubs: Record<string, number[]>;
}

export function refMatch(subs: Iterable<RefSub>, subject: string): Canonical {
  const out: Canonical = { psubs: [], qsubs: {} };
  if (subject.split(".").some((t) => t.length === 0)) return out;
  for (const s of subs) {
    if (!filterRegExp(s.subject).test(subject)) continue;
    if (s.queue === null) out.psubs.push(s.id);
    else (out.qsubs[s.queue] ??= []).push(s.id);
  }
  return sortCanonical(out);
}

/** Turns a Sublist result into the canonical form, checking its shape on the way: every queue group
 * is non-empty, holds members of one queue only, and no queue appears as two groups. */
export function canonical(result: { psubs: readonly RefSub[]; qsubs: readonly (readonly RefSub[])[] }): Canonical {
  const out: Canonical = { psubs: result.psubs.map((s) => s.id), qsubs: {} };
  for (const s of result.psubs) if (s.queue !== null) throw new Error(`queue sub ${s.id} among plain subs`);
  for (const group of result.qsubs) {
    const name = group[0]?.queue;
    if (name === undefined || name === null) throw new Error("empty or unnamed queue group");
    if (group.some((m) => m.queue !== name)) throw new Error(`queue group ${name} mixes queues`);
    if (out.qsubs[name] !== undefined) throw new Error(`queue ${name} appears as two groups`);
    out.qsubs[name] = group.map((m) => m.id);
  }
  return sortCanonical(out);
}

function sortCanonical(c: Canonical): Canonical {
  const qsubs: Record<string, number[]> = {};
  for (const name of Object.keys(c.qsubs).sort()) qsubs[name] = [...c.qsubs[name]!].sort((a, b) => a - b);
  return { psubs: [...c.psubs].sort((a, b) => a - b), qsubs };
}

/** Every literal subject over the alphabet, with 1 to maxDepth tokens. */
export function literalSubjects(alphabet: readonly string[], maxDepth: number): string[] {
  const out: string[] = [];
  let level = [""];
  for (let d = 1; d <= maxDepth; d++) {
    level = level.flatMap((p) => alphabet.map((t) => (p === "" ? t : `${p}.${t}`)));
    out.push(...level);
  }
  return out;
}

/** Every filter over the alphabet plus '*' in every position, with 1 to maxDepth tokens, each also
 * with a trailing '>' in place of its last token. */
export function filterSubjects(alphabet: readonly string[], maxDepth: number): string[] {
  const withStar = [...alphabet, "*"];
  const out: string[] = [];
  let prefixes = [""];
  for (let d = 1; d <= maxDepth; d++) {
    for (const p of prefixes) out.push(p === "" ? ">" : `${p}.>`);
    prefixes = prefixes.flatMap((p) => withStar.map((t) => (p === "" ? t : `${p}.${t}`)));
    out.push(...prefixes);
  }
  return out;
}
