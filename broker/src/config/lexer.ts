// The character-level half of the config language: a scanner that tracks line and column, and
// readers for keys, quoted and bare strings, numbers with size suffixes, dates, IP-like strings,
// `( ... )` blocks and include paths. The rules follow nats-server 2.9's conf/lex.go.

import { ConfigError, type ConfigValue, type Position } from "./values.js";

/** A scalar as read from the text; a `$name` is resolved later by the parser. */
export type Scalar = Exclude<ConfigValue, { kind: "array" } | { kind: "map" }> | { kind: "variable"; name: string; pos: Position };

const EOF = "";
const isNL = (c: string): boolean => c === "\n" || c === "\r";
const isSpaceTab = (c: string): boolean => c === " " || c === "\t";
export const isSpace = (c: string): boolean => c !== EOF && /\s/.test(c);
const isDigit = (c: string): boolean => c >= "0" && c <= "9";
const isKeySep = (c: string): boolean => c === "=" || c === ":";
const isSizeSuffix = (c: string): boolean => "kKmMgGtTpPeE".includes(c) && c !== EOF;
/** What may follow a number; anything else turns `4222abc` into a string, as in nats-server. */
const endsNumber = (c: string): boolean =>
  c === EOF || isNL(c) || isSpaceTab(c) || c === "}" || c === "]" || c === ";" || c === ",";
/** What ends a bare (unquoted) string value. */
const endsBareString = (c: string): boolean => endsNumber(c);
const BOOLS: Record<string, boolean> = { true: true, yes: true, on: true, false: false, no: false, off: false };

const SIZE_SUFFIX: Record<string, bigint> = {
  "": 1n,
  k: 1000n, kb: 1024n, ki: 1024n, kib: 1024n,
  m: 1000n ** 2n, mb: 1024n ** 2n, mi: 1024n ** 2n, mib: 1024n ** 2n,
  g: 1000n ** 3n, gb: 1024n ** 3n, gi: 1024n ** 3n, gib: 1024n ** 3n,
  t: 1000n ** 4n, tb: 1024n ** 4n, ti: 1024n ** 4n, tib: 1024n ** 4n,
  p: 1000n ** 5n, pb: 1024n ** 5n, pi: 1024n ** 5n, pib: 1024n ** 5n,
  e: 1000n ** 6n, eb: 1024n ** 6n, ei: 1024n ** 6n, eib: 1024n ** 6n,
};
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Shows a character in an error message the way nats-server does (a newline as \n). */
function show(c: string): string {
  if (c === EOF) return "EOF";
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  return c;
}

interface Mark { i: number; line: number; col: number }

export class Scanner {
  private i = 0;
  private line = 1;
  private col = 1;

  constructor(readonly src: string, readonly file: string) {}

  peek(ahead = 0): string {
    return this.src[this.i + ahead] ?? EOF;
  }

  next(): string {
    const c = this.src[this.i];
    if (c === undefined) return EOF;
    this.i++;
    if (c === "\n") { this.line++; this.col = 1; } else this.col++;
    return c;
  }

  pos(): Position {
    return { file: this.file, line: this.line, column: this.col };
  }

  private mark(): Mark { return { i: this.i, line: this.line, col: this.col }; }
  private reset(m: Mark): void { this.i = m.i; this.line = m.line; this.col = m.col; }

  fail(reason: string, pos: Position = this.pos()): never {
    throw new ConfigError({ pos, reason });
  }

  /** The character at hand, for "but got 'x'" messages. */
  shown(): string {
    return show(this.peek());
  }

  skipSpaceTab(): void {
    while (isSpaceTab(this.peek())) this.next();
  }

  skipAllSpace(): void {
    while (isSpace(this.peek())) this.next();
  }

  atComment(): boolean {
    const c = this.peek();
    return c === "#" || (c === "/" && this.peek(1) === "/");
  }

  /** Skips a comment up to (not including) the end of its line. */
  skipComment(): void {
    while (this.peek() !== EOF && !isNL(this.peek())) this.next();
  }

