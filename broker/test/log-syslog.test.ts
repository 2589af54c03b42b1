// Syslog from skein-server child processes, compared with nats-server's datagrams: remote_syslog over
// UDP and TCP (RFC 3339 time, host name, facility 0), local syslog (facility daemon, Go's local
// format) received on a unix datagram socket in a private mount namespace, and the fatal errors for
// a missing local socket or a bad remote address.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { Child, MAIN_JS, NATS_SERVER_BIN, tempDir } from "./process-child.js";

const { dir, cleanup } = tempDir("skein-syslog-");
after(cleanup);

type Kind = "skein" | "nats";
const KINDS: Kind[] = NATS_SERVER_BIN ? ["skein", "nats"] : ["skein"];
const start = (kind: Kind, args: string[]): Child => (kind === "skein" ? Child.skein(args) : Child.natsServer(args));
const TAG = /(skein|nats)-server\[\d+\]: /;

/** Makes one server's messages comparable: time, tag and generated names replaced. */
function normalize(msg: string): string {
  return msg
    .replace(/^(<\d+>)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d) /, "$1TIME ")
    .replace(/^(<\d+>)[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d /, "$1TIME ")
    .replace(TAG, "TAG: ")
    .replace(/(Name|ID): +N[A-Z0-9]{55}/, "$1: SERVER_ID")
    .replace(/127\.0\.0\.1:\d+/, "127.0.0.1:PORT");
}

/** Runs a server that logs to `target` until `ready()` (its "Server is ready" arrived), reloads
 * without -c (an error line), and stops it. */
