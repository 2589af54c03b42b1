// Builds and drives the Go tools: loadgen (message scenarios) and idleconns
// (idle connections for the memory measurement).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnTuned, signalGroup, eachLine, sleep } from "./proc.mjs";
import { serversCpuMs, serversPeakKiB, serverTrouble } from "./servers.mjs";
import { memKiB, cpuBusyMs } from "./proc.mjs";

const TOOLS = ["loadgen", "idleconns"];

function newestSource(dir) {
  return Math.max(...readdirSync(dir).filter((f) => f.endsWith(".go")).map((f) => statSync(join(dir, f)).mtimeMs));
}

/** Builds the Go tools into bench/bin when missing or older than their sources. */
export function buildTools(benchDir, log) {
  const bins = {};
  for (const tool of TOOLS) {
    const src = join(benchDir, tool);
    const bin = join(benchDir, "bin", tool);
    bins[tool] = bin;
    if (existsSync(bin) && statSync(bin).mtimeMs >= newestSource(src)) continue;
    log(`building ${tool} ...`);
    try {
      execFileSync("go", ["build", "-o", bin, "."], {
        cwd: src,
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...process.env, GOPATH: process.env.GOPATH ?? "/usr/share/gocode", GO111MODULE: "off" },
      });
    } catch (err) {
      throw new Error(
        `could not build ${tool} (needs go and nats.go, e.g. apt-get install golang-go golang-github-nats-io-go-nats-dev): ${err.message}`,
      );
    }
  }
  return bins;
}

/** Runs a child and hands each JSON line of its stdout to onEvent. */
function runJsonChild(argv, { cpu, nice }, timeoutMs, onEvent) {
  const child = spawnTuned(argv, { cpu, nice, stdin: "pipe" });
  const stderr = [];
  eachLine(child.stderr, (line) => stderr.push(line));
  let failure = null;
  eachLine(child.stdout, (line) => {
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      failure ??= `unexpected output: ${line}`;
      return;
    }
    Promise.resolve(onEvent(event, child)).catch((err) => {
      failure ??= err.message;
      signalGroup(child, "SIGKILL");
    });
  });
  const timer = setTimeout(() => {
    failure ??= `timed out after ${timeoutMs} ms`;
    signalGroup(child, "SIGKILL");
  }, timeoutMs);
  return child.exited.then(({ code, signal }) => {
    clearTimeout(timer);
    if (failure) throw new Error(`${argv[0]}: ${failure}\n${stderr.join("\n")}`);
    if (code !== 0) throw new Error(`${argv[0]} exited with ${code ?? signal}\n${stderr.join("\n")}`);
  });
}

/**
 * Runs one scenario against a started group of servers. The server CPU is read
 * when the loadgen reports ready and again when it reports its result, so
 * connection setup and teardown are not counted. otherLoadPct is the CPU that
 * other processes used meanwhile, on the servers' CPU (serverCpu) or, when not
 * pinned, on the whole machine, in percent of one core.
 */
export async function runScenario(bin, scenario, servers, { msgs, warmup, timeoutSec, cpu, nice, serverCpu }) {
  const pubUrl = servers[scenario.pubNode ?? 0].url;
  const subUrl = servers[scenario.subNode ?? 0].url;
  const argv = [
    bin,
    "-sync",
    `-mode=${scenario.mode}`,
    `-pub-url=${pubUrl}`,
    `-sub-url=${subUrl}`,
    `-pubs=${scenario.pubs ?? 1}`,
    `-subs=${scenario.subs ?? 1}`,
    `-size=${scenario.size}`,
    `-msgs=${msgs}`,
    `-warmup=${warmup}`,
    `-timeout=${timeoutSec}s`,
  ];
  if (scenario.queue) argv.push(`-queue=${scenario.queue}`);
  let cpu0 = 0;
  let busy0 = 0;
  let t0 = 0;
  let out = null;
  const running = runJsonChild(argv, { cpu, nice }, (timeoutSec + 60) * 1000, (event, child) => {
    if (event.event === "ready") {
      cpu0 = serversCpuMs(servers);
      busy0 = cpuBusyMs(serverCpu);
      t0 = performance.now();
      child.stdin.write("go\n");
    } else if (event.event === "result") {
      const serverCpuMs = serversCpuMs(servers) - cpu0;
      const ours = serverCpuMs + (serverCpu === null ? event.client_cpu_secs * 1000 : 0);
      out = {
        result: event,
        serverCpuMs,
        otherLoadPct: Math.max(0, ((cpuBusyMs(serverCpu) - busy0 - ours) * 100) / (performance.now() - t0)),
        peakKiB: serversPeakKiB(servers),
      };
      child.stdin.end("\n");
    }
  });
  await withServerTrouble(running, servers);
  if (!out) throw new Error("loadgen printed no result");
  return out;
}

/**
 * Awaits a client run, then checks the servers: a server that died or cut a
 * slow consumer is the story to tell, also when the client failed because of it.
 */
async function withServerTrouble(running, servers) {
  let clientError = null;
  try {
    await running;
  } catch (err) {
    clientError = err;
    await sleep(200); // let the server's last log lines arrive
  }
  const trouble = serverTrouble(servers);
  if (trouble) throw new Error(clientError ? `${trouble}\n${clientError.message}` : trouble);
  if (clientError) throw clientError;
}

/** Waits until a process's RSS stops moving (or 5 s pass); returns it in KiB. */
async function settledRss(pid) {
  let last = memKiB(pid).rss;
  for (let i = 0; i < 25; i++) {
    await sleep(200);
    const now = memKiB(pid).rss;
    if (Math.abs(now - last) <= last * 0.002) return now;
    last = now;
  }
  return last;
}

/** Opens n idle connections to one server and measures its RSS growth. */
export async function measureIdle(bin, server, n, cpu, nice) {
  const before = await settledRss(server.pid);
  let out = null;
  const argv = [bin, `-addr=127.0.0.1:${server.port}`, `-n=${n}`];
  const running = runJsonChild(argv, { cpu, nice }, 180000, async (event, child) => {
    if (event.event !== "ready") return;
    if (event.failed > 0) {
      child.stdin.end("\n");
      throw new Error(`${event.failed} of ${n} connections failed: ${event.errors.join("; ")}`);
    }
    const held = await settledRss(server.pid);
    out = {
      conns: event.conns,
      connectSecs: event.secs,
      rssBeforeKiB: before,
      rssHeldKiB: held,
      bytesPerConn: ((held - before) * 1024) / event.conns,
    };
    child.stdin.end("\n");
  });
  await withServerTrouble(running, [server]);
  if (!out) throw new Error("idleconns reported nothing");
  return out;
}
