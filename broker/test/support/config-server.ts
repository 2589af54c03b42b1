// Starts skein-server (in-process, through the real config loader) or nats-server (child process)
// from the same config file text, so auth and TLS behaviour can be compared on identical configs.

import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile, mergeOptions } from "../../src/config/load.js";
import { defaultOptions } from "../../src/options.js";
import { Server } from "../../src/server.js";
import { freePort, NATS_SERVER_BIN, type ServerKind } from "../harness/servers.js";
import { quietLogger } from "./quiet-logger.js";

export interface ConfigServer {
  kind: ServerKind;
  port: number;
  url: string;
  dir: string;
  stop(): Promise<void>;
}

/** `config` is nats-server config text; `port` and `host` are added to it. */
export async function startWithConfig(kind: ServerKind, config: string, dir = mkdtempSync(join(tmpdir(), "skein-conf-"))): Promise<ConfigServer> {
  const port = await freePort();
  const file = join(dir, "server.conf");
  writeFileSync(file, `host: 127.0.0.1\nport: ${port}\n${config}\n`);
  if (kind === "skein") {
    const loaded = loadConfigFile(file);
    const server = new Server(mergeOptions(defaultOptions(), loaded.options, {}), quietLogger());
    await server.start();
    return { kind, port, url: `nats://127.0.0.1:${port}`, dir, stop: () => server.shutdown() };
  }
  if (!NATS_SERVER_BIN) throw new Error("nats-server is not installed");
  const child = spawn(NATS_SERVER_BIN, ["-c", file], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (d: Buffer) => { log += d.toString(); });
  const deadline = Date.now() + 10_000;
  while (!log.includes("Server is ready")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nats-server did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    kind, port, url: `nats://127.0.0.1:${port}`, dir,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    }),
  };
}
