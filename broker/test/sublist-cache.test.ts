// The sublist's result cache: never stale after an insert or a remove (checked against the brute-force
// reference after every change, with the cache warm), bounded at 1024 entries, and a generation id
// that changes on every insert and remove.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Sublist } from "../src/subjects/sublist.js";
import { canonical, filterSubjects, literalSubjects, refMatch, type RefSub } from "./subject-reference.js";
import { rng } from "./parser-recorder.js";

class Sub implements RefSub {
  constructor(readonly id: number, readonly subject: string, readonly queue: string | null) {}
}

const CACHE_MAX = 1024; // nats-server's slCacheMax

// Publishers without pedantic mode may use '*' and '>' tokens in a PUB subject; nats-server then
// matches them as plain tokens (probed: a PUB to `foo.>` reaches `foo.*`, `foo.>`, `*.>` and `>`).
const SUBJECTS = [...new Set([...literalSubjects(["a", "b", "c"], 4), ...literalSubjects(["a", "*", ">"], 3)])];
const FILTERS = filterSubjects(["a", "b"], 3);
const QUEUES = [null, null, "q1", "q2"];

function same(sl: Sublist<Sub>, live: Iterable<Sub>, subject: string, note: string): void {
  const got = canonical(sl.match(subject));
  const want = refMatch(live, subject);
  if (JSON.stringify(got) !== JSON.stringify(want)) assert.deepEqual(got, want, `${note}: subject ${subject}`);
}

test("random inserts and removes with the cache warm: match() is never stale, genid always moves", () => {
  const sl = new Sublist<Sub>();
  const live = new Map<number, Sub>();
  const r = rng(2024);
  let nextId = 0;
  for (let step = 0; step < 300; step++) {
    // Warm the cache with every subject, so the change below must invalidate what it affects.
    for (const s of SUBJECTS) sl.match(s);
    assert.ok(sl.cacheSize > 0 && sl.cacheSize <= CACHE_MAX);
    const gen = sl.genid;
    const ids = [...live.keys()];
    let what: string;
    if (ids.length === 0 || r() < 0.55) {
      const sub = new Sub(nextId++, FILTERS[(r() * FILTERS.length) | 0]!, QUEUES[(r() * QUEUES.length) | 0]!);
      sl.insert(sub);
      live.set(sub.id, sub);
      what = `insert ${sub.subject} ${sub.queue}`;
      assert.notEqual(sl.genid, gen, what);
    } else {
      const victim = live.get(ids[(r() * ids.length) | 0]!)!;
      assert.equal(sl.remove(victim), true);
      live.delete(victim.id);
      what = `remove ${victim.subject} ${victim.queue}`;
      assert.notEqual(sl.genid, gen, what);
    }
    assert.equal(sl.size, live.size);
    for (const s of SUBJECTS) same(sl, live.values(), s, `step ${step} after ${what}`);
  }
});

test("hand-picked invalidations: each cached subject sees the change that affects it", () => {
  const sl = new Sublist<Sub>();
  const live: Sub[] = [];
  const check = (note: string): void => {
    for (const s of ["foo", "foo.bar", "foo.bar.baz", "foo.*", "foo.>", "x.y.z", "*", ">"]) same(sl, live, s, note);
  };
  const add = (s: Sub): void => {
    for (const subject of ["foo", "foo.bar", "foo.bar.baz", "foo.*", "foo.>", "x.y.z", "*", ">"]) sl.match(subject);
    sl.insert(s);
    live.push(s);
    check(`after insert ${s.subject} ${s.queue}`);
  };
  const del = (s: Sub): void => {
    for (const subject of ["foo", "foo.bar", "foo.bar.baz", "foo.*", "foo.>", "x.y.z", "*", ">"]) sl.match(subject);
    assert.equal(sl.remove(s), true);
    live.splice(live.indexOf(s), 1);
    check(`after remove ${s.subject} ${s.queue}`);
  };
  const subs = [
    new Sub(1, "foo.bar", null), new Sub(2, "foo.*", null), new Sub(3, "foo.>", "q"), new Sub(4, ">", null),
    new Sub(5, "*", "q"), new Sub(6, "*.bar", null), new Sub(7, "foo.bar", "q"), new Sub(8, "*.*.baz", null),
  ];
  for (const s of subs) add(s);
  for (const s of [subs[2]!, subs[0]!, subs[3]!, subs[1]!, subs[7]!, subs[4]!, subs[6]!, subs[5]!]) del(s);
  assert.equal(sl.size, 0);
});

