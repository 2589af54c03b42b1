// The CEL subset used for CRD x-kubernetes-validations rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CelError, compile, evaluate } from "../fake-apiserver/cel.js";

const run = (rule: string, self: unknown, oldSelf?: unknown): unknown => evaluate(compile(rule), { self, oldSelf });

test("field access, has(), logic and comparison", () => {
  assert.equal(run("!has(self.a) || !has(self.b) || self.a <= self.b", { a: 1, b: 2 }), true);
  assert.equal(run("!has(self.a) || !has(self.b) || self.a <= self.b", { a: 3, b: 2 }), false);
  assert.equal(run("!has(self.a) || !has(self.b) || self.a <= self.b", { a: 3 }), true);
  assert.equal(run("has(self.cluster) != has(self.route)", { cluster: "x" }), true);
  assert.equal(run("has(self.cluster) != has(self.route)", { cluster: "x", route: "y" }), false);
  assert.equal(run("self.size > 0 ? self.name.startsWith('a') : true", { size: 1, name: "abc" }), true);
  assert.equal(run("self.x in ['a', 'b'] && size(self.l) == 2 && self.l.size() == 2", { x: "b", l: [1, 2] }), true);
  assert.equal(run("(self.a + 2) * 3 / 2 % 3 == 1", { a: 1 }), true);
  assert.equal(run("self.name.matches('^[a-z]+$') && self.name.endsWith('z') && self.name.contains('y')", { name: "xyz" }), true);
});

test("macros over lists and maps", () => {
  assert.equal(run("self.all(x, x > 0)", [1, 2, 3]), true);
  assert.equal(run("self.exists(x, x == 2)", [1, 2, 3]), true);
  assert.equal(run("self.exists_one(x, x > 1)", [1, 2, 3]), false);
  assert.deepEqual(run("self.filter(x, x % 2 == 1).map(x, x * 10)", [1, 2, 3]), [10, 30]);
  assert.equal(run("self.all(k, k.startsWith('app'))", { app: 1, application: 2 }), true);
});

test("transition rules see oldSelf", () => {
  assert.equal(run("self == oldSelf", "a", "a"), true);
  assert.equal(run("self >= oldSelf", 3, 5), false);
});

test("errors: missing keys, type mismatches and unsupported syntax", () => {
  assert.throws(() => run("self.a > 1", {}), (e: unknown) => e instanceof CelError && e.message === "no such key: a");
  assert.throws(() => run("self.a > 'x'", { a: 1 }), CelError);
  assert.throws(() => compile("self.a >"), CelError);
  assert.throws(() => run("nosuch(self)", {}), /undeclared reference to 'nosuch'/);
  assert.equal(run("has(self.a) && self.a > 1 || true", {}), true, "an error on one side of || is absorbed when the other is true");
});
