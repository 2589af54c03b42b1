// The generated broker config must be a config the real nats-server 2.9 (and our skein-server,
// once its config parser accepts `-t -c`) takes, with the env vars the pod sets. Paths the kubelet
// would mount (TLS Secrets, the pid emptyDir) are mapped to a temp dir, as a volume mount would.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { connect } from "@nats-io/transport-node";
import type { NatsCluster, NatsClusterSpec } from "../src/api/types.js";
import { buildChildren, credentialsFromSecret, generateCredentials, type Children } from "../src/resources/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const brokerMain = join(repo, "broker", "dist", "main.js");
const natsServerVersion = spawnSync("nats-server", ["--version"], { encoding: "utf8" });
const haveNatsServer = natsServerVersion.status === 0;
const haveOpenssl = spawnSync("openssl", ["version"]).status === 0;

function sample(file: string): NatsCluster {
  const nc = parse(readFileSync(join(repo, "operator", "deploy", "samples", file), "utf8")) as NatsCluster;
  nc.metadata = { ...nc.metadata, namespace: "default", uid: "uid-1" };
  return nc;
}

function withSpec(spec: NatsClusterSpec, name: string): NatsCluster {
  return { apiVersion: "skein.dev/v1alpha1", kind: "NatsCluster", metadata: { name, namespace: "default", uid: "uid-2" }, spec };
}

interface Rendered {
  dir: string;
  confPath: string;
  env: NodeJS.ProcessEnv;
}

function selfSignedPair(dir: string): { cert: string; key: string } {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=skein-test", "-addext", "subjectAltName=DNS:localhost"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return { cert, key };
}

/** Writes skein.conf and routes.conf as the pod would see them; returns the env the pod would set. */
/** Ports and route hosts for running on loopback: each `host:6222` of a route maps to a local address. */
interface Local {
  http: number;
  cluster: number;
  podName: string;
  routeHosts: Record<string, string>;
}

function render(nc: NatsCluster, children: Children, local?: Local): Rendered {
  const dir = mkdtempSync(join(tmpdir(), "skein-conf-"));
  const cm = children.configMap.data?.["skein.conf"];
  const routes = children.credentialsSecret.data?.["routes.conf"];
  assert.ok(cm && routes);
  let conf = cm
    .replaceAll("/etc/skein-tls/client/", `${dir}/tls-client/`)
    .replaceAll("/etc/skein-tls/routes/", `${dir}/tls-routes/`)
    .replaceAll("/var/run/skein/", `${dir}/`);
  let routesText = Buffer.from(routes, "base64").toString("utf8");
  if (local) {
    conf = conf.replace(/^port: 4222$/m, "port: -1").replace(/^http_port: 8222$/m, `http_port: ${local.http}`)
      .replace(/^ {2}port: 6222$/m, `  host: 127.0.0.1\n  port: ${local.cluster}`);
    conf = `host: 127.0.0.1\n${conf}`;
    for (const [host, addr] of Object.entries(local.routeHosts)) routesText = routesText.replaceAll(`@${host}:6222`, `@${addr}`);
  }
  const confPath = join(dir, "skein.conf");
  writeFileSync(confPath, conf);
  writeFileSync(join(dir, "routes.conf"), routesText);
  const tls = nc.spec.tls;
  if (tls) {
    const pair = selfSignedPair(dir);
    for (const [sub, secretName, files] of [
      ["tls-client", tls.serverSecret, [tls.serverSecretCertFileName ?? "server.pem", tls.serverSecretKeyFileName ?? "server-key.pem", tls.serverSecretCAFileName ?? "ca.pem"]],
      ["tls-routes", tls.routesSecret, [tls.routesSecretCertFileName ?? "route.pem", tls.routesSecretKeyFileName ?? "route-key.pem", tls.routesSecretCAFileName ?? "ca.pem"]],
    ] as const) {
      if (!secretName) continue;
      mkdirSync(join(dir, sub));
      copyFileSync(pair.cert, join(dir, sub, files[0]));
      copyFileSync(pair.key, join(dir, sub, files[1]));
      copyFileSync(pair.cert, join(dir, sub, files[2]));
    }
  }
  const creds = credentialsFromSecret(children.credentialsSecret);
  assert.ok(creds);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    POD_NAME: local?.podName ?? `${nc.metadata.name}-0`,
    POD_NAMESPACE: nc.metadata.namespace,
    ROUTE_USER: creds.routeUser,
    ROUTE_PASSWORD: creds.routePassword,
  };
  if (nc.spec.auth) {
    env.CLIENT_USER = creds.clientUser ?? "user-from-own-secret";
    env.CLIENT_PASSWORD = creds.clientPassword ?? "Ppassword0from0own0secret";
  }
  return { dir, confPath, env };
}