test("a cached PUB subject with a '>' token sees a later '*' subscription", () => {
  // nats-server delivers a PUB to `foo.>` to a `foo.*` subscriber (the '>' is just a token there).
  const sl = new Sublist<Sub>();
  assert.equal(sl.match("foo.>").psubs.length, 0);
  const star = new Sub(1, "foo.*", null);
  sl.insert(star);
  assert.deepEqual(canonical(sl.match("foo.>")), { psubs: [1], qsubs: {} });
  sl.remove(star);
  assert.equal(sl.match("foo.>").psubs.length, 0);
});

test("the cache stays bounded over many distinct subjects, and results stay right after sweeps", () => {
  const sl = new Sublist<Sub>();
  const subs = [new Sub(1, "load.*", null), new Sub(2, "load.>", "q"), new Sub(3, "load.7", null), new Sub(4, ">", null)];
  for (const s of subs) sl.insert(s);
  let max = 0;
  for (let k = 0; k < 5000; k++) {
    const subject = k % 2 === 0 ? `load.${k}` : `other.${k}.x`;
    const got = canonical(sl.match(subject));
    max = Math.max(max, sl.cacheSize);
    if (k % 50 === 0) assert.deepEqual(got, refMatch(subs, subject), subject);
  }
  assert.ok(max <= CACHE_MAX, `cache reached ${max} entries`);
  assert.ok(max > CACHE_MAX / 2, `the cache is used (${max} entries at most)`);
  // Subjects swept out of the cache and subjects still in it give the same results as the reference.
  for (const subject of ["load.0", "load.7", "load.4998", "other.1.x", "other.4999.x", "load"]) {
    assert.deepEqual(canonical(sl.match(subject)), refMatch(subs, subject), subject);
  }
  // A change after sweeps still invalidates what is cached.
  sl.match("load.4000");
  const late = new Sub(5, "load.4000", "q2");
  sl.insert(late);
  assert.deepEqual(canonical(sl.match("load.4000")), refMatch([...subs, late], "load.4000"));
  assert.ok(sl.cacheSize <= CACHE_MAX);
});

test("genid changes on every insert and remove, and not on match or on a remove that finds nothing", () => {
  const sl = new Sublist<Sub>();
  const seen = new Set<number>([sl.genid]);
  const subs = [new Sub(1, "a", null), new Sub(2, "a", null), new Sub(3, "a.*", "q"), new Sub(4, ">", null)];
  for (const s of subs) {
    sl.insert(s);
    assert.ok(!seen.has(sl.genid), "a new generation on insert");
    seen.add(sl.genid);
  }
  const g = sl.genid;
  sl.match("a");
  sl.match("a.b");
  sl.all();
  assert.equal(sl.genid, g, "match and all() leave the generation alone");
  assert.equal(sl.remove(new Sub(9, "a", null)), false);
  assert.equal(sl.genid, g, "a remove that finds nothing leaves the generation alone");
  for (const s of subs) {
    assert.equal(sl.remove(s), true);
    assert.ok(!seen.has(sl.genid), "a new generation on remove");
    seen.add(sl.genid);
  }
  // Re-inserting a subscription removed earlier is a change too.
  sl.insert(subs[0]!);
  assert.ok(!seen.has(sl.genid));
});
