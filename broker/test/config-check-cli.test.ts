// End-to-end tests of the config check and flag errors through the real skein-server entry point:
// `skein-server -t -c FILE` exits 0 for a good file and 1 with "FILE:LINE:COL: reason" for a bad
// one, and a bad flag prints a clear error and the usage text.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

function skein(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], { encoding: "utf8", timeout: 60_000, env: { ...process.env, SKEIN_CHECK_NAME: "pod-1" } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("skein-server -t -c FILE", () => {
  let dir = "";
  before(() => { dir = mkdtempSync(join(tmpdir(), "skein-check-")); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it("accepts a good file", () => {
    const p = file("good.conf", "listen: 127.0.0.1:4222\nserver_name: $SKEIN_CHECK_NAME\nmax_payload: 1MB\nping_interval: \"1m\"\n" +
      "authorization { users: [{user: a, password: b, permissions: { publish: \"a.>\" }}] }\n");
    const r = skein("-t", "-c", p);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /configuration file .*good\.conf is valid/);
  });

  const bad: [string, string, RegExp][] = [
    ["unknown key", "port: 4222\nmax_paylod: 100\n", /bad\.conf:2:1: unknown field "max_paylod"/],
    ["syntax", "authorization {\n  user: a\n", /bad\.conf:3:1: Unexpected EOF processing map/],
    ["max_payload over max_pending", "max_payload: 10MB\nmax_pending: 1MB\n", /bad\.conf:1:0: max_payload \(10485760\) cannot be higher than max_pending \(1048576\)/],
    ["bad duration", "write_deadline: \"soon\"\n", /bad\.conf:1:0: error parsing write_deadline: time: invalid duration "soon"/],
    ["missing variable", "server_name: $SKEIN_CHECK_NOPE\n", /bad\.conf:1:13: variable reference for 'SKEIN_CHECK_NOPE' on line 1 can not be found/],
  ];
  for (const [name, text, message] of bad) {
    it(`rejects a file with a bad ${name}`, () => {
      const r = skein("-t", "-c", file("bad.conf", text));
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, message);
    });
  }

  it("rejects a duration written as bare seconds, as nats-server's -t does", () => {
    const r = skein("-t", "-c", file("secs.conf", "ping_interval: 120\n"));
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /secs\.conf:1:0: invalid use of field "ping_interval": ping_interval should be converted to a duration/);
  });

  it("needs -c", () => {
    const r = skein("-t");
    assert.notEqual(r.code, 0);
    assert.match(r.out, /must specify \[-c, --config\] option to check configuration file syntax/);
  });
});

describe("skein-server flags", () => {
  it("an unknown flag gets a clear error and the usage text", () => {
    const r = skein("--bogus");
    assert.match(r.out, /flag provided but not defined: -bogus/);
    assert.match(r.out, /Usage: skein-server \[options\]/);
    assert.match(r.out, /--cluster_name <string>/);
  });

  it("a bad value names the flag", () => {
    const r = skein("-p", "abc");
    assert.match(r.out, /invalid value "abc" for flag -p: parse error/);
  });

  it("--help prints the usage and exits 0", () => {
    const r = skein("--help");
    assert.equal(r.code, 0);
    assert.match(r.out, /Usage: skein-server \[options\]/);
    assert.match(r.out, /-sl,--signal <signal>\[=<pid>\]/);
  });
});
