// Process operations of a skein-server child process, each checked against nats-server doing the
// same: SIGINT (exit 0) and SIGTERM (exit 1, as nats-server 2.9), the pid file (no newline, left in
// place), the ports file, and `--signal` with a pid, a pid file, bad targets, and no target at all.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { bare, Child, MAIN_JS, NATS_SERVER_BIN, tempDir } from "./process-child.js";

const { dir, cleanup } = tempDir("skein-proc-");
after(cleanup);

type Kind = "skein" | "nats";
const KINDS: Kind[] = NATS_SERVER_BIN ? ["skein", "nats"] : ["skein"];
const start = (kind: Kind, args: string[]): Child => (kind === "skein" ? Child.skein(args) : Child.natsServer(args));
const cli = (kind: Kind, args: string[]): { code: number | null; out: string } => {
  const r = kind === "skein"
    ? spawnSync(process.execPath, [MAIN_JS, ...args], { encoding: "utf8" })
    : spawnSync(NATS_SERVER_BIN!, args, { encoding: "utf8" });
  return { code: r.status, out: (r.stdout + r.stderr).replace(/^(skein|nats)-server: /gm, "PROG: ") };
};

/** The lines after "Server is ready", without prefixes. */
function tail(c: Child): string[] {
  const lines = c.lines.map(bare);
  return lines.slice(lines.indexOf("[INF] Server is ready") + 1);
}

describe("shutdown signals", () => {
  for (const [sig, code] of [["SIGINT", 0], ["SIGTERM", 1]] as const) {
    test(`${sig} stops the server with exit ${code}, as nats-server does`, async () => {
      const runs = await Promise.all(KINDS.map(async (kind) => {
        const c = start(kind, ["-a", "127.0.0.1", "-p", "-1"]);
        await c.ready();
        c.kill(sig);
        const exit = await c.waitExit();
        return { exit, lines: tail(c) };
      }));
      for (const r of runs) {
        assert.equal(r.exit.code, code);
        assert.deepEqual(r.lines, ["[INF] Initiating Shutdown...", "[INF] Server Exiting.."]);
      }
    });
  }

  test("with -D the trapped signal is logged at debug level", async () => {
    const c = Child.skein(["-a", "127.0.0.1", "-p", "-1", "-D"]);
    await c.ready();
    c.kill("SIGINT");
    await c.waitExit();
    assert.ok(tail(c).includes(`[DBG] Trapped "interrupt" signal`));
  });
});

