// A cluster of brokers (skein or nats-server), one per namespace of a NetnsLab, each listening on its
// own address and dialling its seed route by host name; and the probe agent in the hub namespace
// through which the test reaches them.
import { type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { ServerKind } from "../../broker/test/harness/servers.js";
import { NATS_SERVER_BIN } from "../../broker/test/harness/servers.js";
import { skeinCommand, waitFor } from "../../broker/test/support/cluster-harness.js";
import { NetnsLab, type LabHost } from "./lab.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLIENT_PORT = 4222;
const ROUTE_PORT = 6222;
const HTTP_PORT = 8222;

/** Talks to the probe agent (e2e/netns/probe-agent.ts) running in the hub namespace. */
export class Probe {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private stderr = "";

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const msg = JSON.parse(line) as { id: number; ok: boolean; value?: unknown; error?: string };
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.ok) w.resolve(msg.value);
      else w.reject(new Error(msg.error ?? "probe error"));
    });
    child.stderr?.on("data", (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    child.once("exit", () => {
      for (const w of this.waiting.values()) w.reject(new Error(`probe agent exited: ${this.stderr}`));
      this.waiting.clear();
    });
  }

  static async start(lab: NetnsLab): Promise<Probe> {
    const child = lab.spawnIn(lab.hub, process.execPath, ["--import", "tsx", join(REPO, "e2e/netns/probe-agent.ts")], REPO);
    const probe = new Probe(child);
    await new Promise<void>((res, rej) => {
      probe.waiting.set(0, { resolve: () => res(), reject: rej });
    });
    return probe;
  }

  call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: (v) => resolve(v as T), reject });
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }
}

export interface NetnsNode {
  readonly kind: ServerKind;
  readonly host: LabHost;
  readonly url: string;
  readonly monitor: string;
  log(): string;
}

interface RoutezLite {
  routes: { remote_id: string }[];
}

export class NetnsCluster {
  private readonly logs: string[];
  readonly nodes: NetnsNode[];
  private readonly dir = mkdtempSync(join(tmpdir(), "skein-netns-"));

  private constructor(readonly lab: NetnsLab, readonly probe: Probe, readonly kinds: readonly ServerKind[]) {
    this.logs = kinds.map(() => "");
    this.nodes = kinds.map((kind, i) => {
      const host = lab.host(i);
      return { kind, host, url: `nats://${host.ip}:${CLIENT_PORT}`, monitor: `http://${host.ip}:${HTTP_PORT}`, log: () => this.logs[i] ?? "" };
    });
  }

  /** Creates the lab, starts one broker per kind (node 0 is the seed) and the probe. */
  static async start(kinds: readonly ServerKind[]): Promise<NetnsCluster> {
    const lab = NetnsLab.create(kinds.length);
    let cluster: NetnsCluster | undefined;
    try {
      const probe = await Probe.start(lab);
      cluster = new NetnsCluster(lab, probe, kinds);
      for (const n of cluster.nodes) cluster.startBroker(n);
      return cluster;
    } catch (e) {
      if (cluster) cluster.destroy();
      else lab.destroy();
      throw e;
    }
  }

  private config(n: NetnsNode): string {
    const seed = this.lab.host(0).hostname;
    return [
      `server_name: "node${n.host.index}"`,
      `host: "${n.host.ip}"`,
      `port: ${CLIENT_PORT}`,
      `http: "${n.host.ip}:${HTTP_PORT}"`,
      "no_system_account: true",
      // Fast detection of a silent peer (a cut link drops packets without a reset): routes are
      // pinged like clients, and closed after ping_max unanswered pings.
      'ping_interval: "1s"',
      "ping_max: 2",
      "cluster {",
      '  name: "netns"',
      `  listen: "${n.host.ip}:${ROUTE_PORT}"`,
      `  routes: [${n.host.index === 0 ? "" : `"nats-route://${seed}:${ROUTE_PORT}"`}]`,
      "}",
      "",
    ].join("\n");
  }

  private startBroker(n: NetnsNode): void {
    const file = join(this.dir, `node${n.host.index}.conf`);
    writeFileSync(file, this.config(n));
    const [cmd, ...args] = n.kind === "skein" ? [process.execPath, ...skeinCommand()] : [NATS_SERVER_BIN ?? "nats-server"];
    const child = this.lab.spawnIn(n.host.ns, cmd!, [...args, "-c", file], REPO);
    const i = n.host.index;
    const append = (d: Buffer) => { this.logs[i] = ((this.logs[i] ?? "") + d.toString()).slice(-100_000); };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    child.once("exit", (code, sig) => append(Buffer.from(`---- exited (${sig ?? code}) ----\n`)));
  }

  routez(i: number): Promise<RoutezLite> {
    return this.probe.call<RoutezLite>("get", { url: `${this.node(i).monitor}/routez` });
  }

  async serverId(i: number): Promise<string> {
    return (await this.probe.call<{ server_id: string }>("get", { url: `${this.node(i).monitor}/varz` })).server_id;
  }

  node(i: number): NetnsNode {
    const n = this.nodes[i];
    if (!n) throw new Error(`no node ${i}`);
    return n;
  }

  /** Waits until each given node has exactly one route to each other given node. */
  async waitForMesh(only: readonly number[] = this.nodes.map((_, i) => i), timeout = 30_000): Promise<void> {
    const ids = await waitFor("every node's monitor", async () => Promise.all(only.map((i) => this.serverId(i))), timeout, () => this.describe());
    await waitFor(`a mesh of nodes ${only.join(", ")}`, async () => {
      for (const [k, i] of only.entries()) {
        const got = (await this.routez(i)).routes.map((r) => r.remote_id).sort();
        const want = ids.filter((_, j) => j !== k).sort();
        if (JSON.stringify(got) !== JSON.stringify(want)) return undefined;
      }
      return true;
    }, timeout, () => this.describe());
  }

  describe(): string {
    return this.nodes.map((n) => `== node${n.host.index} (${n.kind}) ${n.host.hostname} ${n.host.ip}\n${n.log().slice(-2500)}`).join("\n");
  }

  destroy(): void {
    this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
