// Starts a cluster of servers of any mix of kinds (skein or nats-server), each as a child process
// from a config file written here, with fixed client, route and monitoring ports so a node can be
// killed and restarted on the same addresses. Conditions are polled through the monitoring
// endpoints both kinds serve (/routez, /varz), never waited for with fixed sleeps.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, NATS_SERVER_BIN, sleep, type ServerKind } from "../harness/servers.js";

const HOST = "127.0.0.1";
const BROKER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SKEIN_MAIN_JS = join(BROKER_DIR, "dist/main.js");
const SKEIN_MAIN_TS = join(BROKER_DIR, "src/main.ts");
const CLUSTER_SRC = join(BROKER_DIR, "src/cluster");

/** The newest modification time of the .ts files under dir. */
function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestSource(p) : e.name.endsWith(".ts") ? statSync(p).mtimeMs : 0);
  }
  return t;
}

/**
 * How to run skein: broker/dist/main.js (as `npm test` builds it first), or the sources through tsx
 * when the build is older than a source file, so a stale build never passes for the current code.
 */
export function skeinCommand(): string[] {
  const built = statSync(SKEIN_MAIN_JS, { throwIfNoEntry: false });
  if (built && built.mtimeMs >= newestSource(join(BROKER_DIR, "src"))) return [SKEIN_MAIN_JS];
  return ["--import", "tsx", SKEIN_MAIN_TS];
}

/** Why a cluster with these kinds cannot run here, or undefined when it can. */
export function clusterSkipReason(kinds: readonly ServerKind[]): string | undefined {
  if (kinds.includes("nats-server") && !NATS_SERVER_BIN) {
    return "nats-server is not installed (apt-get install nats-server)";
  }
  if (kinds.includes("skein")) {
    const files = existsSync(CLUSTER_SRC) ? readdirSync(CLUSTER_SRC).filter((f) => f.endsWith(".ts")) : [];
    if (files.length === 0) return "skein routes are not implemented yet (broker/src/cluster/ has no sources)";
  }
  return undefined;
}

export interface RouteCredentials {
  user: string;
  password: string;
}

export interface ClusterOptions {
  /** "seed": every node routes to node 0 only (default); "full": every node lists every node, itself included. */
  topology?: "seed" | "full";
  /** The nodes node i lists in `cluster.routes`, instead of what `topology` gives. */
  routes?: (i: number) => readonly number[];
  /** `cluster.authorization` on every node, and the credentials in every route URL. */
  auth?: RouteCredentials;
  /** Credentials node i puts in its route URLs, when they differ from `auth` (a wrong password). */
  routeCredentials?: (i: number) => RouteCredentials | undefined;
  /** Cluster name per node (default "skein-test" for all; "" leaves it out, so the node generates one). */
  clusterName?: (i: number) => string;
  noAdvertise?: boolean;
  connectRetries?: number;
  /** Extra top-level config lines for node i. */
  extra?: (i: number) => string;
  /** Extra lines inside node i's `cluster { }` block (e.g. a `tls { }` block). */
  clusterExtra?: (i: number) => string;
  /** Keep nats-server's system account ($SYS traffic over routes); off by default. */
  systemAccount?: boolean;
  /** Start node i only when this returns true (others can be started later with `start(i)`). */
  startNow?: (i: number) => boolean;
}

interface NodePorts {
  port: number;
  clusterPort: number;
  httpPort: number;
}

export interface ClusterNode {
  readonly index: number;
  readonly kind: ServerKind;
  readonly name: string;
  readonly port: number;
  readonly clusterPort: number;
  readonly httpPort: number;
  /** nats://127.0.0.1:port */
  readonly url: string;
  readonly configFile: string;
  /** Everything the process wrote to stderr and stdout, over all its runs. */
  log(): string;
  running(): boolean;
}

interface NodeState extends ClusterNode {
  child: ChildProcess | undefined;
  text: string;
}

