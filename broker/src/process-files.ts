// The pid file and the ports file, as nats-server writes them.
// - pid_file / -P: the pid in decimal with no newline, written at start (failure is fatal). Like
//   nats-server, the server does not remove it at exit.
// - ports_file_dir: `<program>_<pid>.ports` holding `{"nats":[...],"monitoring":[...]}` (the URLs
//   clients and scrapers can use; a wildcard host expands to every interface address), written once
//   the server is ready and removed at shutdown. Failures are logged, not fatal.

import { rmSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { programName } from "./syslog.js";

const GO_ERRNO: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EEXIST: "file exists",
};

/** An fs error as Go's *PathError prints it: `open /x/y: no such file or directory`. */
export function goPathError(op: string, path: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const text = (err.code !== undefined ? GO_ERRNO[err.code] : undefined) ?? err.message;
  return `${op} ${path}: ${text}`;
}

/** Writes the pid file; throws Error("Could not write pidfile: ...") as nats-server fails. */
export function writePidFile(path: string): void {
  try {
    writeFileSync(path, String(process.pid), { mode: 0o660 });
  } catch (e) {
    throw new Error(`Could not write pidfile: ${goPathError("open", path, e)}`);
  }
}

export interface Ports {
  nats: string[];
  monitoring?: string[];
  cluster?: string[];
}

function urlHost(ip: string): string {
  return ip.includes(":") ? `[${ip}]` : ip;
}

/** The URLs of a listener: its host, or every interface address when it listens on all of them. */
export function listenerUrls(scheme: string, host: string, port: number): string[] {
  if (host !== "0.0.0.0" && host !== "::" && host !== "") return [`${scheme}://${urlHost(host)}:${port}`];
  // As nats-server, both address families, in interface order.
  const urls: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) urls.push(`${scheme}://${urlHost(a.address)}:${port}`);
  }
  return urls;
}

export function portsFilePath(dir: string): string {
  return join(dir, `${programName()}_${process.pid}.ports`);
}

/** Writes the ports file; returns the error line nats-server logs when it cannot. */
export function writePortsFile(dir: string, ports: Ports): string | null {
  const path = portsFilePath(dir);
  const body: Ports = { nats: ports.nats };
  if (ports.monitoring && ports.monitoring.length > 0) body.monitoring = ports.monitoring;
  if (ports.cluster && ports.cluster.length > 0) body.cluster = ports.cluster;
  try {
    writeFileSync(path, JSON.stringify(body), { mode: 0o666 });
    return null;
  } catch (e) {
    return `Error writing ports file (${path}): ${goPathError("open", path, e)}`;
  }
}

/** Removes the ports file; returns the error line nats-server logs when it cannot. */
export function removePortsFile(dir: string): string | null {
  const path = portsFilePath(dir);
  try {
    rmSync(path);
    return null;
  } catch (e) {
    return `Error cleaning up ports file ${path}: ${goPathError("remove", path, e)}`;
  }
}
