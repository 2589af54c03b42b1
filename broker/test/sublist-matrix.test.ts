// The subscription index against a brute-force reference: a matrix of subscriptions (literal, '*' in
// every position, '>' at every depth, each also in queue groups) matched against every literal subject
// up to five tokens; plus queue-group shape, duplicates, empty tokens, absent removals and pruning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Sublist } from "../src/subjects/sublist.js";
import { canonical, filterSubjects, literalSubjects, refMatch, type RefSub } from "./subject-reference.js";
import { rng } from "./parser-recorder.js";

class Sub implements RefSub {
  constructor(readonly id: number, readonly subject: string, readonly queue: string | null) {}
}

const FILTERS = filterSubjects(["a", "b"], 4);
const SUBJECTS = literalSubjects(["a", "b", "c"], 5);

/** For every filter: two plain subs, one member of queue "q1", two of "q2", and for some filters a
 * member of "q3", so that groups of the same name meet across different filters. */
function matrixSubs(): Sub[] {
  const subs: Sub[] = [];
  let id = 0;
  FILTERS.forEach((f, k) => {
    subs.push(new Sub(id++, f, null), new Sub(id++, f, null));
    subs.push(new Sub(id++, f, "q1"), new Sub(id++, f, "q2"), new Sub(id++, f, "q2"));
    if (k % 3 === 0) subs.push(new Sub(id++, f, "q3"));
  });
  return subs;
}

function shuffled<T>(items: readonly T[], r: () => number): T[] {
  const out = [...items];
  for (let k = out.length - 1; k > 0; k--) {
    const j = (r() * (k + 1)) | 0;
    [out[k], out[j]] = [out[j]!, out[k]!];
  }
  return out;
}

function assertMatches(sl: Sublist<Sub>, live: Iterable<Sub>, subjects: readonly string[], note = ""): void {
  const liveList = [...live];
  for (const s of subjects) {
    assert.deepEqual(canonical(sl.match(s)), refMatch(liveList, s), `${note} subject ${s}`);
  }
}

test("the wildcard and queue matrix matches exactly what the reference matches", () => {
  const subs = matrixSubs();
  const sl = new Sublist<Sub>();
  for (const s of subs) sl.insert(s);
  assert.equal(sl.size, subs.length);
  // Twice: the second pass is served from the cache and must be identical.
  const expected = SUBJECTS.map((s) => refMatch(subs, s));
  for (const pass of ["cold", "cached"]) {
    SUBJECTS.forEach((s, k) => assert.deepEqual(canonical(sl.match(s)), expected[k], `${pass}: subject ${s}`));
  }
  assert.equal(sl.cacheSize, SUBJECTS.length);
  // Sanity of the matrix itself: deep subjects meet many filters and queue groups.
  const deep = canonical(sl.match("a.b.a.b"));
  assert.ok(deep.psubs.length >= 20 && Object.keys(deep.qsubs).length === 3, JSON.stringify(deep));
  assert.deepEqual(canonical(sl.match("c.c.c.c.c")), refMatch(subs, "c.c.c.c.c"));
  assert.ok(refMatch(subs, "c.c.c.c.c").psubs.length > 0, "'>' reaches five-token subjects");
});

test("all() returns every inserted subscription once", () => {
  const subs = matrixSubs();
  const sl = new Sublist<Sub>();
  for (const s of subs) sl.insert(s);
  assert.deepEqual(sl.all().map((s) => s.id).sort((a, b) => a - b), subs.map((s) => s.id));
});

test("queue groups: same name on different filters is one group; each group lists all its members", () => {
  const sl = new Sublist<Sub>();
  const subs = [
    new Sub(1, "orders.new", "workers"), new Sub(2, "orders.*", "workers"), new Sub(3, "orders.>", "workers"),
    new Sub(4, "orders.new", "audit"), new Sub(5, "orders.new", null), new Sub(6, "orders.*", null),
  ];
  for (const s of subs) sl.insert(s);
  const r = sl.match("orders.new");
  assert.equal(r.qsubs.length, 2);
  assert.deepEqual(canonical(r), { psubs: [5, 6], qsubs: { audit: [4], workers: [1, 2, 3] } });
  assert.deepEqual(canonical(sl.match("orders.old")), { psubs: [6], qsubs: { workers: [2, 3] } });
  assert.deepEqual(canonical(sl.match("orders.old.x")), { psubs: [], qsubs: { workers: [3] } });
});

test("duplicate queue members: two subs with the same subject and queue are both members", () => {
  const sl = new Sublist<Sub>();
  const a = new Sub(1, "jobs", "q"), b = new Sub(2, "jobs", "q"), c = new Sub(3, "jobs", null), d = new Sub(4, "jobs", null);
  for (const s of [a, b, c, d]) sl.insert(s);
  assert.deepEqual(canonical(sl.match("jobs")), { psubs: [3, 4], qsubs: { q: [1, 2] } });
  assert.equal(sl.remove(a), true);
  assert.deepEqual(canonical(sl.match("jobs")), { psubs: [3, 4], qsubs: { q: [2] } });
  assert.equal(sl.remove(b), true);
  assert.deepEqual(canonical(sl.match("jobs")), { psubs: [3, 4], qsubs: {} });
  assert.equal(sl.remove(c), true);
  assert.deepEqual(canonical(sl.match("jobs")), { psubs: [4], qsubs: {} });
});