function childrenOf(nc: NatsCluster): Children {
  return buildChildren(nc, { defaultImage: "skein:test", credentials: generateCredentials(nc.spec) });
}

const fixtures: Array<[string, () => NatsCluster]> = [
  ["minimal sample", () => sample("natscluster-minimal.yaml")],
  ["full sample", () => sample("natscluster-full.yaml")],
  ["generated client auth", () => withSpec({ size: 2, auth: { clientsAuthTimeout: 2 }, natsConfig: { trace: true, write_deadline: "3s" },
    extraRoutes: [{ cluster: "peer" }, { route: "nats-route://u:p@remote.example.com:6222" }] }, "authgen")],
  ["size zero", () => withSpec({ size: 0, noAdvertise: true }, "empty")],
];

for (const [name, make] of fixtures) {
  test(`nats-server -t accepts the config of the ${name}`, (t) => {
    if (!haveNatsServer) return t.skip("nats-server is not installed");
    const nc = make();
    if (nc.spec.tls && !haveOpenssl) return t.skip("openssl is not installed, so there are no certificates for the TLS blocks");
    const r = render(nc, childrenOf(nc));
    try {
      const ok = spawnSync("nats-server", ["-t", "-c", r.confPath], { env: r.env, encoding: "utf8" });
      assert.equal(ok.status, 0, `nats-server -t refused the config:\n${ok.stdout}${ok.stderr}\n${readFileSync(r.confPath, "utf8")}`);
      assert.match(ok.stdout + ok.stderr, /is valid/);
      // Without the pod's env vars it is refused: the $VARIABLES really are resolved from the env.
      const bare = spawnSync("nats-server", ["-t", "-c", r.confPath], { env: { PATH: process.env.PATH }, encoding: "utf8" });
      assert.notEqual(bare.status, 0);
      assert.match(bare.stdout + bare.stderr, /variable reference for 'POD_NAME'/);
    } finally {
      rmSync(r.dir, { recursive: true, force: true });
    }
  });
}