describe("pid and ports files", () => {
  test("pid file without newline, left at exit; ports file named <program>_<pid>.ports and removed", async () => {
    for (const kind of KINDS) {
      const d = join(dir, `files-${kind}`);
      spawnSync("mkdir", ["-p", d]);
      const pidFile = join(d, "server.pid");
      const c = start(kind, ["-a", "127.0.0.1", "-p", "-1", "-m", "-1", "-P", pidFile, "--ports_file_dir", d]);
      const port = await c.ready();
      const portsName = `${kind === "skein" ? "skein-server" : "nats-server"}_${c.pid}.ports`;
      // The ports file comes right after "Server is ready".
      let text = "";
      for (let i = 0; i < 100 && !text.endsWith("}"); i++) {
        if (existsSync(join(d, portsName))) text = readFileSync(join(d, portsName), "utf8");
        if (!text.endsWith("}")) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(readFileSync(pidFile, "utf8"), String(c.pid), kind);
      const ports = JSON.parse(text) as { nats: string[]; monitoring: string[] };
      assert.deepEqual(ports.nats, [`nats://127.0.0.1:${port}`], kind);
      assert.equal(ports.monitoring.length, 1, kind);
      assert.match(ports.monitoring[0]!, /^http:\/\/127\.0\.0\.1:\d+$/, kind);
      c.kill("SIGINT");
      await c.waitExit();
      assert.deepEqual(readdirSync(d), ["server.pid"], `${kind}: the ports file is removed, the pid file stays`);
    }
  });

  test("an unwritable pid file is fatal", async () => {
    for (const kind of KINDS) {
      const c = start(kind, ["-a", "127.0.0.1", "-p", "-1", "-P", join(dir, "missing", "x.pid")]);
      const exit = await c.waitExit();
      assert.equal(exit.code, 1, kind);
      assert.ok(c.lines.map(bare).includes(`[FTL] Could not write pidfile: open ${join(dir, "missing", "x.pid")}: no such file or directory`), kind);
    }
  });
});

describe("--signal", () => {
  test("reload and quit by pid and by pid file", async () => {
    const file = join(dir, "sig.conf");
    const pidFile = join(dir, "sig.pid");
    writeFileSync(file, `host: 127.0.0.1\nport: -1\npid_file: "${pidFile}"\n`);
    const c = Child.skein(["-c", file]);
    await c.ready();
    assert.deepEqual(cli("skein", ["--signal", `reload=${c.pid}`]), { code: 0, out: "" });
    await c.waitFor(/Reloaded server configuration/);
    assert.deepEqual(cli("skein", ["-sl", `reopen=${pidFile}`]), { code: 0, out: "" });
    await c.waitFor(/File log re-open ignored, not a file logger/);
    assert.deepEqual(cli("skein", ["--signal", `quit=${pidFile}`]), { code: 0, out: "" });
    assert.equal((await c.waitExit()).code, 0);
  });

  test("bad targets give nats-server's errors", () => {
    const badPid = join(dir, "bad.pid");
    writeFileSync(badPid, "abc\n");
    const withNewline = join(dir, "nl.pid");
    writeFileSync(withNewline, "12345\n");
    const cases = [
      ["reload=99999999"], ["reload=/nonexistent/x.pid"], [`reload=${badPid}`], [`term=${withNewline}`], ["ldm=12x"],
    ];
    for (const args of cases) {
      const runs = KINDS.map((k) => cli(k, ["--signal", ...args]));
      assert.equal(runs[0]!.code, 1, args[0]);
      if (runs[1]) assert.deepEqual(runs[0], runs[1], args[0]);
    }
    assert.deepEqual(cli("skein", ["--signal", "reload=99999999"]), { code: 1, out: "PROG: no such process\n" });
    const unknown = KINDS.map((k) => cli(k, ["--signal", "foo=1"]));
    assert.deepEqual(unknown[0], { code: 1, out: `PROG: unknown signal "foo"\n` });
    if (unknown[1]) assert.deepEqual(unknown[0], unknown[1]);
    assert.deepEqual(cli("skein", ["--signal", `reload=${badPid}`]), { code: 1, out: "PROG: invalid pid: abc\n\n" });
  });

  // Without a pid the command looks for the one running server by name. Other tests may run servers
  // at the same time, so this runs in a PID namespace of its own (root only).
  const unshare = spawnSync("unshare", ["-fp", "--mount-proc", "true"]);
  test("without a pid: none, one, or several servers running", { skip: unshare.status === 0 ? false : "needs unshare -p (root)" }, () => {
    const node = process.execPath;
    const script = [
      `${node} ${MAIN_JS} --signal reload; echo "exit=$?"`,
      `${node} ${MAIN_JS} -a 127.0.0.1 -p -1 2>${dir}/one.log & A=$!`,
      `for i in $(seq 100); do grep -q "Server is ready" ${dir}/one.log && break; sleep 0.1; done`,
      `${node} ${MAIN_JS} --signal quit; echo "exit=$?"`,
      `wait $A; echo "server exit=$?"`,
      `${node} ${MAIN_JS} -a 127.0.0.1 -p -1 2>${dir}/two-a.log & B=$!`,
      `${node} ${MAIN_JS} -a 127.0.0.1 -p -1 2>${dir}/two-b.log & C=$!`,
      `for i in $(seq 100); do grep -q "Server is ready" ${dir}/two-a.log && grep -q "Server is ready" ${dir}/two-b.log && break; sleep 0.1; done`,
      `${node} ${MAIN_JS} --signal ldm 2>&1 | sed "s/^$B$/PID_B/; s/^$C$/PID_C/"; echo "exit=\${PIPESTATUS[0]}"`,
      `kill -INT $B $C; wait $B $C`,
    ].join("\n");
    const r = spawnSync("unshare", ["-fp", "--mount-proc", "bash", "-c", script], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.stdout, [
      "exit=1", "exit=0", "server exit=0",
      "skein-server: multiple skein-server processes running:", "PID_B", "PID_C", "exit=1", "",
    ].join("\n"), r.stderr);
    assert.match(r.stderr, /^skein-server: no skein-server processes running$/m);
  });
});

describe("startup failures", () => {
  test("a port in use and an unopenable log file fail as in nats-server", async () => {
    const blocker = Child.skein(["-a", "127.0.0.1", "-p", "-1"]);
    try {
      const port = await blocker.ready();
      for (const kind of KINDS) {
        const r = cli(kind, ["-a", "127.0.0.1", "-p", String(port)]);
        assert.equal(r.code, 1, kind);
        const last = bare(r.out.trimEnd().split("\n").at(-1)!);
        assert.equal(last, `[FTL] Error listening on port: 127.0.0.1:${port}, "listen tcp 127.0.0.1:${port}: bind: address already in use"`, kind);
      }
    } finally {
      await blocker.stop();
    }
    const missing = join(dir, "no", "such", "x.log");
    for (const kind of KINDS) {
      const r = cli(kind, ["-a", "127.0.0.1", "-p", "-1", "-l", missing]);
      assert.equal(r.code, 1, kind);
      assert.match(r.out, new RegExp(`^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d error opening file: open ${missing}: no such file or directory\\n$`), kind);
    }
  });
});
