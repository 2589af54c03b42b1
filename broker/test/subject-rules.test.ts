// Subject rules: which subjects a client may subscribe to and publish on, and which filter matches
// which literal subject, checked against nats-server's rules and against the brute-force reference.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hasWildcard, isValidLiteralSubject, isValidSubject, subjectMatches } from "../src/subjects/subject.js";
import { filterSubjects, literalSubjects, refMatches } from "./subject-reference.js";

test("isValidSubject: wildcards as whole tokens, '>' only last, no empty token, no space, tab, CR or LF", () => {
  const valid = [
    "a", "a.b", "foo.bar.baz", "*", ">", "a.*", "*.b", "a.*.c", "a.>", "*.*.>", "a*", "*a", "a>", ">a",
    "a.b*.c", "a.>b", "$SYS.REQ.SERVER.PING", "_INBOX.Xz9.1", "a-b_c~d", "\u00e9.\u00ff", "a\u0000b", "1.2.3",
  ];
  for (const s of valid) assert.equal(isValidSubject(s), true, JSON.stringify(s));
  const invalid = [
    "", ".", "..", "a.", ".a", "a..b", "a.>.b", ">.a", ">.>", "a b", "a\tb", "a\rb", "a\nb", " ", "\t",
    "a. .b", "a.b.",
  ];
  for (const s of invalid) assert.equal(isValidSubject(s), false, JSON.stringify(s));
});

test("isValidLiteralSubject: a valid subject without '*' or '>' tokens", () => {
  for (const s of ["a", "a.b.c", "a*", "a*.b", ">a", "a.b>", "*a.b>", "_INBOX.x"]) {
    assert.equal(isValidLiteralSubject(s), true, JSON.stringify(s));
  }
  for (const s of ["", "*", ">", "a.*", "a.>", "*.a", ">.a", "a.*.b", "a..b", "a.", ".a"]) {
    assert.equal(isValidLiteralSubject(s), false, JSON.stringify(s));
  }
});

test("hasWildcard: true only for '*' or '>' as a whole token", () => {
  for (const s of ["*", ">", "a.*", "*.a", "a.*.b", "a.>", ">.a", "*.*"]) assert.equal(hasWildcard(s), true, s);
  for (const s of ["a", "a*", "a>", "*a.b", "a.b*", "a.*b", "a.>b", "a.b.c"]) assert.equal(hasWildcard(s), false, s);
});

test("subjectMatches agrees with the reference for every filter and literal subject of the matrix", () => {
  const filters = [...filterSubjects(["a", "b"], 4), "a*", "a*.>", ">a.*"];
  // Wildcard tokens in the subject are matched as plain tokens, as nats-server's sublist does for a
  // non-pedantic PUB to `foo.>` (probed: it reaches `foo.*` subscribers).
  const subjects = [...literalSubjects(["a", "b", "c"], 5), ...literalSubjects(["a", "*", ">"], 3), "a*", "a*.b", ">a.c"];
  let matched = 0;
  for (const f of filters) {
    for (const s of subjects) {
      const want = refMatches(f, s);
      if (want) matched++;
      assert.equal(subjectMatches(f, s), want, `filter ${f} subject ${s}`);
    }
  }
  assert.ok(matched > 1000, `the matrix exercises matches too (${matched})`);
});

test("subjectMatches: hand-checked cases at the edges", () => {
  assert.equal(subjectMatches(">", "a"), true);
  assert.equal(subjectMatches("a.>", "a"), false, "'>' needs at least one token");
  assert.equal(subjectMatches("a.>", "a.b.c.d.e.f"), true);
  assert.equal(subjectMatches("*", "a.b"), false);
  assert.equal(subjectMatches("a.*", "a"), false);
  assert.equal(subjectMatches("*.*", "a.b"), true);
  assert.equal(subjectMatches("a.b", "a.b.c"), false);
  assert.equal(subjectMatches("a.b.c", "a.b"), false);
  assert.equal(subjectMatches("a*", "ab"), false, "'*' inside a token is literal");
  assert.equal(subjectMatches("a*", "a*"), true);
  assert.equal(subjectMatches("foo.*", "foo.>"), true, "'*' takes a '>' token like any other");
  assert.equal(subjectMatches("foo.bar", "foo.*"), false, "a '*' token in the subject is not a wildcard");
  assert.equal(subjectMatches("*", ">"), true);
});
