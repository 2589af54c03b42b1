// A small CEL interpreter for CRD `x-kubernetes-validations` rules: literals, self/oldSelf, field access,
// has(), boolean/arithmetic/comparison operators, `in`, ternaries, lists and maps, size() and the string,
// list and macro functions rules commonly use (startsWith, endsWith, contains, matches, all, exists,
// exists_one, map, filter). Unsupported syntax raises CelError, which is reported like a compile error.
import { deepEqual, isObject } from "./json.js";

export class CelError extends Error {}

type Tok = { k: "num" | "str" | "id" | "op"; v: string };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? "";
    if (/\s/.test(c)) { i++; continue; }
    if (/[0-9]/.test(c)) {
      const m = /^(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][+-]?\d+)?)[uU]?/.exec(src.slice(i));
      out.push({ k: "num", v: (m?.[1] ?? c) });
      i += m?.[0].length ?? 1;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1, s = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < src.length) {
          const e = src[j + 1] ?? "";
          s += e === "n" ? "\n" : e === "t" ? "\t" : e;
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new CelError("unterminated string literal");
      out.push({ k: "str", v: s });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      out.push({ k: "id", v: m?.[0] ?? c });
      i += m?.[0].length ?? 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) { out.push({ k: "op", v: two }); i += 2; continue; }
    if ("+-*/%<>!?:.,()[]{}".includes(c)) { out.push({ k: "op", v: c }); i++; continue; }
    throw new CelError(`unexpected character '${c}'`);
  }
  return out;
}

type Node =
  | { t: "lit"; v: unknown }
  | { t: "id"; name: string }
  | { t: "sel"; obj: Node; field: string }
  | { t: "idx"; obj: Node; index: Node }
  | { t: "call"; name: string; target?: Node; args: Node[] }
  | { t: "un"; op: string; x: Node }
  | { t: "bin"; op: string; a: Node; b: Node }
  | { t: "cond"; c: Node; a: Node; b: Node }
  | { t: "list"; items: Node[] }
  | { t: "map"; entries: [Node, Node][] };

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}
  private peek(v?: string): boolean { const t = this.toks[this.i]; return t !== undefined && (v === undefined || (t.k === "op" && t.v === v)); }
  private eat(v: string): void {
    if (!this.peek(v)) throw new CelError(`expected '${v}'`);
    this.i++;
  }
  parse(): Node {
    const n = this.expr();
    if (this.i < this.toks.length) throw new CelError(`unexpected '${this.toks[this.i]?.v ?? ""}'`);
    return n;
  }
  private expr(): Node {
    const c = this.bin(0);
    if (this.peek("?")) { this.i++; const a = this.expr(); this.eat(":"); const b = this.expr(); return { t: "cond", c, a, b }; }
    return c;
  }
  private static readonly LEVELS = [["||"], ["&&"], ["==", "!=", "<", "<=", ">", ">=", "in"], ["+", "-"], ["*", "/", "%"]];
  private bin(level: number): Node {
    if (level >= Parser.LEVELS.length) return this.unary();
    let a = this.bin(level + 1);
    for (;;) {
      const t = this.toks[this.i];
      const ops = Parser.LEVELS[level] ?? [];
      if (!t || !ops.includes(t.v) || (t.k !== "op" && !(t.k === "id" && t.v === "in"))) return a;
      this.i++;
      a = { t: "bin", op: t.v, a, b: this.bin(level + 1) };
    }
  }
  private unary(): Node {
    if (this.peek("!")) { this.i++; return { t: "un", op: "!", x: this.unary() }; }
    if (this.peek("-")) { this.i++; return { t: "un", op: "-", x: this.unary() }; }
    return this.member();
  }
  private args(): Node[] {
    const out: Node[] = [];
    this.eat("(");
    while (!this.peek(")")) { out.push(this.expr()); if (!this.peek(")")) this.eat(","); }
    this.eat(")");
    return out;
  }
  private member(): Node {
    let n = this.primary();
    for (;;) {
      if (this.peek(".")) {
        this.i++;
        const id = this.toks[this.i++];
        if (!id || id.k !== "id") throw new CelError("expected a field name");
        n = this.peek("(") ? { t: "call", name: id.v, target: n, args: this.args() } : { t: "sel", obj: n, field: id.v };
      } else if (this.peek("[")) {
        this.i++;
        const index = this.expr();
        this.eat("]");
        n = { t: "idx", obj: n, index };
      } else return n;
    }
  }
  private primary(): Node {
    const t = this.toks[this.i++];
    if (!t) throw new CelError("unexpected end of expression");
    if (t.k === "num") return { t: "lit", v: Number(t.v) };
    if (t.k === "str") return { t: "lit", v: t.v };
    if (t.k === "id") {
      if (t.v === "true" || t.v === "false") return { t: "lit", v: t.v === "true" };
      if (t.v === "null") return { t: "lit", v: null };
      if (this.peek("(")) return { t: "call", name: t.v, args: this.args() };
      return { t: "id", name: t.v };
    }
    if (t.v === "(") { const e = this.expr(); this.eat(")"); return e; }
    if (t.v === "[") {
      const items: Node[] = [];
      while (!this.peek("]")) { items.push(this.expr()); if (!this.peek("]")) this.eat(","); }
      this.eat("]");
      return { t: "list", items };
    }
    if (t.v === "{") {
      const entries: [Node, Node][] = [];
      while (!this.peek("}")) { const k = this.expr(); this.eat(":"); entries.push([k, this.expr()]); if (!this.peek("}")) this.eat(","); }
      this.eat("}");
      return { t: "map", entries };
    }
    throw new CelError(`unexpected '${t.v}'`);
  }
}