  /** A key: quoted with " or ' (no escapes), or bare up to whitespace, `=`, `:` or the end. */
  readKey(): { key: string; pos: Position; bare: boolean } {
    const pos = this.pos();
    const q = this.peek();
    if (q === '"' || q === "'") {
      this.next();
      const start = this.i;
      while (this.peek() !== q) {
        if (this.peek() === EOF) this.fail("Unexpected EOF.");
        this.next();
      }
      const key = this.src.slice(start, this.i);
      this.next();
      return { key, pos: { ...pos, column: pos.column + 1 }, bare: false };
    }
    const start = this.i;
    while (this.peek() !== EOF && !isSpace(this.peek()) && !isKeySep(this.peek())) this.next();
    return { key: this.src.slice(start, this.i), pos, bare: true };
  }

  /** The path after `include`: quoted, or bare up to whitespace, `;`, `}` or a new line. */
  readIncludePath(): string {
    this.skipSpaceTab();
    const c = this.peek();
    const bad: Record<string, string> = {
      "[": "start of an array", "{": "start of a map", "(": "start of a block", "\\": "escape sequence",
    };
    if (bad[c]) this.fail(`Expected include value but found ${bad[c]}`);
    if (isDigit(c) || c === "-") this.fail("Expected include value but found start of a number");
    if (isNL(c)) this.fail("Expected include value but found new line");
    if (c === EOF) this.fail("Expected include value but found end of file");
    if (c === '"' || c === "'") {
      this.next();
      const start = this.i;
      while (this.peek() !== c) {
        if (this.peek() === EOF) this.fail("Unexpected EOF.");
        this.next();
      }
      const path = this.src.slice(start, this.i);
      this.next();
      return path;
    }
    const start = this.i;
    while (!endsBareString(this.peek()) && this.peek() !== "'") this.next();
    const path = this.src.slice(start, this.i);
    if (this.peek() === "'") this.next();
    return path;
  }

  /** Any value that is not an array or a map. The caller has skipped leading whitespace. */
  readScalar(): Scalar {
    const pos = this.pos();
    const c = this.peek();
    if (c === "'") return this.readSingleQuoted(pos);
    if (c === '"') return this.readDoubleQuoted(pos);
    if (c === "-") return this.readNegative(pos);
    if (c === "(") return this.readBlock(pos);
    if (isDigit(c)) return this.readNumberLike(pos);
    if (c === ".") this.fail("Floats must start with a digit");
    if (isNL(c)) this.fail("Expected value but found new line");
    if (c === EOF) this.fail("Expected value but found end of file");
    return this.readBare(pos);
  }

  private readSingleQuoted(pos: Position): Scalar {
    this.next();
    const start = this.i;
    while (this.peek() !== "'") {
      if (this.peek() === EOF) this.fail("Unexpected EOF.");
      this.next();
    }
    const value = this.src.slice(start, this.i);
    this.next();
    return { kind: "string", value, pos };
  }

  private readDoubleQuoted(pos: Position): Scalar {
    this.next();
    let out = "";
    for (;;) {
      const c = this.next();
      if (c === EOF) this.fail("Unexpected EOF.");
      if (c === '"') break;
      out += c === "\\" ? this.readEscape() : c;
    }
    return { kind: "string", value: out, pos };
  }

  /** After a backslash: \xXX, \t, \n, \r, \" and \\ only. */
  private readEscape(): string {
    const c = this.next();
    switch (c) {
      case "t": return "\t";
      case "n": return "\n";
      case "r": return "\r";
      case '"': return '"';
      case "\\": return "\\";
      case "x": {
        const a = this.next();
        const b = a === EOF || isNL(a) ? a : this.next();
        if (isNL(a) || isNL(b) || a === EOF || b === EOF) {
          this.fail("Expected two hexadecimal digits after '\\x', but hit end of line");
        }
        if (!/^[0-9a-fA-F]{2}$/.test(a + b)) {
          this.fail(`Expected two hexadecimal digits after '\\x', but got '${a}${b}'`);
        }
        return String.fromCharCode(parseInt(a + b, 16));
      }
      default:
        return this.fail(`Invalid escape character '${show(c)}'. Only the following escape characters are ` +
          "allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.");
    }
  }

  /** A bare string; it may hold escapes. Plain words may be booleans and `$name` is a variable. */
  private readBare(pos: Position): Scalar {
    let out = "";
    let escaped = false;
    for (;;) {
      const c = this.peek();
      if (endsBareString(c)) break;
      this.next();
      if (c === "'") break; // nats-server ends a bare string at a single quote and drops the quote
      if (c === "\\") { out += this.readEscape(); escaped = true; } else out += c;
    }
    if (!escaped) {
      const b = BOOLS[out.toLowerCase()];
      if (b !== undefined) return { kind: "bool", value: b, raw: out, pos };
      if (out.startsWith("$")) return { kind: "variable", name: out.slice(1), pos };
    }
    return { kind: "string", value: out, pos };
  }

