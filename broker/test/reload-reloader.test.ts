// skein-config-reloader against a running skein-server, both child processes. The config lives in a
// directory laid out as Kubernetes mounts a ConfigMap (`skein.conf -> ..data/skein.conf`,
// `..data -> ..<timestamp>`), and is updated as the kubelet does it: a new timestamped directory, a
// `..data_tmp` symlink to it, renamed over `..data`. A change in an included file reaches the server
// as a SIGHUP reload without dropping its client; a swap with the same content sends nothing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { Child, RELOADER_JS, pause, tempDir } from "./process-child.js";

const { dir, cleanup } = tempDir("skein-reloader-");
after(cleanup);

let generation = 0;

/** Publishes a new version of the mounted files the way the kubelet's atomic writer does. */
function publish(mount: string, files: Record<string, string>): void {
  const version = `..2026_11_25_00_00_${String(generation++).padStart(2, "0")}.000000001`;
  const vdir = join(mount, version);
  mkdirSync(vdir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(vdir, name), text);
  symlinkSync(version, join(mount, "..data_tmp"));
  renameSync(join(mount, "..data_tmp"), join(mount, "..data"));
  for (const name of Object.keys(files)) {
    try {
      symlinkSync(join("..data", name), join(mount, name));
    } catch {
      // already linked
    }
  }
}

test("a ConfigMap-style update of an included file reloads the server without dropping clients", async () => {
  const mount = join(dir, "config");
  mkdirSync(mount);
  const pidFile = join(dir, "skein.pid");
  const main = `host: 127.0.0.1\nport: -1\npid_file: "${pidFile}"\ninclude ./limits.conf\n`;
  publish(mount, { "skein.conf": main, "limits.conf": "max_payload: 1000\n" });
  const server = Child.skein(["-c", join(mount, "skein.conf")]);
  const reloader = Child.reloader(["--config", join(mount, "skein.conf"), "--pid-file", pidFile, "--debounce", "100ms", "--poll", "0"]);
  try {
    const port = await server.ready();
    await reloader.waitFor(/Watching .*limits\.conf/);
    const url = `nats://127.0.0.1:${port}`;
    const nc = await connect({ servers: url });
    assert.equal(nc.info?.max_payload, 1000);

    // Same content again: no signal.
    publish(mount, { "skein.conf": main, "limits.conf": "max_payload: 1000\n" });
    await pause(1000);
    // A real change in the included file.
    publish(mount, { "skein.conf": main, "limits.conf": "max_payload: 4000\n" });
    await reloader.waitFor(/Config changed, sent SIGHUP to pid \d+/);
    await server.waitFor(/Reloaded: max_payload = 4000/);
    await server.waitFor(/Reloaded server configuration/);
    assert.equal(reloader.lines.filter((l) => l.includes("sent SIGHUP")).length, 1, reloader.lines.join("\n"));
    assert.match(reloader.lines.find((l) => l.includes("sent SIGHUP"))!, new RegExp(`sent SIGHUP to pid ${server.pid}$`));

    const fresh = await connect({ servers: url });
    assert.equal(fresh.info?.max_payload, 4000);
    const sub = nc.subscribe("check", { max: 1 });
    await nc.flush();
    fresh.publish("check", "still here");
    for await (const m of sub) assert.equal(m.string(), "still here");
    assert.equal(nc.isClosed(), false);
    await Promise.all([nc.close(), fresh.close()]);

    // A broken file is the server's business: it refuses it and keeps running.
    publish(mount, { "skein.conf": main, "limits.conf": "max_payload: {\n" });
    await server.waitFor(/Failed to reload server configuration/);
    assert.ok(server.running);
  } finally {
    await Promise.all([server.stop(), reloader.stop()]);
    rmSync(mount, { recursive: true, force: true });
  }
});

test("polling finds a change that no watch event reported", async () => {
  const conf = join(dir, "poll.conf");
  const pidFile = join(dir, "poll.pid");
  writeFileSync(conf, `host: 127.0.0.1\nport: -1\npid_file: "${pidFile}"\n`);
  const server = Child.skein(["-c", conf]);
  // A huge debounce keeps watch events from acting, so only the poll can see the change.
  const reloader = Child.reloader(["--config", conf, "--pid-file", pidFile, "--debounce", "1h", "--poll", "200ms"]);
  try {
    await server.ready();
    await reloader.waitFor(/Watching/);
    writeFileSync(conf, `host: 127.0.0.1\nport: -1\npid_file: "${pidFile}"\nmax_payload: 2000\n`);
    await server.waitFor(/Reloaded: max_payload = 2000/);
  } finally {
    await Promise.all([server.stop(), reloader.stop()]);
  }
});

test("bad command lines are refused with the usage text", () => {
  for (const args of [[], ["--config", "x.conf"], ["--pid-file", "x.pid"], ["--config", "x", "--pid-file", "y", "--poll", "soon"], ["--bogus"]]) {
    const r = spawnSync(process.execPath, [RELOADER_JS, ...args], { encoding: "utf8" });
    assert.equal(r.status, 1, args.join(" "));
    assert.match(r.stderr, /^skein-config-reloader: .+\n\nUsage: skein-config-reloader/, args.join(" "));
  }
  const help = spawnSync(process.execPath, [RELOADER_JS, "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--pid-file <file>/);
});