const cache = new Map<string, Node>();

export function compile(rule: string): Node {
  let n = cache.get(rule);
  if (!n) { n = new Parser(lex(rule)).parse(); cache.set(rule, n); }
  return n;
}

/** Does the rule mention oldSelf (a transition rule, only checked on update)? */
export function usesOldSelf(rule: string): boolean {
  return /\boldSelf\b/.test(rule);
}

type Env = Record<string, unknown>;

function size(v: unknown): number {
  if (typeof v === "string") return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (isObject(v)) return Object.keys(v).length;
  throw new CelError("no such overload: size");
}

function truthy(v: unknown, what: string): boolean {
  if (typeof v !== "boolean") throw new CelError(`no matching overload for '${what}'`);
  return v;
}

function field(obj: unknown, f: string): unknown {
  if (!isObject(obj) || !(f in obj) || obj[f] === undefined) throw new CelError(`no such key: ${f}`);
  return obj[f];
}

function macro(name: string, target: unknown, args: Node[], env: Env): unknown {
  const v = args[0];
  if (!v || v.t !== "id") throw new CelError(`${name}: expected a variable`);
  const items = Array.isArray(target) ? target : isObject(target) ? Object.keys(target) : undefined;
  if (!items) throw new CelError(`no such overload: ${name}`);
  const body = args[args.length - 1] as Node;
  const run = (x: unknown, n: Node): unknown => evaluate(n, { ...env, [v.name]: x });
  switch (name) {
    case "all": return items.every((x) => truthy(run(x, body), name));
    case "exists": return items.some((x) => truthy(run(x, body), name));
    case "exists_one": return items.filter((x) => truthy(run(x, body), name)).length === 1;
    case "filter": return items.filter((x) => truthy(run(x, body), name));
    case "map": return args.length === 3 ? items.filter((x) => truthy(run(x, args[1] as Node), name)).map((x) => run(x, body))
      : items.map((x) => run(x, body));
  }
  throw new CelError(`undeclared reference to '${name}'`);
}

