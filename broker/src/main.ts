#!/usr/bin/env node
// skein-server: the command line. Flags and config file as nats-server takes them; signals as
// nats-server handles them.

import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { parseCommandLine, USAGE, UsageError, type CommandLine } from "./config/cli.js";
import { loadConfigFile, mergeOptions, validateOptions } from "./config/load.js";
import { ConfigError } from "./config/values.js";
import { defaultOptions, type ServerOptions } from "./options.js";
import { PROTOCOL_VERSION, SKEIN_VERSION } from "./info.js";
import { Server } from "./server.js";

const SIGNALS: Record<string, NodeJS.Signals> = {
  stop: "SIGKILL", quit: "SIGINT", term: "SIGTERM", reopen: "SIGUSR1", reload: "SIGHUP", ldm: "SIGUSR2",
};

function fail(msg: string): never {
  process.stderr.write(`${msg}\n`);
  process.exit(1);
}

function loadOptions(cl: CommandLine): ServerOptions {
  let file = {};
  if (cl.configFile !== undefined) {
    try {
      const loaded = loadConfigFile(cl.configFile);
      file = loaded.options;
      for (const w of loaded.warnings) process.stderr.write(`${w.pos.file}:${w.pos.line}:${w.pos.column}: ${w.reason}\n`);
    } catch (e) {
      if (e instanceof ConfigError) fail(`skein-server: ${e.message}`);
      fail(`skein-server: cannot read config file ${cl.configFile}: ${(e as Error).message}`);
    }
  }
  const opts = mergeOptions(defaultOptions(), file, cl.overrides);
  const problems = validateOptions(opts, cl.overrides);
  if (problems.length > 0) fail(problems.map((p) => `skein-server: ${p.message}`).join("\n"));
  return opts;
}

/** `--signal cmd[=pid|pidfile]`: sends the signal to a running server. */
function sendSignal(command: string, target: string | undefined): never {
  const sig = SIGNALS[command];
  if (sig === undefined) fail(`Unknown signal "${command}"`);
  let pid: number;
  if (target === undefined) fail(`skein-server: --signal ${command} needs a pid or a pid file (${command}=PID)`);
  if (/^\d+$/.test(target)) pid = Number(target);
  else {
    try {
      pid = Number(readFileSync(target, "utf8").trim());
    } catch (e) {
      fail(`skein-server: cannot read pid file ${target}: ${(e as Error).message}`);
    }
  }
  try {
    process.kill(pid, sig);
  } catch (e) {
    fail(`skein-server: cannot signal process ${pid}: ${(e as Error).message}`);
  }
  process.exit(0);
}

async function main(argv: string[]): Promise<void> {
  let cl: CommandLine;
  try {
    cl = parseCommandLine(argv);
  } catch (e) {
    if (e instanceof UsageError) fail(`${e.message}\n${USAGE}`);
    throw e;
  }
  if (cl.showHelp) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (cl.showVersion) {
    process.stdout.write(`skein-server: v${SKEIN_VERSION} (nats-server protocol v${PROTOCOL_VERSION})\n`);
    process.exit(0);
  }
  if (cl.signal) sendSignal(cl.signal.command, cl.signal.pid);
  for (const w of cl.warnings) process.stderr.write(`skein-server: ${w}\n`);
  const opts = loadOptions(cl);
  if (cl.checkConfig) {
    process.stdout.write(`skein-server: configuration file ${cl.configFile} is valid\n`);
    process.exit(0);
  }

  const server = new Server(opts);
  try {
    await server.start();
  } catch (e) {
    server.log.fatal(`Error listening on port: ${opts.host}:${opts.port}, "${(e as Error).message}"`);
    process.exit(1);
  }
  if (opts.pidFile !== "") writeFileSync(opts.pidFile, String(process.pid));

  const stop = (name: string): void => {
    server.log.info(`Trapped "${name}" signal`);
    server.log.info("Initiating Shutdown...");
    void server.shutdown().then(() => {
      if (opts.pidFile !== "") rmSync(opts.pidFile, { force: true });
      process.exit(0);
    });
  };
  process.on("SIGINT", () => stop("interrupt"));
  process.on("SIGTERM", () => stop("terminated"));
}

main(process.argv.slice(2)).catch((e: unknown) => fail(`skein-server: ${(e as Error).stack ?? String(e)}`));
