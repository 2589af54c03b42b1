// Child processes for the benchmark: spawned with a raised file limit and,
// optionally, pinned to one CPU with taskset. Reads CPU time and memory of a
// running process from /proc.
import { spawn, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const live = new Set();

/**
 * Signals a spawned child's whole process group, so that anything it forked
 * (a wrapper such as strace, or a shell) goes too and no orphan keeps our
 * pipes open.
 */
export function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

function killAll() {
  for (const child of live) signalGroup(child, "SIGKILL");
}
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export function hasTaskset() {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Spawns argv through bash so that the open-file limit can be raised first
 * (to 65536 when allowed, else to the hard limit). `exec` keeps the pid, so
 * child.pid is the pid of the measured program itself. cpu: a CPU list for
 * taskset, or null. nice: a niceness, or null. Every child gets a session and
 * process group of its own (setsid), so that signalGroup reaches all of it.
 * With the kernel's autogroup scheduling, niceness only ranks processes within
 * one session, and every shell on the machine is its own session; so a niced
 * child's session autogroup gets the niceness too.
 */
export function spawnTuned(argv, { cpu = null, nice = null, stdin = "ignore" } = {}) {
  const prefix = [];
  if (nice !== null) prefix.push("nice", "-n", String(nice));
  if (cpu !== null) prefix.push("taskset", "-c", String(cpu));
  const autogroup = nice === null ? "" : `echo ${nice} > /proc/self/autogroup 2>/dev/null; `;
  const script = `${autogroup}ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;
  const child = spawn("bash", ["-c", script, "bench", ...prefix, ...argv], {
    stdio: [stdin, "pipe", "pipe"],
    detached: true,
  });
  live.add(child);
  child.exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return child;
}

/** User plus system CPU of a process (all threads), in milliseconds. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ", utime and stime are fields 12 and 13 (1-based).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
}

/**
 * Busy time of one CPU (or of all CPUs when cpu is null) since boot, in ms,
 * from /proc/stat: everything but idle and iowait.
 */
export function cpuBusyMs(cpu = null) {
  const name = cpu === null ? "cpu" : `cpu${cpu}`;
  const line = readFileSync("/proc/stat", "utf8").split("\n").find((l) => l.split(" ")[0] === name);
  if (!line) throw new Error(`no ${name} line in /proc/stat`);
  const t = line.trim().split(/\s+/).slice(1).map(Number);
  const total = t.slice(0, 8).reduce((a, b) => a + b, 0);
  return ((total - t[3] - t[4]) * 1000) / ticksPerSecond();
}

/** Current and peak resident memory of a process, in KiB. */
export function memKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

/** Calls onLine for every complete line of a readable stream. */
export function eachLine(stream, onLine) {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    rest += chunk;
    let nl;
    while ((nl = rest.indexOf("\n")) >= 0) {
      onLine(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
    }
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
