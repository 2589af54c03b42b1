// Table tests of the config language: assignments, separators, comments, maps, arrays, strings,
// booleans, numbers, sizes, dates, blocks, variables, includes, and error positions.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigFile, parseConfigString, MAX_INCLUDE_DEPTH } from "../src/config/parser.js";
import { ConfigError, formatPosition, type ConfigMap, type ConfigValue } from "../src/config/values.js";

type Plain = string | number | boolean | Date | Plain[] | { [k: string]: Plain };

function plainValue(v: ConfigValue): Plain {
  switch (v.kind) {
    case "map": return plain(v.entries);
    case "array": return v.items.map(plainValue);
    default: return v.value;
  }
}

function plain(m: ConfigMap): { [k: string]: Plain } {
  const o: { [k: string]: Plain } = {};
  for (const [k, e] of m) o[k] = plainValue(e.value);
  return o;
}

const parse = (text: string, env: Record<string, string> = {}): { [k: string]: Plain } =>
  plain(parseConfigString(text, "test.conf", { env }));

function parseError(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfigString(text, "test.conf", { env });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(text)}`);
}

describe("syntax", () => {
  const table: [string, string, { [k: string]: Plain }][] = [
    ["equals", "a = 1", { a: 1 }],
    ["colon", "a: 1", { a: 1 }],
    ["whitespace", "a 1", { a: 1 }],
    ["tab", "a\t1", { a: 1 }],
    ["no space around colon", "a:1", { a: 1 }],
    ["semicolons", "a: 1; b: 2;", { a: 1, b: 2 }],
    ["commas at the top", "a: 1, b: 2", { a: 1, b: 2 }],
    ["hash comment", "# c\na: 1 # trailing\n", { a: 1 }],
    ["slash comment", "// c\na: 1 // trailing\n", { a: 1 }],
    ["separator on the next line", "a\n= 1", { a: 1 }],
    ["map", "m { a: 1, b: 2 }", { m: { a: 1, b: 2 } }],
    ["map with separator", "m = { a: 1 }", { m: { a: 1 } }],
    ["map over lines", "m {\n  a: 1\n  b = 2;\n  c 3\n}", { m: { a: 1, b: 2, c: 3 } }],
    ["map value on the next line", "m {\n a:\n  1\n}", { m: { a: 1 } }],
    ["map with comments", "m { # c\n a: 1 // d\n # e\n}", { m: { a: 1 } }],
    ["nested maps", "a { b { c { d: 1 } } }", { a: { b: { c: { d: 1 } } } }],
    ["empty map", "m {}", { m: {} }],
    ["array", "a: [1, 2, 3]", { a: [1, 2, 3] }],
    ["array over lines", "a: [\n 1\n 2,\n 3\n]", { a: [1, 2, 3] }],
    ["array with trailing comma", "a: [1, 2,]", { a: [1, 2] }],
    ["array with comments", "a: [ # c\n 1 // d\n]", { a: [1] }],
    ["array of maps", "a: [{x: 1}, {x: 2}]", { a: [{ x: 1 }, { x: 2 }] }],
    ["nested arrays", "a: [[1], [2, [3]]]", { a: [[1], [2, [3]]] }],
    ["empty array", "a: []", { a: [] }],
    ["mixed array", 'a: [1, "x", true, 1.5]', { a: [1, "x", true, 1.5] }],
    ["JSON style", '{ "a": 1, "b": { "c": [true, "x"] } }', { a: 1, b: { c: [true, "x"] } }],
    ["JSON style, closing brace alone", '{\n  "a": 1\n}\n', { a: 1 }],
    ["a brace glued to a key is part of it", "a: 1;}b: 2", { a: 1, "}b": 2 }],
    ["quoted keys", "\"a b\": 1\n'c': 2", { "a b": 1, c: 2 }],
    ["later key wins", "a: 1\na: 2", { a: 2 }],
    ["keys keep their case", "Port: 1\nport: 2", { Port: 1, port: 2 }],
    ["CRLF line ends", "a: 1\r\nb: x\r\n", { a: 1, b: "x" }],
    ["empty file", "", {}],
    ["only comments", "# a\n// b\n", {}],
  ];
  for (const [name, text, want] of table) {
    it(name, () => assert.deepEqual(parse(text), want));
  }
});

describe("scalar values", () => {
  const table: [string, string, Plain][] = [
    ["double quoted", '"hello world"', "hello world"],
    ["single quoted", "'hello world'", "hello world"],
    ["single quotes keep backslashes", "'a\\qb'", "a\\qb"],
    ["escapes", '"t\\tn\\nr\\rq\\"b\\\\"', "t\tn\nr\rq\"b\\"],
    ["hex escape", '"\\x41\\x62"', "Ab"],
    ["bare string", "hello", "hello"],
    ["bare string with colon", "localhost:4222", "localhost:4222"],
    ["bare string with hash", "a#b", "a#b"],
    ["bare string with escape", "a\\tb", "a\tb"],
    ["quoted string spans lines", '"a\nb"', "a\nb"],
    ["true", "true", true], ["TRUE", "TRUE", true], ["yes", "yes", true], ["on", "on", true],
    ["false", "false", false], ["no", "no", false], ["Off", "Off", false],
    ["quoted bool is a string", '"true"', "true"],
    ["integer", "4222", 4222],
    ["negative integer", "-1", -1],
    ["zero", "0", 0],
    ["float", "1.5", 1.5],
    ["negative float", "-0.25", -0.25],
    ["k", "1k", 1000], ["K", "2K", 2000], ["kb", "1kb", 1024], ["KB", "1KB", 1024], ["ki", "1ki", 1024],
    ["kib", "1kib", 1024], ["m", "1m", 1_000_000], ["mb", "1mb", 1024 ** 2], ["MB", "10MB", 10 * 1024 ** 2],
    ["mi", "1mi", 1024 ** 2], ["g", "1g", 1e9], ["gb", "1gb", 1024 ** 3], ["gi", "1Gi", 1024 ** 3],
    ["t", "1t", 1e12], ["tb", "1tb", 1024 ** 4], ["p", "1p", 1e15], ["negative size", "-2k", -2000],
    ["IP address", "127.0.0.1", "127.0.0.1"],
    ["IP and port", "127.0.0.1:4222", "127.0.0.1:4222"],
    ["number then letters is a string", "4222abc", "4222abc"],
    ["duration-like string", "5s", "5s"],
    ["size suffix then letters is a string", "1kz", "1kz"],
    ["number with underscore is a string", "4_222", "4_222"],
    ["date", "2020-01-02T03:04:05Z", new Date("2020-01-02T03:04:05Z")],
    ["block", "(\nline one\n  line two\n)", "\nline one\n  line two\n"],
    ["block keeps a ) that is not alone", "(\na )\n)", "\na )\n"],
    ["bcrypt hash passes through", "$2a$11$abcdefghijklmnopqrstuv", "$2a$11$abcdefghijklmnopqrstuv"],
  ];
  for (const [name, text, want] of table) {
    it(name, () => assert.deepEqual(parse(`v: ${text}\n`).v, want));
  }

  it("records the file, line and column of keys and values", () => {
    const m = parseConfigString("a: 1\n  m {\n    key = \"v\"\n  }\n", "pos.conf", { env: {} });
    const a = m.get("a");
    assert.deepEqual(a?.keyPos, { file: "pos.conf", line: 1, column: 1 });
    assert.deepEqual(a?.value.pos, { file: "pos.conf", line: 1, column: 4 });
    const mv = m.get("m")?.value;
    assert.equal(mv?.kind, "map");
    if (mv?.kind !== "map") return;
    const key = mv.entries.get("key");
    assert.deepEqual(key?.keyPos, { file: "pos.conf", line: 3, column: 5 });
    assert.deepEqual(key?.value.pos, { file: "pos.conf", line: 3, column: 11 });
  });
});

describe("variables", () => {
  it("resolve from an earlier top-level key", () => {
    assert.deepEqual(parse("PORT = 4333\nport: $PORT"), { PORT: 4333, port: 4333 });
  });

  it("resolve in the innermost enclosing block first", () => {
    const got = parse("x = 1\nm { x = 2\n  y: $x }\nz: $x");
    assert.deepEqual(got, { x: 1, m: { x: 2, y: 2 }, z: 1 });
  });

  it("look through arrays to the enclosing maps", () => {
    assert.deepEqual(parse("U = bob\nusers: [{user: $U}]"), { U: "bob", users: [{ user: "bob" }] });
  });

  it("fall back to the environment, parsed as a value", () => {
    const env = { POD_NAME: "nats-0", PORT: "4333", FLAG: "true", LIST: "[1, 2]" };
    assert.deepEqual(parse("server_name: $POD_NAME\nport: $PORT\nd: $FLAG\nl: $LIST", env),
      { server_name: "nats-0", port: 4333, d: true, l: [1, 2] });
  });

  it("prefer a block variable to the environment", () => {
    assert.deepEqual(parse("HOME = here\nh: $HOME", { HOME: "/root" }), { HOME: "here", h: "here" });
  });

  it("can hold maps", () => {
    assert.deepEqual(parse("T = { a: 1 }\nt: $T"), { T: { a: 1 }, t: { a: 1 } });
  });

  it("mark the entries they use", () => {
    const m = parseConfigString("A = 1\nB = 2\nc: $A", "v.conf", { env: {} });
    assert.equal(m.get("A")?.usedAsVariable, true);
    assert.equal(m.get("B")?.usedAsVariable, false);
  });

  it("that are missing are an error naming the variable and line", () => {
    const e = parseError("a: 1\nport: $NOPE");
    assert.match(e.message, /^test\.conf:2:7: variable reference for 'NOPE' on line 2 can not be found$/);
  });

  it("defined later are not seen", () => {
    assert.match(parseError("a: $B\nB = 1").message, /'B' on line 1 can not be found/);
  });

  it("with an unparsable environment value are an error", () => {
    assert.match(parseError("a: $V", { V: "two words" }).message, /variable reference for 'V' on line 1 could not be parsed/);
  });

  it("that refer to themselves through the environment stop", () => {
    assert.match(parseError("a: $A", { A: "$A" }).message, /nests environment variables too deep/);
  });
});

describe("syntax errors name file, line and column", () => {
  const table: [string, string, RegExp][] = [
    ["port: 42\nport: 43 x\n", "test.conf:2:10", /Expected a top-level value to end with a new line, comment or EOF, but got 'x' instead/],
    ["a {\n b: 1\n", "test.conf:3:1", /Unexpected EOF processing map/],
    ["a: [1,,2]", "test.conf:1:6", /Unexpected array value terminator ','/],
    ["a: [1 2]", "test.conf:1:6", /Expected an array value terminator ',' or an array terminator '\]', but got '2'/],
    ["a: [1", "test.conf:1:5", /Unexpected EOF processing array/],
    ["a: \"abc", "test.conf:1:7", /Unexpected EOF\./],
    ["a: 'abc", "test.conf:1:7", /Unexpected EOF\./],
    ["a: \"x\\qy\"", "test.conf:1:7", /Invalid escape character 'q'/],
    ["a: \"\\x4\"", "test.conf:1:8", /Expected two hexadecimal digits after '\\x', but got '4"'/],
    ["a:\n1", "test.conf:1:2", /Expected value but found new line/],
    ["a: .5", "test.conf:1:3", /Floats must start with a digit/],
    ["a: 1.", "test.conf:1:5", /Floats must have a digit after the '\.'/],
    ["a: 12-3", "test.conf:1:5", /All ISO8601 dates must be in full Zulu form/],
    ["a: 2020-01-01X", "test.conf:1:14", /Expected 'T' in ISO8601 datetime, but found 'X'/],
    ["a: 1e5", "test.conf:1:5", /Expected a top-level value to end/],
    ["a: 1kbib", "test.conf:1:3", /invalid size suffix in '1kbib'/],
    ["a: 99999999999999999999", "test.conf:1:3", /integer '99999999999999999999' is out of the range/],
    ["a: 10E", "test.conf:1:3", /integer '10E' is out of the range/],
    ["a: (\nabc", "test.conf:2:4", /Unexpected EOF processing block/],
    ["= 1", "test.conf:1:0", /Unexpected key separator '='/],
    ["m { , }", "test.conf:1:6", /Expected a value for key "," but found '\}'/],
    ["m { a: 1 b: 2 }", "test.conf:1:9", /Expected a map value terminator ',' or a map terminator '\}', but got 'b'/],
    ["m { a }", "test.conf:1:6", /Expected a value for key "a" but found '\}'/],
    ["a: -x", "test.conf:1:4", /Expected a digit but got 'x'/],
    ["a", "test.conf:1:1", /expected a value for key "a"/],
    ["include\n", "test.conf:1:7", /Expected include value but found new line/],
    ["include [a]", "test.conf:1:8", /Expected include value but found start of an array/],
    ["a: 1 / 2", "test.conf:1:5", /Expected a top-level value to end/],
  ];
  for (const [text, where, reason] of table) {
    it(JSON.stringify(text), () => {
      const e = parseError(text);
      assert.equal(e.message.slice(0, e.message.indexOf(": ")), where, e.message);
      assert.match(e.message, reason);
    });
  }

  it("formats columns as nats-server does: 0-based on line 1, 1-based after", () => {
    assert.equal(formatPosition({ file: "f", line: 1, column: 1 }), "f:1:0");
    assert.equal(formatPosition({ file: "f", line: 2, column: 3 }), "f:2:3");
  });

  it("limits nesting so deep input cannot exhaust the stack", () => {
    assert.match(parseError("a: " + "[".repeat(5000)).message, /nested more than 100 deep/);
    assert.match(parseError("a " + "{ b ".repeat(5000)).message, /nested more than 100 deep/);
  });
});

describe("includes", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "skein-conf-"));
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "main.conf"), "port: 4222\ninclude ./sub/auth.conf\nhttp_port: 8222\n");
    writeFileSync(join(dir, "sub", "auth.conf"), "authorization {\n  include 'users.conf'\n}\n");
    writeFileSync(join(dir, "sub", "users.conf"), "users = [{user: a, password: b}]\ntimeout: 2\n");
    writeFileSync(join(dir, "quoted.conf"), 'include "sub/users.conf"; x: 1\n');
    writeFileSync(join(dir, "cycle-a.conf"), "a: 1\ninclude cycle-b.conf\n");
    writeFileSync(join(dir, "cycle-b.conf"), "b: 1\ninclude ./cycle-a.conf\n");
    writeFileSync(join(dir, "self.conf"), "include self.conf\n");
    writeFileSync(join(dir, "missing.conf"), "a: 1\ninclude ./nofile.conf\n");
    writeFileSync(join(dir, "bad.conf"), "include sub/broken.conf\n");
    writeFileSync(join(dir, "sub", "broken.conf"), "x: 1\ny: [\n");
    writeFileSync(join(dir, "override.conf"), "port: 1\ninclude sub/port.conf\nport2: $port\n");
    writeFileSync(join(dir, "sub", "port.conf"), "port: 2\n");
    for (let i = 0; i <= MAX_INCLUDE_DEPTH + 1; i++) writeFileSync(join(dir, `deep${i}.conf`), `d${i}: ${i}\ninclude deep${i + 1}.conf\n`);
    writeFileSync(join(dir, `deep${MAX_INCLUDE_DEPTH + 2}.conf`), "end: 1\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("are resolved relative to the including file, at the top and in blocks", () => {
    const m = parseConfigFile(join(dir, "main.conf"), { env: {} });
    assert.deepEqual(plain(m), { port: 4222, authorization: { users: [{ user: "a", password: "b" }], timeout: 2 }, http_port: 8222 });
    const auth = m.get("authorization")?.value;
    if (auth?.kind !== "map") assert.fail("authorization is not a map");
    assert.deepEqual(auth.entries.get("timeout")?.keyPos, { file: join(dir, "sub", "users.conf"), line: 2, column: 1 });
  });

  it("take quoted paths and end at ';'", () => {
    assert.deepEqual(plain(parseConfigFile(join(dir, "quoted.conf"), { env: {} })),
      { users: [{ user: "a", password: "b" }], timeout: 2, x: 1 });
  });

  it("set keys in order, so later keys and variables see them", () => {
    assert.deepEqual(plain(parseConfigFile(join(dir, "override.conf"), { env: {} })), { port: 2, port2: 2 });
  });

  it("detect cycles", () => {
    assert.throws(() => parseConfigFile(join(dir, "cycle-a.conf"), { env: {} }), (e: unknown) =>
      e instanceof ConfigError && /cycle-b\.conf:2:1: include cycle: .*cycle-a\.conf -> .*cycle-b\.conf -> .*cycle-a\.conf/.test(e.message));
    assert.throws(() => parseConfigFile(join(dir, "self.conf"), { env: {} }), /include cycle/);
  });

  it("are bounded in depth", () => {
    assert.throws(() => parseConfigFile(join(dir, "deep0.conf"), { env: {} }), /includes nested more than 10 deep/);
  });

  it("that are missing are an error at the include line", () => {
    assert.throws(() => parseConfigFile(join(dir, "missing.conf"), { env: {} }), (e: unknown) =>
      e instanceof ConfigError &&
      e.message === `${join(dir, "missing.conf")}:2:1: error parsing include file './nofile.conf', open ${join(dir, "nofile.conf")}: no such file or directory`);
  });

  it("report syntax errors with the included file's name", () => {
    assert.throws(() => parseConfigFile(join(dir, "bad.conf"), { env: {} }), (e: unknown) =>
      e instanceof ConfigError && e.message.startsWith(`${join(dir, "sub", "broken.conf")}:3:1: Unexpected EOF processing array`));
  });

  it("only regular files are read", () => {
    writeFileSync(join(dir, "dev.conf"), "include ../../../../../../../../../../dev/zero\n");
    assert.throws(() => parseConfigFile(join(dir, "dev.conf"), { env: {} }), /error parsing include file '.*dev\/zero', open .*: not a regular file/);
    assert.throws(() => parseConfigFile(dir), /error opening config file: open .*: not a regular file/);
  });

  it("a missing main file is a clear error", () => {
    const none = join(dir, "none.conf");
    assert.throws(() => parseConfigFile(none), (e: unknown) => e instanceof ConfigError &&
      e.message === `${none}: error opening config file: open ${none}: no such file or directory`);
  });
});
