// The structural half of the config language: top-level and `{}` maps, `[]` arrays, `include`
// (relative to the including file, cycle-safe, bounded depth) and `$VAR` references (looked up in
// the enclosing maps, innermost first, then in the environment). Follows nats-server 2.9's
// conf/parse.go; the result is a tree of positioned values.

import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isSpace, Scanner, type Scalar } from "./lexer.js";
import { ConfigError, type ConfigEntry, type ConfigMap, type ConfigValue, type Position } from "./values.js";

export interface ParseOptions {
  /** Where `$VAR` falls back to; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export const MAX_INCLUDE_DEPTH = 10;
export const MAX_NESTING = 100;
/** A config file larger than this is refused rather than read (it is surely not a config). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
const MAX_ENV_DEPTH = 8;
/** nats-server passes `$2a$...` (a bcrypt hash) through as a plain string. */
const BCRYPT_PREFIX = "2a$";

interface Context {
  env: Readonly<Record<string, string | undefined>>;
  includeChain: string[]; // real paths of the files being parsed, outermost first
  envDepth: number;
}

/** Parses a config file (and everything it includes) into a map of positioned values. */
export function parseConfigFile(path: string, opts: ParseOptions = {}): ConfigMap {
  const ctx: Context = { env: opts.env ?? process.env, includeChain: [], envDepth: 0 };
  return parseFileWith(path, ctx, null);
}

/** Parses config text. `file` names it in positions and anchors relative includes. */
export function parseConfigString(text: string, file = "<config>", opts: ParseOptions = {}): ConfigMap {
  const ctx: Context = { env: opts.env ?? process.env, includeChain: [], envDepth: 0 };
  return new Parser(text, file, ctx).parseDocument();
}

function parseFileWith(path: string, ctx: Context, from: { pos: Position; name: string } | null): ConfigMap {
  let text: string;
  let real: string;
  try {
    // Only regular files: reading /dev/zero or a FIFO would never end.
    const st = statSync(path);
    if (!st.isFile()) throw new Error("not a regular file");
    if (st.size > MAX_FILE_BYTES) throw new Error(`file is larger than ${MAX_FILE_BYTES} bytes`);
    text = readFileSync(path, "utf8");
    real = realpathSync(path);
  } catch (e) {
    const msg = (e as NodeJS.ErrnoException).code === "ENOENT" ? `open ${path}: no such file or directory`
      : `open ${path}: ${(e as Error).message}`;
    if (from) throw new ConfigError({ pos: from.pos, reason: `error parsing include file '${from.name}', ${msg}` });
    throw new ConfigError({ pos: { file: path, line: 0, column: 1 }, reason: `error opening config file: ${msg}` });
  }
  if (from) {
    if (ctx.includeChain.includes(real)) {
      const chain = [...ctx.includeChain.slice(ctx.includeChain.indexOf(real)), real].join(" -> ");
      throw new ConfigError({ pos: from.pos, reason: `include cycle: ${chain}` });
    }
    if (ctx.includeChain.length > MAX_INCLUDE_DEPTH) {
      throw new ConfigError({ pos: from.pos, reason: `includes nested more than ${MAX_INCLUDE_DEPTH} deep at '${from.name}'` });
    }
  }
  const sub: Context = { ...ctx, includeChain: [...ctx.includeChain, real] };
  return new Parser(text, path, sub).parseDocument();
}

class Parser {
  private readonly sc: Scanner;
  /** Enclosing containers, outermost first; arrays are null because variables ignore them. */
  private readonly scopes: (ConfigMap | null)[] = [];

  constructor(text: string, private readonly file: string, private readonly ctx: Context) {
    this.sc = new Scanner(text, file);
  }

  parseDocument(): ConfigMap {
    const root: ConfigMap = new Map();
    this.scopes.push(root);
    const sc = this.sc;
    for (;;) {
      sc.skipAllSpace();
      const c = sc.peek();
      if (c === "") break;
      // A whole file may be wrapped in braces, JSON style (the closing one is handled in parseEntry).
      if (c === "{") { sc.next(); continue; }
      if (sc.atComment()) { sc.skipComment(); continue; }
      if (c === "/") sc.fail("Unexpected character '/'; comments start with '#' or '//'");
      this.parseEntry(root, true, 1);
      this.endTopValue();
    }
    return root;
  }

  private endTopValue(): void {
    const sc = this.sc;
    sc.skipSpaceTab();
    if (sc.atComment()) { sc.skipComment(); return; }
    const c = sc.peek();
    if (c === "") return;
    if (c === "\n" || c === "\r" || c === ";" || c === "," || c === "}") { sc.next(); return; }
    sc.fail(`Expected a top-level value to end with a new line, comment or EOF, but got '${sc.shown()}' instead.`);
  }

  /** One `key [=|:] value`, or an `include path`, into `map`. */
  private parseEntry(map: ConfigMap, top: boolean, depth: number): void {
    const sc = this.sc;
    const c = sc.peek();
    if (c === "=" || c === ":") sc.fail(`Unexpected key separator '${c}'`);
    if (c === "]" && !top) sc.fail("Unexpected array end ']' processing map.");
    const { key, pos, bare } = sc.readKey();
    if (bare && key.toLowerCase() === "include" && isSpace(sc.peek())) {
      this.include(map, sc.readIncludePath(), pos);
      return;
    }
    sc.skipAllSpace();
    if (sc.peek() === "=" || sc.peek() === ":") sc.next();
    // At the top level a value must start on the key's line; inside a map it may follow on the next.
    if (top) sc.skipSpaceTab(); else sc.skipAllSpace();
    const v = sc.peek();
    if (v === "" && top && key === "}" && bare) return; // the closing brace of a JSON-style file
    if (v === "") sc.fail(`Unexpected EOF: expected a value for key "${key}"`);
    if (!top && v === ",") sc.fail("Unexpected map value terminator ','.");
    if (!top && v === "}") sc.fail(`Expected a value for key "${key}" but found '}'`);
    const value = this.parseValue(depth);
    const entry: ConfigEntry = { key, keyPos: pos, value, usedAsVariable: false };
    map.delete(key); // a later assignment wins and takes the later place
    map.set(key, entry);
  }