export interface RouteSummary {
  rid: number;
  remote_id: string;
  did_solicit: boolean;
  in_msgs: number;
  out_msgs: number;
  subscriptions: number;
  subscriptions_list?: string[];
}

export interface Routez {
  server_id: string;
  num_routes: number;
  routes: RouteSummary[];
}

export interface Varz {
  server_id: string;
  server_name: string;
  in_msgs: number;
  out_msgs: number;
  routes: number;
  connect_urls?: string[];
  cluster?: { name?: string; addr?: string; cluster_port?: number; urls?: string[] };
}

const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({ host: HOST, port });
    s.once("connect", () => {
      s.destroy();
      res(true);
    });
    s.once("error", () => res(false));
  });
}

/** Polls `check` until it returns a value other than undefined; the error names what was awaited. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeout = 15_000, detail?: () => string): Promise<T> {
  const deadline = Date.now() + timeout;
  let lastError = "";
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}${detail ? `\n${detail()}` : ""}`);
    }
    await sleep(50);
  }
}

export class Cluster {
  readonly nodes: readonly ClusterNode[];
  private readonly states: NodeState[];

  private constructor(
    states: NodeState[], readonly dir: string, readonly kinds: readonly ServerKind[],
    private readonly ports: readonly NodePorts[], private readonly opts: ClusterOptions,
  ) {
    this.states = states;
    this.nodes = states;
  }

  /** Starts one server per kind; node 0 is the seed. Waits until every started node listens. */
  static async start(kinds: readonly ServerKind[], opts: ClusterOptions = {}): Promise<Cluster> {
    const skip = clusterSkipReason(kinds);
    if (skip) throw new Error(skip);
    const dir = mkdtempSync(join(tmpdir(), "skein-cluster-"));
    const ports: NodePorts[] = [];
    const taken = new Set<number>();
    const pick = async (): Promise<number> => {
      for (;;) {
        const p = await freePort();
        if (!taken.has(p)) {
          taken.add(p);
          return p;
        }
      }
    };
    for (let i = 0; i < kinds.length; i++) ports.push({ port: await pick(), clusterPort: await pick(), httpPort: await pick() });
    const states: NodeState[] = kinds.map((kind, i) => {
      const p = ports[i]!;
      const name = `n${i}-${kind === "skein" ? "skein" : "nats"}`;
      const configFile = join(dir, `${name}.conf`);
      writeFileSync(configFile, nodeConfig(i, name, ports, opts));
      const st: NodeState = {
        index: i, kind, name, ...p, url: `nats://${HOST}:${p.port}`, configFile,
        child: undefined, text: "",
        log: () => st.text,
        running: () => st.child !== undefined,
      };
      return st;
    });
    const cluster = new Cluster(states, dir, kinds, ports, opts);
    const startNow = opts.startNow ?? (() => true);
    try {
      // The seed first, so the others' first dial succeeds instead of waiting for a retry.
      if (startNow(0)) await cluster.start(0);
      await Promise.all(states.slice(1).filter((s) => startNow(s.index)).map((s) => cluster.start(s.index)));
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    return cluster;
  }

  node(i: number): ClusterNode {
    const n = this.nodes[i];
    if (!n) throw new Error(`no node ${i} in a cluster of ${this.nodes.length}`);
    return n;
  }

  private state(i: number): NodeState {
    const s = this.states[i];
    if (!s) throw new Error(`no node ${i} in a cluster of ${this.states.length}`);
    return s;
  }

  /** Starts (or restarts) node i from its config file on its ports; waits until client and monitor ports answer. */
  async start(i: number): Promise<void> {
    const st = this.state(i);
    if (st.child) throw new Error(`${st.name} is already running`);
    const child = st.kind === "skein"
      ? spawn(process.execPath, [...skeinCommand(), "-c", st.configFile], { stdio: ["ignore", "pipe", "pipe"] })
      : spawn(NATS_SERVER_BIN ?? "nats-server", ["-c", st.configFile], { stdio: ["ignore", "pipe", "pipe"] });
    st.child = child;
    children.add(child);
    st.text += `---- start ${st.name} (${st.kind}) ----\n`;
    const append = (d: Buffer) => {
      st.text = (st.text + d.toString()).slice(-200_000);
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    child.once("exit", (code, signal) => {
      children.delete(child);
      st.text += `---- ${st.name} exited (${signal ?? code}) ----\n`;
      if (st.child === child) st.child = undefined;
    });
    await waitFor(`${st.name} to listen on ${st.port} and ${st.httpPort}`, async () => {
      if (st.child !== child) throw new Error(`${st.name} exited`);
      return (await canConnect(st.port)) && (await canConnect(st.httpPort)) ? true : undefined;
    }, 20_000, () => st.text.slice(-3000));
  }

  /**
   * Rewrites node i's config file from the cluster's options with `change` laid over them (e.g. other
   * `routes`). The running process does not see it until it is restarted or sent SIGHUP (`raise`).
   */
  reconfigure(i: number, change: ClusterOptions): void {
    const st = this.state(i);
    writeFileSync(st.configFile, nodeConfig(i, st.name, this.ports, { ...this.opts, ...change }));
  }

  /** SIGKILL: the node vanishes without saying goodbye, as a crash does. */
  kill(i: number): Promise<void> {
    return this.signal(i, "SIGKILL");
  }

  /** Sends a signal to node i's process (SIGUSR2: lame duck, SIGHUP: reload) without waiting. */
  raise(i: number, sig: NodeJS.Signals): void {
    const child = this.state(i).child;
    if (!child) throw new Error(`${this.state(i).name} is not running`);
    child.kill(sig);
  }

  /** Waits until node i's process has exited by itself. */
  async waitForExit(i: number, timeout = 15_000): Promise<void> {
    await waitFor(`${this.state(i).name} to exit`, async () => (this.state(i).child ? undefined : true), timeout);
  }

  /** SIGTERM, then SIGKILL after 5 s. */
  stopNode(i: number): Promise<void> {
    return this.signal(i, "SIGTERM");
  }

  private signal(i: number, sig: NodeJS.Signals): Promise<void> {
    const child = this.state(i).child;
    if (!child) return Promise.resolve();
    return new Promise((res) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.once("exit", () => {
        clearTimeout(timer);
        res();
      });
      child.kill(sig);
    });
  }

  async restart(i: number): Promise<void> {
    await this.stopNode(i);
    await this.start(i);
  }

  async stop(): Promise<void> {
    await Promise.all(this.states.map((s) => this.signal(s.index, "SIGTERM")));
    rmSync(this.dir, { recursive: true, force: true });
  }

  async json<T>(i: number, path: string): Promise<T> {
    const st = this.state(i);
    const res = await fetch(`http://${HOST}:${st.httpPort}${path}`);
    if (!res.ok) throw new Error(`${st.name} ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  routez(i: number, subs = false): Promise<Routez> {
    return this.json<Routez>(i, subs ? "/routez?subs=1" : "/routez");
  }

  varz(i: number): Promise<Varz> {
    return this.json<Varz>(i, "/varz");
  }

  /** The running nodes, or the given ones. */
  private targets(only?: readonly number[]): NodeState[] {
    return only ? only.map((i) => this.state(i)) : this.states.filter((s) => s.child);
  }

  /**
   * Waits until each of the given nodes (default: all running) has exactly one route to each other
   * of them, and returns their server ids.
   */
  async waitForMesh(only?: readonly number[], timeout = 20_000): Promise<string[]> {
    const nodes = this.targets(only);
    const ids = await Promise.all(nodes.map(async (s) => (await this.varz(s.index)).server_id));
    await waitFor(`a full mesh of ${nodes.map((s) => s.name).join(", ")}`, async () => {
      for (const [k, s] of nodes.entries()) {
        const rz = await this.routez(s.index);
        const want = ids.filter((_, j) => j !== k).sort();
        const got = rz.routes.map((r) => r.remote_id).sort();
        if (JSON.stringify(got) !== JSON.stringify(want)) return undefined;
      }
      return true;
    }, timeout, () => this.describe(nodes));
    return ids;
  }

  /** Waits until node i has no route at all. */
  async waitForNoRoutes(i: number, timeout = 15_000): Promise<void> {
    await waitFor(`${this.state(i).name} to have no routes`, async () => ((await this.routez(i)).num_routes === 0 ? true : undefined), timeout, () => this.describe([this.state(i)]));
  }

  /**
   * Waits until node i has learnt interest in `subject` (a subscription's subject, as the remote
   * subscribed it) from `count` of its routes (default: at least one).
   */
  async waitForInterest(i: number, subject: string, count = 1, timeout = 15_000): Promise<void> {
    await waitFor(`${this.state(i).name} to learn interest in ${subject} from ${count} route(s)`, async () => {
      const rz = await this.routez(i, true);
      const n = rz.routes.filter((r) => (r.subscriptions_list ?? []).includes(subject)).length;
      return n >= count ? true : undefined;
    }, timeout, () => this.describe([this.state(i)]));
  }

  /** Waits until no route of node i carries interest in `subject`. */
  async waitForNoInterest(i: number, subject: string, timeout = 15_000): Promise<void> {
    await waitFor(`${this.state(i).name} to drop interest in ${subject}`, async () => {
      const rz = await this.routez(i, true);
      return rz.routes.some((r) => (r.subscriptions_list ?? []).includes(subject)) ? undefined : true;
    }, timeout, () => this.describe([this.state(i)]));
  }

  /** Each node's route counts and the tail of its log, for failure messages. */
  describe(nodes: readonly ClusterNode[] = this.nodes): string {
    return nodes.map((s) => `== ${s.name} (${s.kind}) client ${s.port} route ${s.clusterPort} http ${s.httpPort}${s.running() ? "" : " [not running]"}\n${s.log().slice(-2500)}`).join("\n");
  }
}

function routeUrl(creds: RouteCredentials | undefined, port: number): string {
  const auth = creds ? `${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@` : "";
  return `nats-route://${auth}${HOST}:${port}`;
}

/** The config file of node i: the same text for both kinds. */
function nodeConfig(i: number, name: string, ports: readonly NodePorts[], opts: ClusterOptions): string {
  const p = ports[i]!;
  const creds = opts.routeCredentials?.(i) ?? opts.auth;
  const targets = opts.routes?.(i) ?? ((opts.topology ?? "seed") === "full" ? ports.map((_, j) => j) : i === 0 ? [] : [0]);
  const routes = targets.map((j) => `    "${routeUrl(creds, ports[j]!.clusterPort)}"`);
  const clusterName = opts.clusterName?.(i) ?? "skein-test";
  const cluster = [
    ...(clusterName === "" ? [] : [`  name: "${clusterName}"`]),
    `  listen: "${HOST}:${p.clusterPort}"`,
    `  routes: [\n${routes.join("\n")}\n  ]`,
  ];
  if (opts.auth) {
    cluster.push(`  authorization {\n    user: "${opts.auth.user}"\n    password: "${opts.auth.password}"\n    timeout: 2\n  }`);
  }
  if (opts.noAdvertise) cluster.push("  no_advertise: true");
  if (opts.connectRetries !== undefined) cluster.push(`  connect_retries: ${opts.connectRetries}`);
  const clusterExtra = opts.clusterExtra?.(i);
  if (clusterExtra) cluster.push(clusterExtra);
  return [
    `# node ${i} of a test cluster`,
    `host: "${HOST}"`,
    `port: ${p.port}`,
    `server_name: "${name}"`,
    `http: "${HOST}:${p.httpPort}"`,
    // nats-server 2.9 otherwise runs a system account whose subscriptions and messages cross every
    // route, which would blur the per-route message counts the tests compare.
    opts.systemAccount ? "" : "no_system_account: true",
    opts.extra?.(i) ?? "",
    `cluster {\n${cluster.join("\n")}\n}`,
    "",
  ].join("\n");
}