async function session(kind: Kind, target: string[], ready: () => boolean): Promise<void> {
  const c = start(kind, ["-a", "127.0.0.1", "-p", "-1", ...target]);
  try {
    for (let i = 0; i < 400 && !ready(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(ready(), `${kind}: the startup lines arrived`);
    c.kill("SIGHUP");
    await new Promise((r) => setTimeout(r, 200));
    c.kill("SIGINT");
    assert.equal((await c.waitExit()).code, 0, `${kind}: ${c.lines.join("\n")}`);
  } finally {
    await c.stop();
  }
}

const EXPECTED = [
  "TIME TAG: Starting nats-server",
  "TIME TAG:   Version:  2.9.10",
  "TIME TAG:   Git:      [not set]",
  "TIME TAG:   Name: SERVER_ID",
  "TIME TAG:   ID: SERVER_ID",
  "TIME TAG: Listening for client connections on 127.0.0.1:PORT",
  "TIME TAG: Server is ready",
  "TIME TAG: Failed to reload server configuration: can only reload config when a file is provided using -c or --config",
  "TIME TAG: Initiating Shutdown...",
  "TIME TAG: Server Exiting..",
];

describe("remote_syslog", () => {
  test("UDP datagrams as nats-server sends them", async () => {
    for (const kind of KINDS) {
      const sock = dgram.createSocket("udp4");
      const got: string[] = [];
      sock.on("message", (m) => got.push(m.toString()));
      await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
      const port = sock.address().port;
      try {
        await session(kind, ["-r", `udp://127.0.0.1:${port}`], () => got.some((m) => m.includes("Server is ready")));
        for (let i = 0; i < 40 && got.length < EXPECTED.length; i++) await new Promise((r) => setTimeout(r, 50));
      } finally {
        sock.close();
      }
      assert.ok(got.every((m) => m.endsWith("\n")), kind);
      assert.ok(got.every((m) => m.includes(` ${hostname()} `)), `${kind}: host name in each message`);
      const sev = got.map((m) => /^<(\d+)>/.exec(m)?.[1]);
      assert.deepEqual(sev, ["5", "5", "5", "5", "5", "5", "5", "3", "5", "5"], kind);
      assert.deepEqual(got.map((m) => normalize(m.trimEnd()).replace(/^<\d+>/, "").replace(` ${hostname()} `, " ")), EXPECTED, kind);
    }
  });

  test("TCP: lines on one connection", async () => {
    const got: string[] = [];
    const srv = net.createServer((s) => s.on("data", (d) => got.push(d.toString())));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      await session("skein", ["-r", `tcp://127.0.0.1:${port}`], () => got.join("").includes("Server is ready"));
      for (let i = 0; i < 40 && got.join("").split("\n").length <= EXPECTED.length; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      srv.close();
    }
    const lines = got.join("").trimEnd().split("\n").map((l) => normalize(l).replace(/^<\d+>/, "").replace(` ${hostname()} `, " "));
    assert.deepEqual(lines, EXPECTED);
  });

  test("bad addresses are fatal with nats-server's messages", () => {
    for (const [addr, text] of [
      ["foo://127.0.0.1:5", `error invalid network type: "foo"`],
      ["udp://127.0.0.1", `error connecting to syslog: "dial udp: address 127.0.0.1: missing port in address"`],
    ] as const) {
      for (const kind of KINDS) {
        const r = kind === "skein"
          ? spawnSync(process.execPath, [MAIN_JS, "-a", "127.0.0.1", "-p", "-1", "-r", addr], { encoding: "utf8", timeout: 10_000 })
          : spawnSync(NATS_SERVER_BIN!, ["-a", "127.0.0.1", "-p", "-1", "-r", addr], { encoding: "utf8", timeout: 10_000 });
        assert.equal(r.status, 1, `${kind} ${addr}`);
        assert.match(r.stderr, new RegExp(`^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d ${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n$`), `${kind} ${addr}`);
      }
    }
  });
});

describe("local syslog", () => {
  test("-s with no local syslog socket is fatal, as in nats-server", { skip: spawnSync("test", ["-S", "/dev/log"]).status === 0 ? "a syslog socket exists here" : false }, () => {
    for (const kind of KINDS) {
      const r = kind === "skein"
        ? spawnSync(process.execPath, [MAIN_JS, "-a", "127.0.0.1", "-p", "-1", "-s"], { encoding: "utf8", timeout: 10_000 })
        : spawnSync(NATS_SERVER_BIN!, ["-a", "127.0.0.1", "-p", "-1", "-s"], { encoding: "utf8", timeout: 10_000 });
      assert.equal(r.status, 1, kind);
      assert.match(r.stderr, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d error connecting to syslog: "Unix syslog delivery error"\n$/, kind);
    }
  });

  // A unix datagram socket at /var/run/syslog (one of the paths Go's log/syslog tries), made in a
  // private mount namespace so that the machine's /run is left alone. Root, python3 and logger only.
  const tools = spawnSync("bash", ["-c", "unshare -m true && command -v python3 && command -v logger"]).status === 0;
  test("-s sends Go's local format with facility daemon", { skip: tools ? false : "needs unshare -m (root), python3 and logger" }, () => {
    const recv = join(dir, "recv.py");
    writeFileSync(recv, [
      "import json, socket, sys",
      "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
      "s.bind('/run/syslog')",
      "open(sys.argv[1] + '.ready', 'w').close()",
      "with open(sys.argv[1], 'a') as out:",
      "    while True:",
      "        out.write(json.dumps(s.recv(65536).decode()) + '\\n'); out.flush()",
    ].join("\n"));
    const outs: Record<string, string> = {};
    const script = [
      "set -e", "mount -t tmpfs tmpfs /run",
      `python3 ${recv} ${dir}/local.out & P=$!`,
      `for i in $(seq 100); do [ -f ${dir}/local.out.ready ] && break; sleep 0.1; done`,
      ...KINDS.map((kind) => {
        const cmd = kind === "skein" ? `${process.execPath} ${MAIN_JS}` : NATS_SERVER_BIN!;
        return [
          `echo "== ${kind}" >> ${dir}/local.out`,
          `${cmd} -a 127.0.0.1 -p -1 -s & S=$!`,
          `for i in $(seq 100); do grep -q "Server is ready" ${dir}/local.out && [ "$(grep -c '^== ' ${dir}/local.out)" = "$(grep -c 'Server is ready' ${dir}/local.out)" ] && break; sleep 0.1; done`,
          "kill -HUP $S; sleep 0.3; kill -INT $S; wait $S",
        ].join("\n");
      }),
      "sleep 0.3", "kill $P",
    ].join("\n");
    const r = spawnSync("unshare", ["-m", "bash", "-c", script], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    let current = "";
    for (const line of readFileSync(join(dir, "local.out"), "utf8").split("\n")) {
      if (line.startsWith("== ")) current = line.slice(3);
      else if (line !== "") outs[current] = (outs[current] ?? "") + `${JSON.parse(line) as string}\n`;
    }
    for (const kind of KINDS) {
      const msgs = (outs[kind] ?? "").trimEnd().split("\n").filter((m) => m !== "");
      const sev = msgs.map((m) => /^<(\d+)>/.exec(m)?.[1]);
      assert.deepEqual(sev, ["29", "29", "29", "29", "29", "29", "29", "27", "29", "29"], kind);
      assert.deepEqual(msgs.map((m) => normalize(m).replace(/^<\d+>/, "")), EXPECTED, kind);
    }
  });
});