function call(n: Extract<Node, { t: "call" }>, env: Env): unknown {
  if (n.name === "has") {
    const a = n.args[0];
    if (!a || a.t !== "sel") throw new CelError("invalid argument to has() macro");
    const obj = evaluate(a.obj, env);
    return isObject(obj) && obj[a.field] !== undefined;
  }
  if (n.target && ["all", "exists", "exists_one", "map", "filter"].includes(n.name)) return macro(n.name, evaluate(n.target, env), n.args, env);
  const target = n.target === undefined ? undefined : evaluate(n.target, env);
  const args = n.args.map((a) => evaluate(a, env));
  const s = (v: unknown): string => { if (typeof v !== "string") throw new CelError(`no such overload: ${n.name}`); return v; };
  switch (n.name) {
    case "size": return size(n.target !== undefined ? target : args[0]);
    case "startsWith": return s(target).startsWith(s(args[0]));
    case "endsWith": return s(target).endsWith(s(args[0]));
    case "contains": return s(target).includes(s(args[0]));
    case "matches": return new RegExp(s(args[0])).test(s(n.target !== undefined ? target : args[1]));
    case "lowerAscii": return s(target).toLowerCase();
    case "upperAscii": return s(target).toUpperCase();
    case "int": return Math.trunc(Number(args[0]));
    case "double": return Number(args[0]);
    case "string": return typeof args[0] === "string" ? args[0] : JSON.stringify(args[0]);
  }
  throw new CelError(`undeclared reference to '${n.name}'`);
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (op === "==") return deepEqual(a, b);
  if (op === "!=") return !deepEqual(a, b);
  if (!((typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string"))) {
    throw new CelError(`no such overload: ${typeof a} ${op} ${typeof b}`);
  }
  switch (op) {
    case "<": return a < b;
    case "<=": return a <= b;
    case ">": return a > b;
    default: return a >= b;
  }
}

export function evaluate(n: Node, env: Env): unknown {
  switch (n.t) {
    case "lit": return n.v;
    case "id":
      if (!(n.name in env)) throw new CelError(`undeclared reference to '${n.name}'`);
      return env[n.name];
    case "sel": return field(evaluate(n.obj, env), n.field);
    case "idx": {
      const o = evaluate(n.obj, env), k = evaluate(n.index, env);
      if (Array.isArray(o) && typeof k === "number") { if (k < 0 || k >= o.length) throw new CelError("index out of bounds"); return o[k]; }
      return field(o, String(k));
    }
    case "call": return call(n, env);
    case "un": {
      const x = evaluate(n.x, env);
      if (n.op === "!") return !truthy(x, "!");
      if (typeof x !== "number") throw new CelError("no such overload: -");
      return -x;
    }
    case "cond": return truthy(evaluate(n.c, env), "?:") ? evaluate(n.a, env) : evaluate(n.b, env);
    case "list": return n.items.map((i) => evaluate(i, env));
    case "map": return Object.fromEntries(n.entries.map(([k, v]) => [String(evaluate(k, env)), evaluate(v, env)]));
    case "bin": {
      if (n.op === "||") {
        // CEL's commutative logic: an error on one side is absorbed if the other side is true.
        let err: unknown;
        for (const side of [n.a, n.b]) {
          try { if (truthy(evaluate(side, env), "||")) return true; } catch (e) { err = e; }
        }
        if (err) throw err;
        return false;
      }
      if (n.op === "&&") {
        let err: unknown;
        for (const side of [n.a, n.b]) {
          try { if (!truthy(evaluate(side, env), "&&")) return false; } catch (e) { err = e; }
        }
        if (err) throw err;
        return true;
      }
      const a = evaluate(n.a, env), b = evaluate(n.b, env);
      switch (n.op) {
        case "in": return Array.isArray(b) ? b.some((x) => deepEqual(x, a)) : isObject(b) && typeof a === "string" && a in b;
        case "+":
          if (typeof a === "number" && typeof b === "number") return a + b;
          if (typeof a === "string" && typeof b === "string") return a + b;
          if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
          throw new CelError("no such overload: +");
        case "-": case "*": case "/": case "%": {
          if (typeof a !== "number" || typeof b !== "number") throw new CelError(`no such overload: ${n.op}`);
          if ((n.op === "/" || n.op === "%") && b === 0) throw new CelError(n.op === "/" ? "division by zero" : "modulus by zero");
          return n.op === "-" ? a - b : n.op === "*" ? a * b : n.op === "/" ? (Number.isInteger(a) && Number.isInteger(b) ? Math.trunc(a / b) : a / b) : a % b;
        }
        default: return compare(n.op, a, b);
      }
    }
  }
}
