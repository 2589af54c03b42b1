// Starts and stops the servers under test. Every server of a benchmark run is
// started through startServers, so a scenario that needs several nodes (the
// 3-node mesh of the cluster issue) only has to supply their extra arguments.
import { createServer, connect } from "node:net";
import { spawnTuned, signalGroup, eachLine, cpuMs, memKiB, sleep } from "./proc.mjs";

const HOST = "127.0.0.1";
const LOG_TAIL_LINES = 40;
const SLOW_CONSUMER = /slow consumer/i;

/** A free TCP port on 127.0.0.1 (the kernel picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once the server greets a TCP client with INFO. */
function greets(port) {
  return new Promise((resolve) => {
    const sock = connect({ host: HOST, port });
    let data = "";
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on("error", () => done(false));
    sock.on("data", (chunk) => {
      data += chunk.toString("latin1");
      if (data.includes("\n")) done(data.startsWith("INFO "));
    });
  });
}

/**
 * The command line for one server. kind is "skein" or "nats"; for skein,
 * opts.skeinCmd (an argv array) replaces `node broker/dist/main.js`.
 */
function serverArgv(kind, port, opts) {
  const listen = ["-a", HOST, "-p", String(port)];
  if (kind === "nats") return [opts.natsServer, ...listen];
  const base = opts.skeinCmd ?? [opts.node, opts.skeinMain];
  return [...base, ...listen];
}

async function startOne(kind, port, extra, opts) {
  const argv = [...serverArgv(kind, port, opts), ...extra];
  const child = spawnTuned(argv, { cpu: opts.serverCpu, nice: opts.nice });
  const server = {
    kind,
    port,
    url: `nats://${HOST}:${port}`,
    argv,
    child,
    pid: child.pid,
    log: [],
    slowConsumerLines: [],
    dead: null,
  };
  const onLine = (line) => {
    server.log.push(line);
    if (server.log.length > LOG_TAIL_LINES) server.log.shift();
    if (SLOW_CONSUMER.test(line)) server.slowConsumerLines.push(line);
  };
  eachLine(child.stdout, onLine);
  eachLine(child.stderr, onLine);
  child.exited.then((how) => {
    server.dead = how;
  });
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (server.dead) break;
    if (await greets(port)) return server;
    await sleep(50);
  }
  signalGroup(child, "SIGKILL");
  await child.exited;
  throw new Error(
    `${kind} server did not start on port ${port}: ${argv.join(" ")}\n` +
      `exit: ${JSON.stringify(server.dead)}\n${server.log.join("\n")}`,
  );
}

/**
 * Starts `count` servers of one kind, each on its own free client port.
 * extraArgs(i, { clientPorts, routePorts }) adds per-node arguments; with
 * more than one node every node also gets a free port for its route listener
 * (e.g. `--cluster nats://127.0.0.1:${routePorts[i]} --routes ...`).
 * A start that loses its port to another process is retried.
 */
export async function startServers(kind, opts, { count = 1, extraArgs = () => [] } = {}) {
  const servers = [];
  try {
    const clientPorts = [];
    const routePorts = [];
    for (let i = 0; i < count; i++) {
      clientPorts.push(await freePort());
      if (count > 1) routePorts.push(await freePort());
    }
    for (let i = 0; i < count; i++) {
      let lastError;
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          servers.push(await startOne(kind, clientPorts[i], extraArgs(i, { clientPorts, routePorts }), opts));
          lastError = undefined;
          break;
        } catch (err) {
          lastError = err;
          clientPorts[i] = await freePort();
        }
      }
      if (lastError) throw lastError;
    }
    return servers;
  } catch (err) {
    await stopServers(servers);
    throw err;
  }
}

/**
 * Stops servers with SIGTERM to their process groups, then SIGKILL after 5 s;
 * the final SIGKILL also reaches anything a wrapper command left behind.
 */
export async function stopServers(servers) {
  await Promise.all(
    servers.map(async (s) => {
      if (!s.dead) {
        signalGroup(s.child, "SIGTERM");
        const timer = setTimeout(() => signalGroup(s.child, "SIGKILL"), 5000);
        await s.child.exited;
        clearTimeout(timer);
      }
      signalGroup(s.child, "SIGKILL");
    }),
  );
}

/** Total CPU ms of a group of servers. */
export const serversCpuMs = (servers) => servers.reduce((sum, s) => sum + cpuMs(s.pid), 0);

/** Largest peak RSS among a group of servers, in KiB. */
export const serversPeakKiB = (servers) => Math.max(...servers.map((s) => memKiB(s.pid).hwm));

/** A description of what went wrong with any server of the group, or null. */
export function serverTrouble(servers) {
  for (const s of servers) {
    if (s.dead) {
      return `${s.kind} server on port ${s.port} died (${JSON.stringify(s.dead)}); last log lines:\n${s.log.join("\n")}`;
    }
    if (s.slowConsumerLines.length > 0) {
      return `${s.kind} server on port ${s.port} cut a subscriber as a slow consumer:\n${s.slowConsumerLines.slice(0, 5).join("\n")}`;
    }
  }
  return null;
}