  private parseValue(depth: number): ConfigValue {
    const sc = this.sc;
    if (depth > MAX_NESTING) sc.fail(`maps and arrays nested more than ${MAX_NESTING} deep`);
    const pos = sc.pos();
    const c = sc.peek();
    if (c === "[") return this.parseArray(pos, depth);
    if (c === "{") return this.parseMap(pos, depth);
    return this.resolve(sc.readScalar());
  }

  private parseArray(pos: Position, depth: number): ConfigValue {
    const sc = this.sc;
    sc.next();
    const items: ConfigValue[] = [];
    this.scopes.push(null);
    for (;;) {
      sc.skipAllSpace();
      if (sc.atComment()) { sc.skipComment(); continue; }
      const c = sc.peek();
      if (c === "]") { sc.next(); break; }
      if (c === ",") sc.fail("Unexpected array value terminator ','.");
      if (c === "") sc.fail("Unexpected EOF processing array.");
      items.push(this.parseValue(depth + 1));
      sc.skipSpaceTab();
      if (sc.atComment()) sc.skipComment();
      const e = sc.peek();
      if (e === "," || e === "\n" || e === "\r") { sc.next(); continue; }
      if (e === "]") { sc.next(); break; }
      if (e === "") sc.fail("Unexpected EOF processing array.");
      sc.fail(`Expected an array value terminator ',' or an array terminator ']', but got '${sc.shown()}' instead.`);
    }
    this.scopes.pop();
    return { kind: "array", items, pos };
  }

  private parseMap(pos: Position, depth: number): ConfigValue {
    const sc = this.sc;
    sc.next();
    const entries: ConfigMap = new Map();
    this.scopes.push(entries);
    for (;;) {
      sc.skipAllSpace();
      if (sc.atComment()) { sc.skipComment(); continue; }
      const c = sc.peek();
      if (c === "}") { sc.next(); break; }
      if (c === "") sc.fail("Unexpected EOF processing map.");
      this.parseEntry(entries, false, depth + 1);
      sc.skipSpaceTab();
      if (sc.atComment()) sc.skipComment();
      const e = sc.peek();
      if (e === "," || e === ";" || e === "\n" || e === "\r") { sc.next(); continue; }
      if (e === "}") { sc.next(); break; }
      if (e === "") sc.fail("Unexpected EOF processing map.");
      sc.fail(`Expected a map value terminator ',' or a map terminator '}', but got '${sc.shown()}' instead.`);
    }
    this.scopes.pop();
    return { kind: "map", entries, pos };
  }

  private resolve(s: Scalar): ConfigValue {
    if (s.kind !== "variable") return s;
    const name = s.name;
    if (name.startsWith(BCRYPT_PREFIX)) return { kind: "string", value: "$" + name, pos: s.pos };
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const entry = this.scopes[i]?.get(name);
      if (entry) {
        entry.usedAsVariable = true;
        return entry.value;
      }
    }
    const envValue = this.ctx.env[name];
    if (envValue === undefined) {
      this.sc.fail(`variable reference for '${name}' on line ${s.pos.line} can not be found`, s.pos);
    }
    if (this.ctx.envDepth >= MAX_ENV_DEPTH) {
      this.sc.fail(`variable reference for '${name}' on line ${s.pos.line} nests environment variables too deep`, s.pos);
    }
    // An environment value is parsed as a config value would be: "4222" is an integer, "true" a bool.
    const sub: Context = { ...this.ctx, envDepth: this.ctx.envDepth + 1 };
    let parsed: ConfigMap;
    try {
      parsed = new Parser(`pk=${envValue}`, `$${name}`, sub).parseDocument();
    } catch (e) {
      const why = e instanceof ConfigError ? e.issues.map((i) => i.reason).join("; ") : String(e);
      return this.sc.fail(`variable reference for '${name}' on line ${s.pos.line} could not be parsed: ${why}`, s.pos);
    }
    const v = parsed.get("pk")?.value;
    if (!v) return this.sc.fail(`variable reference for '${name}' on line ${s.pos.line} is empty`, s.pos);
    return relocate(v, s.pos);
  }

  private include(map: ConfigMap, name: string, pos: Position): void {
    // nats-server joins the path to the including file's folder, even when it is absolute.
    const path = join(dirname(resolve(this.file)), name);
    const included = parseFileWith(path, this.ctx, { pos, name });
    for (const [k, entry] of included) {
      map.delete(k);
      map.set(k, entry);
    }
  }
}

/** Gives a value that came from the environment the position of the `$VAR` that pulled it in. */
function relocate(v: ConfigValue, pos: Position): ConfigValue {
  switch (v.kind) {
    case "array": return { ...v, pos, items: v.items.map((i) => relocate(i, pos)) };
    case "map": {
      const entries: ConfigMap = new Map();
      for (const [k, e] of v.entries) entries.set(k, { ...e, keyPos: pos, value: relocate(e.value, pos) });
      return { ...v, pos, entries };
    }
    default: return { ...v, pos };
  }
}
