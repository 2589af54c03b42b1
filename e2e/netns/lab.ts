// A small network lab made of Linux network namespaces: N host namespaces, each with one veth
// ("eth0") whose peer sits on a bridge in a separate hub namespace. Every address (10.99.<net>.0/24)
// and every interface lives only inside namespaces created here; the root namespace is never
// touched. Host names come from /etc/netns/<ns>/hosts, which `ip netns exec` mounts over /etc/hosts.
// Needs root and iproute2. Always call destroy(), also after a failure.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const IP = "ip";
const NETNS_ETC = "/etc/netns";

/** Why the lab cannot run here, or undefined when it can. */
export function labSkipReason(): string | undefined {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return "network namespace tests need root";
  const r = spawnSync(IP, ["-V"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return "iproute2 (`ip`) is not installed";
  return undefined;
}

function run(args: readonly string[]): void {
  const r = spawnSync(IP, args, { encoding: "utf8" });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")} failed (${r.status}): ${r.stderr.trim()}`);
}

// Labs still standing when the process exits (a test that timed out, an uncaught error) are
// torn down here; destroy() is synchronous so it can run in an exit handler.
const live = new Set<NetnsLab>();
process.once("exit", () => {
  for (const lab of live) lab.destroy();
});

export interface LabHost {
  readonly index: number;
  readonly ns: string;
  readonly hostname: string;
  readonly ip: string;
}

export class NetnsLab {
  readonly hosts: LabHost[];
  /** The hub namespace (holds the bridge, and an address for a probe process). */
  readonly hub: string;
  readonly hubIp: string;
  private readonly created: string[] = [];
  private readonly children = new Set<ChildProcess>();

  private constructor(readonly id: string, readonly net: number, n: number) {
    this.hub = `${id}-hub`;
    this.hubIp = `10.99.${net}.1`;
    this.hosts = Array.from({ length: n }, (_, i) => ({ index: i, ns: `${id}-h${i}`, hostname: `node${i}.${id}.test`, ip: `10.99.${net}.${10 + i}` }));
  }

  /** Creates the namespaces, the bridge and the links, and the hosts files; cleans up on failure. */
  static create(n: number): NetnsLab {
    const id = `skn${randomBytes(3).toString("hex")}`;
    const net = 1 + (randomBytes(1)[0]! % 250);
    const lab = new NetnsLab(id, net, n);
    live.add(lab);
    try {
      lab.setUp();
    } catch (e) {
      lab.destroy();
      throw e;
    }
    return lab;
  }

  private setUp(): void {
    run(["netns", "add", this.hub]);
    this.created.push(this.hub);
    run(["-n", this.hub, "link", "set", "lo", "up"]);
    run(["-n", this.hub, "link", "add", "br0", "type", "bridge"]);
    run(["-n", this.hub, "addr", "add", `${this.hubIp}/24`, "dev", "br0"]);
    run(["-n", this.hub, "link", "set", "br0", "up"]);
    const hostsFile = [`${this.hubIp} hub.${this.id}.test`, ...this.hosts.map((h) => `${h.ip} ${h.hostname}`), "127.0.0.1 localhost", ""].join("\n");
    for (const h of [...this.hosts.map((x) => x.ns), this.hub]) {
      mkdirSync(join(NETNS_ETC, h), { recursive: true });
      writeFileSync(join(NETNS_ETC, h, "hosts"), hostsFile);
    }
    for (const h of this.hosts) {
      run(["netns", "add", h.ns]);
      this.created.push(h.ns);
      run(["-n", h.ns, "link", "set", "lo", "up"]);
      run(["-n", h.ns, "link", "add", "eth0", "type", "veth", "peer", "name", this.hubPort(h.index), "netns", this.hub]);
      run(["-n", this.hub, "link", "set", this.hubPort(h.index), "master", "br0"]);
      run(["-n", this.hub, "link", "set", this.hubPort(h.index), "up"]);
      run(["-n", h.ns, "addr", "add", `${h.ip}/24`, "dev", "eth0"]);
      run(["-n", h.ns, "link", "set", "eth0", "up"]);
    }
  }

  /** The hub's end of host i's link. */
  private hubPort(i: number): string {
    return `v${i}`;
  }

  host(i: number): LabHost {
    const h = this.hosts[i];
    if (!h) throw new Error(`no host ${i} in the lab`);
    return h;
  }

  /** Cuts (down) or heals (up) host i's link to the bridge, at the hub's end. */
  setLink(i: number, up: boolean): void {
    this.host(i);
    run(["-n", this.hub, "link", "set", this.hubPort(i), up ? "up" : "down"]);
  }

  /** Starts a process inside namespace `ns` (stdout and stderr piped). It is killed by destroy(). */
  spawnIn(ns: string, cmd: string, args: readonly string[], cwd?: string): ChildProcess {
    const child = spawn(IP, ["netns", "exec", ns, cmd, ...args], { stdio: ["pipe", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
    this.children.add(child);
    child.once("exit", () => this.children.delete(child));
    return child;
  }

  /** Kills every process started here, deletes the namespaces (which removes their links) and the hosts files. */
  destroy(): void {
    live.delete(this);
    for (const c of this.children) c.kill("SIGKILL");
    // Processes in a namespace keep it alive; `ip netns pids` finds any that were not ours to track.
    for (const ns of this.created) {
      const pids = spawnSync(IP, ["netns", "pids", ns], { encoding: "utf8" }).stdout.split(/\s+/).filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    for (const ns of this.created.reverse()) spawnSync(IP, ["netns", "del", ns]);
    this.created.length = 0;
    for (const ns of [this.hub, ...this.hosts.map((h) => h.ns)]) rmSync(join(NETNS_ETC, ns), { recursive: true, force: true });
    try {
      rmdirSync(NETNS_ETC); // only when no other namespace has files there
    } catch {
      // not empty or absent
    }
  }
}
