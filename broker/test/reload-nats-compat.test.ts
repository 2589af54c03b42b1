// SIGHUP reload, skein-server against nats-server 2.9.10: the same config edit gives the same log
// lines (after the `[pid] time ` prefix): refusals of settings that cannot change, with the Go field
// name and old/new values, the `Reloaded: ...` notices in nats-server's order, and config errors.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { bare, Child, NATS_SERVER_BIN, pause, tempDir } from "./process-child.js";

const { dir, cleanup } = tempDir("skein-reload-compat-");
after(cleanup);

interface Scenario {
  name: string;
  before: string;
  after: string;
}

// Each runs on its own pair of servers; `port: -1` picks a free port.
const SCENARIOS: Scenario[] = [
  { name: "no change", before: "", after: "" },
  { name: "port", before: "", after: "port: 4999" },
  { name: "host", before: "", after: "host: 127.0.0.2" },
  { name: "server_name", before: "server_name: a", after: "server_name: b" },
  { name: "max_payload", before: "max_payload: 1000", after: "max_payload: 2000" },
  { name: "limits and pings", before: "", after: "max_connections: 10\nping_interval: \"5s\"\nping_max: 5\nwrite_deadline: \"3s\"\nmax_control_line: 2000" },
  { name: "max_subscriptions", before: "", after: "max_subscriptions: 10" },
  { name: "max_pending", before: "", after: "max_pending: 1000000" },
  { name: "http_port", before: "", after: "http_port: 8222" },
  { name: "log_size_limit", before: "", after: "log_size_limit: 1000" },
  { name: "lame_duck_duration", before: "lame_duck_duration: \"60s\"", after: "lame_duck_duration: \"90s\"" },
  { name: "lame_duck_grace_period", before: "", after: "lame_duck_grace_period: \"3s\"" },
  { name: "user and password", before: "", after: "authorization { user: a, password: b }" },
  { name: "token", before: "", after: "authorization { token: abc }" },
  { name: "auth timeout", before: "", after: "authorization { timeout: 3 }" },
  { name: "trace and logtime", before: "", after: "trace: true\nlogtime: false" },
  { name: "client_advertise", before: "", after: "client_advertise: \"x.y:4222\"" },
  { name: "max_traced_msg_len", before: "", after: "max_traced_msg_len: 10" },
  { name: "no_auth_user", before: "", after: "no_auth_user: a\nauthorization { users: [{user: a, password: b}] }" },
  { name: "payload above pending", before: "", after: "max_payload: 100000000" },
  { name: "unknown key", before: "", after: "bogus_key: 1" },
  { name: "refused before reloadable", before: "", after: "max_payload: 2000\nport: 4998" },
];

function configText(body: string): string {
  return `host: 127.0.0.1\nport: -1\n${body}\n`;
}

/** Starts a server on `before`, rewrites to `after`, sends SIGHUP, returns the reload's lines. */
async function reloadLines(kind: "skein" | "nats", name: string, s: Scenario): Promise<string[]> {
  const file = join(dir, `${kind}-${name.replace(/\W+/g, "-")}.conf`);
  writeFileSync(file, configText(s.before));
  const child = kind === "skein" ? Child.skein(["-c", file]) : Child.natsServer(["-c", file]);
  try {
    const port = await child.ready();
    const from = child.lines.length;
    writeFileSync(file, configText(s.after));
    child.kill("SIGHUP");
    const end = await child.waitFor(/Reloaded server configuration|Failed to reload server configuration/, from);
    assert.ok(child.running, "the server keeps running after a reload");
    return child.lines.slice(from, end + 1).map((l) => bare(l).split(`=${port},`).join("=PORT,"));
  } finally {
    await child.stop();
  }
}

describe("config reload matches nats-server", { skip: NATS_SERVER_BIN ? false : "nats-server is not installed" }, () => {
  const results = new Map<string, Promise<[string[], string[]]>>();
  before(() => {
    // Two scenarios at a time, each on a skein and a nats-server side by side.
    let chain: Promise<unknown> = Promise.resolve();
    const lanes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
    SCENARIOS.forEach((s, i) => {
      const lane = i % 2;
      const p = lanes[lane]!.then(() => Promise.all([reloadLines("skein", s.name, s), reloadLines("nats", s.name, s)]));
      lanes[lane] = p.catch(() => undefined);
      results.set(s.name, p);
      chain = chain.then(() => p.catch(() => undefined));
    });
    return chain;
  });
  for (const s of SCENARIOS) {
    test(s.name, async () => {
      const [skein, nats] = await results.get(s.name)!;
      // Paths differ by design (each server has its own file); compare without the directory.
      const norm = (l: string): string => l.split(dir + "/").join("").replace(/(skein|nats)-[\w-]+\.conf/g, "FILE");
      assert.deepEqual(skein.map(norm), nats.map(norm));
    });
  }
});

describe("reload of the process files matches nats-server", { skip: NATS_SERVER_BIN ? false : "nats-server is not installed" }, () => {
  test("pid_file and ports_file_dir", async () => {
    const runs = await Promise.all((["skein", "nats"] as const).map(async (kind) => {
      const files = join(dir, `files-${kind}`);
      mkdirSync(files);
      const file = join(dir, `files-${kind}.conf`);
      writeFileSync(file, configText(""));
      const child = kind === "skein" ? Child.skein(["-c", file]) : Child.natsServer(["-c", file]);
      try {
        await child.ready();
        const from = child.lines.length;
        writeFileSync(file, configText(`pid_file: "${files}/new.pid"\nports_file_dir: "${files}"`));
        child.kill("SIGHUP");
        const end = await child.waitFor(/Reloaded server configuration|Failed to reload/, from);
        const portsFile = `${kind === "skein" ? "skein" : "nats"}-server_${child.pid}.ports`;
        assert.equal(readFileSync(join(files, "new.pid"), "utf8"), String(child.pid), kind);
        // nats-server writes the ports file from a goroutine once its listeners answer, so it may
        // land just after the "Reloaded" line.
        const deadline = Date.now() + 5000;
        while (!existsSync(join(files, portsFile)) && Date.now() < deadline) await pause(50);
        assert.ok(existsSync(join(files, portsFile)), `${kind}: ports file written`);
        return child.lines.slice(from, end + 1).map((l) => bare(l)
          .split(files).join("DIR")
          .replace(/(skein|nats)-server_\d+\.ports/g, "PROGRAM_PID.ports"));
      } finally {
        await child.stop();
      }
    }));
    assert.deepEqual(runs[0], runs[1]);
    assert.ok(runs[0]!.includes("[INF] Reloaded: pid_file = DIR/new.pid"));
  });
});
