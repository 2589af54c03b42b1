// Logging to a file from a skein-server child process, beside nats-server doing the same: append
// with mode 0640, rotation past log_size_limit with nats-server's backup names and first line,
// SIGUSR1 reopening after logrotate renamed the file, -T=false, and log_file changed by reload.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { bare, Child, NATS_SERVER_BIN, tempDir } from "./process-child.js";

const { dir, cleanup } = tempDir("skein-logfile-");
after(cleanup);

type Kind = "skein" | "nats";
const KINDS: Kind[] = NATS_SERVER_BIN ? ["skein", "nats"] : ["skein"];
const start = (kind: Kind, args: string[]): Child => (kind === "skein" ? Child.skein(args) : Child.natsServer(args));

/** Connects, says CONNECT+PING, waits for PONG and closes: two debug lines in the server log. */
function touch(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    s.on("connect", () => s.write("CONNECT {\"verbose\":false}\r\nPING\r\n"));
    s.on("data", (d) => { if (d.toString().includes("PONG")) s.end(); });
    s.on("close", () => resolve());
    s.on("error", reject);
  });
}

async function waitForText(file: string, re: RegExp): Promise<string> {
  for (let i = 0; i < 400; i++) {
    try {
      const text = readFileSync(file, "utf8");
      if (re.test(text)) return text;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${file} never matched ${re}`);
}

const portOf = (text: string): number => Number(/Listening for client connections on [\d.]+:(\d+)/.exec(text)?.[1]);

test("log file: rotation past the size limit, reopen after rename, 0640, nothing on stderr", async () => {
  for (const kind of KINDS) {
    const d = join(dir, `rot-${kind}`);
    mkdirSync(d);
    const log = join(d, "server.log");
    const c = start(kind, ["-a", "127.0.0.1", "-p", "-1", "-D", "-l", log, "--log_size_limit", "700"]);
    try {
      // The startup lines may already be in a rotated file.
      let port = NaN;
      for (let i = 0; i < 400 && Number.isNaN(port); i++) {
        const text = readdirSync(d).map((f) => readFileSync(join(d, f), "utf8")).join("");
        if (/Server is ready/.test(text)) port = portOf(text);
        else await new Promise((r) => setTimeout(r, 50));
      }
      for (let i = 0; i < 8; i++) await touch(port);
      renameSync(log, join(d, "moved.log"));
      c.kill("SIGUSR1");
      await waitForText(log, /File log re-opened/);
      c.kill("SIGINT");
      assert.equal((await c.waitExit()).code, 0, kind);
    } finally {
      await c.stop();
    }
    assert.deepEqual(c.lines, [], `${kind}: nothing on stderr`);

    const backups = readdirSync(d).filter((f) => f.startsWith("server.log.")).sort();
    assert.ok(backups.length >= 2, `${kind}: rotated at least twice (${backups.join(", ")})`);
    for (const b of backups) assert.match(b, /^server\.log\.\d{4}\.\d\d\.\d\d\.\d\d\.\d\d\.\d\d\.\d{9}$/, kind);
    // Each later file starts by naming the backup made just before it.
    const chain = [...backups.slice(1).map((b) => join(d, b)), join(d, "moved.log")];
    chain.forEach((f, i) => {
      const first = bare(readFileSync(f, "utf8").split("\n")[0]!);
      // nats-server ends this line with CRLF.
      assert.equal(first, `[INF] Rotated log, backup saved as ${JSON.stringify(join(d, backups[i]!))}\r`, `${kind}: ${f}`);
    });
    for (const b of backups) assert.ok(statSync(join(d, b)).size > 700, `${kind}: rotated once past the limit`);
    const moved = readFileSync(join(d, "moved.log"), "utf8").trimEnd().split("\n").map(bare);
    assert.equal(moved.at(-1), `[DBG] Trapped "user defined signal 1" signal`, kind);
    const fresh = readFileSync(log, "utf8").trimEnd().split("\n").map(bare);
    assert.deepEqual(fresh, [
      "[INF] File log re-opened", `[DBG] Trapped "interrupt" signal`, "[INF] Initiating Shutdown...",
    ].concat(kind === "nats" ? fresh.slice(3) : ["[INF] Server Exiting.."]), kind);
    assert.equal(statSync(log).mode & 0o777, 0o640, kind);
  }
});

test("-T=false drops the timestamp; the file is appended to", async () => {
  const log = join(dir, "notime.log");
  writeFileSync(log, "existing line\n");
  const c = Child.skein(["-a", "127.0.0.1", "-p", "-1", "-T=false", "-l", log]);
  await waitForText(log, /Server is ready/);
  c.kill("SIGINT");
  await c.waitExit();
  const lines = readFileSync(log, "utf8").trimEnd().split("\n");
  assert.equal(lines[0], "existing line");
  assert.equal(lines[1], `[${c.pid}] [INF] Starting nats-server`);
  for (const l of lines.slice(1)) assert.match(l, /^\[\d+\] \[(INF|DBG)\] /);
});

test("reload to a log_file: the notice on the old destination, then the file", async () => {
  const conf = join(dir, "relog.conf");
  const log = join(dir, "relog.log");
  const runs = await Promise.all(KINDS.map(async (kind) => {
    const file = `${conf}.${kind}`;
    const target = `${log}.${kind}`;
    writeFileSync(file, "host: 127.0.0.1\nport: -1\n");
    const c = start(kind, ["-c", file]);
    await c.ready();
    writeFileSync(file, `host: 127.0.0.1\nport: -1\nlog_file: "${target}"\n`);
    c.kill("SIGHUP");
    await waitForText(target, /Reloaded server configuration/);
    c.kill("SIGINT");
    await c.waitExit();
    const stderr = c.lines.map(bare);
    const notices = stderr.slice(stderr.indexOf("[INF] Server is ready") + 1);
    return { notices: notices.map((l) => l.replace(target, "TARGET")), file: readFileSync(target, "utf8").split("\n").map(bare) };
  }));
  assert.deepEqual(runs[0]!.notices, ["[INF] Reloaded: authorization users", "[INF] Reloaded: accounts", "[INF] Reloaded: log_file = TARGET"]);
  assert.equal(runs[0]!.file[0], "[INF] Reloaded server configuration");
  if (runs[1]) {
    assert.deepEqual(runs[0]!.notices, runs[1].notices);
    assert.deepEqual(runs[0]!.file.slice(0, 2), runs[1].file.slice(0, 2));
  }
});