  private readBlock(pos: Position): Scalar {
    this.next();
    const start = this.i;
    for (;;) {
      const c = this.next();
      if (c === EOF) this.fail("Unexpected EOF processing block.");
      // The block ends at a `)` alone on its line; the text keeps the newline before it.
      if (c === ")" && this.src[this.i - 2] === "\n" && (this.peek() === "\n" || this.peek() === EOF)) {
        return { kind: "string", value: this.src.slice(start, this.i - 1), pos };
      }
    }
  }

  private digits(): void {
    while (isDigit(this.peek())) this.next();
  }

  private readNegative(pos: Position): Scalar {
    const start = this.i;
    this.next();
    const c = this.peek();
    if (!isDigit(c)) {
      this.fail(c === "." ? "Floats must start with a digit, not '.'." : `Expected a digit but got '${show(c)}'.`);
    }
    this.digits();
    return this.finishNumber(start, pos, null);
  }

  private readNumberLike(pos: Position): Scalar {
    const m = this.mark();
    const start = this.i;
    this.digits();
    if (this.peek() === "-") {
      if (this.i - start !== 4) this.fail("All ISO8601 dates must be in full Zulu form.");
      return this.readDate(start, pos);
    }
    return this.finishNumber(start, pos, m);
  }

  /**
   * After the digits: a float (or an IP-like string such as 127.0.0.1:4222), a size suffix, or a
   * plain integer. When `fallback` is set, a number followed by other characters is re-read as a
   * bare string (`4222abc`, `5s`), as nats-server does.
   */
  private finishNumber(start: number, pos: Position, fallback: Mark | null): Scalar {
    const c = this.peek();
    if (c === ".") {
      this.next();
      if (!isDigit(this.peek())) this.fail(`Floats must have a digit after the '.', but got '${this.shown()}' instead.`);
      this.digits();
      if (this.peek() === ".") {
        while (isDigit(this.peek()) || ".:-".includes(this.peek()) && this.peek() !== EOF) this.next();
        return { kind: "string", value: this.src.slice(start, this.i), pos };
      }
      const raw = this.src.slice(start, this.i);
      return { kind: "float", value: Number(raw), raw, pos };
    }
    if (isSizeSuffix(c)) {
      this.next();
      while ("bBiI".includes(this.peek()) && this.peek() !== EOF) this.next();
      if (fallback && !endsNumber(this.peek()) && !isDigit(this.peek())) return this.asBare(fallback, pos);
      return this.integer(this.src.slice(start, this.i), pos);
    }
    if (fallback && !endsNumber(c)) return this.asBare(fallback, pos);
    return this.integer(this.src.slice(start, this.i), pos);
  }

  private asBare(m: Mark, pos: Position): Scalar {
    this.reset(m);
    return this.readBare(pos);
  }

  private integer(raw: string, pos: Position): Scalar {
    const m = /^(-?\d+)([a-zA-Z]*)$/.exec(raw);
    const mult = SIZE_SUFFIX[(m?.[2] ?? "").toLowerCase()];
    if (!m || mult === undefined) return this.fail(`invalid size suffix in '${raw}'`, pos);
    const n = BigInt(m[1] ?? "0") * mult;
    if (n > INT64_MAX || n < INT64_MIN) this.fail(`integer '${raw}' is out of the range`, pos);
    return { kind: "int", value: Number(n), raw, pos };
  }

  /** YYYY-MM-DDTHH:MM:SSZ; the year has been read. */
  private readDate(start: number, pos: Position): Scalar {
    this.next(); // the '-' after the year
    for (const f of "00-00T00:00:00Z") {
      const c = this.next();
      if (f === "0" ? !isDigit(c) : c !== f) {
        this.fail(f === "0" ? `Expected digit in ISO8601 datetime, but found '${show(c)}' instead.`
          : `Expected '${f}' in ISO8601 datetime, but found '${show(c)}' instead.`);
      }
    }
    const raw = this.src.slice(start, this.i);
    const value = new Date(raw);
    if (Number.isNaN(value.getTime())) this.fail(`expected Zulu formatted DateTime, but got '${raw}'`, pos);
    return { kind: "datetime", value, raw, pos };
  }
}