test("subjects with an empty token match nothing, not even '>' or '*'", () => {
  const sl = new Sublist<Sub>();
  let id = 0;
  for (const f of [">", "*", "*.*", "*.>", "a.>", "a.*.b", "a.*", "*.b"]) sl.insert(new Sub(id++, f, null));
  for (const f of [">", "a.>"]) sl.insert(new Sub(id++, f, "q"));
  for (const s of ["", ".", "..", "a.", ".a", "a..b", ".b", "a.b.", "a..", "..b"]) {
    const r = sl.match(s);
    assert.deepEqual([r.psubs.length, r.qsubs.length], [0, 0], JSON.stringify(s));
  }
  assert.ok(sl.match("a.b").psubs.length > 0, "the same subs do match a valid subject");
});

test("tokens holding '*' or '>' among other characters are literal", () => {
  const sl = new Sublist<Sub>();
  const subs = [new Sub(1, "a*", null), new Sub(2, "a.>b", null), new Sub(3, "*x.*", null)];
  for (const s of subs) sl.insert(s);
  for (const s of ["a*", "ab", "a", "a.>b", "a.b", "*x.y", "zx.y", "a*.b"]) {
    assert.deepEqual(canonical(sl.match(s)), refMatch(subs, s), s);
  }
  assert.deepEqual(canonical(sl.match("a*")).psubs, [1]);
});

test("nothing matched gives one shared empty result", () => {
  const sl = new Sublist<Sub>();
  sl.insert(new Sub(1, "a.b", null));
  const x = sl.match("x.y"), y = sl.match("nope");
  assert.deepEqual([x.psubs.length, x.qsubs.length], [0, 0]);
  assert.equal(x, y);
});

test("remove of an absent subscription returns false and changes nothing", () => {
  const sl = new Sublist<Sub>();
  const here = new Sub(1, "a.b", null), queued = new Sub(2, "a.*", "q");
  sl.insert(here);
  sl.insert(queued);
  const before = canonical(sl.match("a.b"));
  const absent = [
    new Sub(1, "a.b", null), // equal fields, another object
    new Sub(3, "a.c", null), // subject not in the index
    new Sub(4, "a.b.c", null), // deeper than any node
    new Sub(5, "a", null), // an inner node with no subs
    new Sub(6, "a.*", null), // plain where only a queue sub sits
    new Sub(7, "a.*", "other"), // an unknown queue on an existing node
    new Sub(8, "a.b", "q"), // a queue that sits on another node
    new Sub(9, ">", null),
  ];
  for (const s of absent) assert.equal(sl.remove(s), false, `${s.subject} ${s.queue}`);
  assert.equal(sl.size, 2);
  assert.deepEqual(canonical(sl.match("a.b")), before);
  assert.equal(sl.remove(here), true);
  assert.equal(sl.remove(here), false, "a second remove finds nothing");
  assert.equal(sl.size, 1);
});

test("removing every subscription, in random order, prunes the index back to empty", () => {
  const subs = matrixSubs();
  const sl = new Sublist<Sub>();
  for (const s of subs) sl.insert(s);
  const order = shuffled(subs, rng(42));
  const live = new Map(subs.map((s) => [s.id, s]));
  let step = 0;
  for (const s of order) {
    assert.equal(sl.remove(s), true);
    live.delete(s.id);
    step++;
    if (step % 97 === 0) {
      assert.deepEqual(sl.all().map((x) => x.id).sort((a, b) => a - b), [...live.keys()].sort((a, b) => a - b));
      assertMatches(sl, live.values(), SUBJECTS.filter((_, k) => k % 7 === step % 7), `after ${step} removals`);
    }
  }
  assert.deepEqual(sl.all(), []);
  assert.equal(sl.size, 0);
  // White-box: no empty node is left behind (a long-lived server would otherwise leak one per subject).
  const root = (sl as unknown as { root: { nodes: Map<string, unknown>; pwc: unknown; fwc: unknown } }).root;
  assert.deepEqual([root.nodes.size, root.pwc, root.fwc], [0, null, null], "the trie is pruned to an empty root");
  for (const s of SUBJECTS) assert.equal(sl.match(s).psubs.length + sl.match(s).qsubs.length, 0, s);
  // The emptied index works as new.
  const again = new Sub(1, "a.*", "q");
  sl.insert(again);
  assert.deepEqual(canonical(sl.match("a.b")), { psubs: [], qsubs: { q: [1] } });
  assert.deepEqual(sl.all(), [again]);
});

test("deep subjects: '>' and '*' at depth, twenty tokens", () => {
  const sl = new Sublist<Sub>();
  const tokens = Array.from({ length: 20 }, (_, k) => `t${k}`);
  const subs = [
    new Sub(1, tokens.join("."), null),
    new Sub(2, [...tokens.slice(0, 19), "*"].join("."), null),
    new Sub(3, [...tokens.slice(0, 10), ">"].join("."), "q"),
    new Sub(4, tokens.map(() => "*").join("."), null),
    new Sub(5, [...tokens.map(() => "*"), ">"].join("."), null),
  ];
  for (const s of subs) sl.insert(s);
  for (const s of [tokens.join("."), tokens.slice(0, 11).join("."), [...tokens, "x"].join("."), tokens.slice(0, 10).join(".")]) {
    assert.deepEqual(canonical(sl.match(s)), refMatch(subs, s), s);
  }
});