/** The broker's own `-t -c` check, once broker/dist/main.js exists and implements -t. */
function brokerCheck(confPath: string, env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [brokerMain, "-t", "-c", confPath], { env, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

for (const [name, make] of fixtures) {
  test(`skein-server -t accepts the config of the ${name}`, (t) => {
    if (!existsSync(brokerMain)) return t.skip(`${brokerMain} does not exist yet (run npm run build once the broker has a CLI)`);
    const nc = make();
    if (nc.spec.tls && !haveOpenssl) return t.skip("openssl is not installed, so there are no certificates for the TLS blocks");
    // Does this build implement -t at all? Check with a trivial config nats-server accepts.
    const probeDir = mkdtempSync(join(tmpdir(), "skein-probe-"));
    const trivial = join(probeDir, "trivial.conf");
    writeFileSync(trivial, "port: 4222\n");
    const probe = brokerCheck(trivial, { PATH: process.env.PATH });
    rmSync(probeDir, { recursive: true, force: true });
    if (probe.status !== 0) return t.skip(`skein-server does not accept -t -c yet: ${probe.output.trim().slice(0, 200)}`);
    const r = render(nc, childrenOf(nc));
    try {
      const ok = brokerCheck(r.confPath, r.env);
      assert.equal(ok.status, 0, `skein-server -t refused a config nats-server accepts:\n${ok.output}\n${readFileSync(r.confPath, "utf8")}`);
      const bare = brokerCheck(r.confPath, { PATH: process.env.PATH });
      assert.notEqual(bare.status, 0, "skein-server accepted the config without the pod's env vars");
    } finally {
      rmSync(r.dir, { recursive: true, force: true });
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}: ${String(last)}`);
}

interface Varz {
  server_name: string;
  port: number;
  max_payload: number;
  write_deadline: number;
  cluster: { name: string; urls?: string[] };
}

interface Routez {
  num_routes: number;
}

test("nats-server runs the config: names, limits, routes with the Secret's credentials, client auth, preStop lame duck", async (t) => {
  if (!haveNatsServer) return t.skip("nats-server is not installed");
  const nc = withSpec({ size: 2, auth: {}, natsConfig: { maxPayload: 65536, writeDeadline: "3s" } }, "live");
  const children = childrenOf(nc);
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const routeHosts = { "live-0.live-headless.default.svc": `127.0.0.1:${ports[2]}`, "live-1.live-headless.default.svc": `127.0.0.1:${ports[3]}` };
  const servers = [0, 1].map((i) => {
    const r = render(nc, children, { http: ports[i]!, cluster: ports[2 + i]!, podName: `live-${i}`, routeHosts });
    const proc = spawn("nats-server", ["-c", r.confPath], { env: r.env, stdio: ["ignore", "ignore", "pipe"] });
    const state = { r, proc, log: "", exited: new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code))) };
    proc.stderr.on("data", (d: Buffer) => (state.log += d.toString()));
    return state;
  });
  const getJson = async <T>(port: number, path: string): Promise<T | undefined> => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return res.ok ? ((await res.json()) as T) : undefined;
  };
  try {
    const varz = await waitFor("/varz", () => getJson<Varz>(ports[0]!, "/varz"));
    assert.equal(varz.server_name, "live-0");
    assert.equal(varz.cluster.name, "live");
    assert.equal(varz.max_payload, 65536);
    assert.equal(varz.write_deadline, 3_000_000_000);
    assert.deepEqual(varz.cluster.urls?.slice().sort(), Object.values(routeHosts).sort());
    // The two brokers route to each other with the credentials from routes.conf and the env.
    for (const port of [ports[0]!, ports[1]!]) {
      await waitFor(`a route on :${port}`, async () => ((await getJson<Routez>(port, "/routez"))?.num_routes === 1 ? true : undefined));
    }
    const creds = credentialsFromSecret(children.credentialsSecret);
    assert.ok(creds?.clientUser && creds.clientPassword);
    const nc1 = await connect({ servers: `127.0.0.1:${varz.port}`, user: creds.clientUser, pass: creds.clientPassword });
    await nc1.flush();
    await nc1.close();
    await assert.rejects(connect({ servers: `127.0.0.1:${varz.port}`, user: creds.clientUser, pass: "wrong", reconnect: false }));

    // The preStop hook, with nats-server standing in for skein-server: lame duck, then wait for exit.
    const first = servers[0]!;
    const preStop = children.statefulSet.spec?.template.spec?.containers[0]?.lifecycle?.preStop?.exec?.command;
    assert.ok(preStop && preStop[0] === "sh" && preStop[1] === "-c" && preStop[2]);
    const script = preStop[2].replaceAll("skein-server", "nats-server").replaceAll("/var/run/skein/", `${first.r.dir}/`);
    const hook = spawn("sh", ["-c", script], { stdio: "ignore" });
    const hookDone = new Promise<number | null>((resolve) => hook.once("exit", (code) => resolve(code)));
    const [serverCode, hookCode] = await Promise.all([first.exited, hookDone]);
    assert.equal(hookCode, 0);
    assert.equal(serverCode, 0);
    assert.match(first.log, /Entering lame duck mode/);
  } finally {
    for (const s of servers) {
      s.proc.kill("SIGKILL");
      rmSync(s.r.dir, { recursive: true, force: true });
    }
  }
});

test("brokers with different route credentials refuse each other's routes", async (t) => {
  if (!haveNatsServer) return t.skip("nats-server is not installed");
  const nc = withSpec({ size: 2 }, "split");
  const children = childrenOf(nc);
  const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const routeHosts = { "split-0.split-headless.default.svc": `127.0.0.1:${ports[2]}`, "split-1.split-headless.default.svc": `127.0.0.1:${ports[3]}` };
  const servers = [0, 1].map((i) => {
    const r = render(nc, children, { http: ports[i]!, cluster: ports[2 + i]!, podName: `split-${i}`, routeHosts });
    // Broker 1 has other route credentials, as if it had read another Secret: it neither accepts
    // broker 0's routes nor is accepted by broker 0.
    if (i === 1) {
      const routesPath = join(r.dir, "routes.conf");
      writeFileSync(routesPath, readFileSync(routesPath, "utf8").replaceAll(`:${r.env.ROUTE_PASSWORD}@`, ":PsomethingElse@"));
      r.env.ROUTE_PASSWORD = "PsomethingElse";
    }
    const proc = spawn("nats-server", ["-c", r.confPath], { env: r.env, stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    proc.stderr.on("data", (d: Buffer) => (log += d.toString()));
    return { r, proc, log: () => log };
  });
  try {
    for (const s of servers) {
      await waitFor("a route authentication error", async () => (/authentication error/.test(s.log()) ? true : undefined));
    }
    for (const port of [ports[0]!, ports[1]!]) {
      const routez = await fetch(`http://127.0.0.1:${port}/routez`).then((res) => res.json() as Promise<Routez>);
      assert.equal(routez.num_routes, 0);
    }
  } finally {
    for (const s of servers) {
      s.proc.kill("SIGKILL");
      rmSync(s.r.dir, { recursive: true, force: true });
    }
  }
});
