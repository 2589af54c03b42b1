// `--signal cmd[=pid|pidfile]`: sends a running server the signal for cmd, as nats-server 2.9 does.
// Without a pid it looks for the one running process with this program's name (nats-server runs
// `pgrep nats-server`; here /proc/<pid>/comm, which the server sets through process.title) and refuses
// when there are none or several. A pid file holds the pid with no newline (Go's strconv.Atoi does
// not trim), and an unreadable or bad pid file is reported as an invalid pid.

import { readdirSync, readFileSync } from "node:fs";
import type { SignalCommand } from "./config/cli.js";
import { programName } from "./syslog.js";

const SIGNALS: Record<SignalCommand, NodeJS.Signals> = {
  stop: "SIGKILL", quit: "SIGINT", term: "SIGTERM", reopen: "SIGUSR1", reload: "SIGHUP", ldm: "SIGUSR2",
};

const GO_INT = /^[+-]?\d+$/;

/** The pids of the other running processes named like this program. */
export function findServerPids(name = programName()): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").replace(/\n$/, "") === name.slice(0, 15)) pids.push(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  return pids.sort((a, b) => a - b);
}

function resolvePid(target: string | undefined): number | string {
  if (target === undefined || target === "") {
    const name = programName();
    const pids = findServerPids(name);
    if (pids.length === 0) return `no ${name} processes running`;
    if (pids.length > 1) return `multiple ${name} processes running:\n${pids.join("\n")}`;
    return pids[0]!;
  }
  if (GO_INT.test(target)) return Number(target);
  let text: string;
  try {
    text = readFileSync(target, "utf8");
  } catch {
    return `invalid pid: ${target}`;
  }
  return GO_INT.test(text) ? Number(text) : `invalid pid: ${text}`;
}

/** Sends the signal; returns the error text nats-server prints, or null. */
export function sendSignal(command: SignalCommand, target: string | undefined): string | null {
  const pid = resolvePid(target);
  if (typeof pid === "string") return pid;
  try {
    process.kill(pid, SIGNALS[command]);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return "no such process";
    if (code === "EPERM") return "operation not permitted";
    return (e as Error).message;
  }
}
