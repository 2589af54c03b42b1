// Child processes for the benchmark: spawned with a raised file limit and,
// optionally, pinned to one CPU with taskset. Reads CPU time and memory of a
// running process from /proc.
import { spawn, execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

const live = new Set();

function killAll() {
  for (const child of live) child.kill("SIGKILL");
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
 * taskset, or null.
 */
export function spawnTuned(argv, { cpu = null, stdin = "ignore" } = {}) {
  const pin = cpu === null ? [] : ["taskset", "-c", String(cpu)];
  const script = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"';
  const child = spawn("bash", ["-c", script, "bench", ...pin, ...argv], {
    stdio: [stdin, "pipe", "pipe"],
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
 * Time the process's threads spent runnable but waiting for a CPU, in ms
 * (second field of /proc/PID/task/TID/schedstat). High values mean other load
 * on the machine was taking the CPU away from the measured process.
 */
export function runqueueWaitMs(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[1]);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return ns / 1e6;
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
