#!/usr/bin/env node
// skein-server: the command line. Flags and config file as nats-server takes them; signals as
// nats-server handles them:
//   SIGINT  "Trapped "interrupt" signal" (debug), shut down, exit 0
//   SIGTERM shut down, exit 1 (as nats-server 2.9); ignored during lame duck
//   SIGHUP  reload the config file           SIGUSR1 reopen the log file
//   SIGUSR2 lame duck, then exit 0
// The process takes the program name as its title, so `--signal` without a pid can find it.

import { parseCommandLine, USAGE, UsageError, type CommandLine } from "./config/cli.js";
import { loadConfigFile, mergeOptions, validateOptions } from "./config/load.js";
import { ConfigError, formatPosition } from "./config/values.js";
import { defaultOptions, type ServerOptions } from "./options.js";
import { PROTOCOL_VERSION, SKEIN_VERSION } from "./info.js";
import { hostPort, Server } from "./server.js";
import { createLogger, goLogLine, logOptionsOf, LogSetupError, type ServerLogger } from "./log.js";
import { LameDuck } from "./lame-duck.js";
import { reloadConfig } from "./reload.js";
import { listenerUrls, removePortsFile, writePidFile, writePortsFile } from "./process-files.js";
import { sendSignal } from "./signal-command.js";
import { programName } from "./syslog.js";

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
      // As nats-server: warnings are printed and the server starts, but `-t` fails on the ones
      // nats-server's own check fails on (a duration written as a bare number).
      const fatal = loaded.warnings.find((w) => w.failsCheck);
      if (cl.checkConfig && fatal !== undefined) fail(`skein-server: ${formatPosition(fatal.pos)}: ${fatal.reason}`);
      for (const w of loaded.warnings) process.stderr.write(`${formatPosition(w.pos)}: ${w.reason}\n`);
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

/** Go's log.Fatalf for a logging destination that cannot be used: a plain line on stderr, exit 1. */
function fatalLogSetup(msg: string): never {
  process.stderr.write(goLogLine(msg));
  process.exit(1);
}

function openLogger(opts: ServerOptions): ServerLogger {
  try {
    return createLogger(logOptionsOf(opts, fatalLogSetup));
  } catch (e) {
    if (e instanceof LogSetupError) fatalLogSetup(e.message);
    throw e;
  }
}

/** A failed listen as Go words it: `listen tcp 127.0.0.1:4222: bind: address already in use`. */
function goListenError(o: ServerOptions, e: unknown): string {
  const reasons: Record<string, string> = {
    EADDRINUSE: "address already in use", EACCES: "permission denied", EADDRNOTAVAIL: "cannot assign requested address",
  };
  const code = (e as NodeJS.ErrnoException).code ?? "";
  const reason = reasons[code];
  return reason ? `listen tcp ${hostPort(o.host, o.port)}: bind: ${reason}` : (e as Error).message;
}

/** Writes the ports file (client and monitoring URLs), logging a failure as nats-server does. */
function portsWriter(server: Server): (dir: string) => void {
  return (dir) => {
    const o = server.opts;
    const monitoring = server.monitor && server.monitor.port > 0
      ? listenerUrls(server.monitor.protocol, o.httpHost, server.monitor.port)
      : [];
    const err = writePortsFile(dir, { nats: listenerUrls("nats", o.host, server.port), monitoring });
    if (err !== null) server.log.error(err);
  };
}

async function run(cl: CommandLine): Promise<void> {
  const opts = loadOptions(cl);
  if (cl.checkConfig) {
    process.stdout.write(`skein-server: configuration file ${cl.configFile} is valid\n`);
    process.exit(0);
  }
  process.title = programName();
  const log = openLogger(opts);
  let server: Server;
  try {
    server = new Server(opts, log);
  } catch (e) {
    log.fatal((e as Error).message);
    await log.flush();
    process.exit(1);
  }
  if (cl.configFile !== undefined) server.bannerNotes.push(`Using configuration file: ${cl.configFile}`);
  if (opts.pidFile !== "") {
    try {
      writePidFile(opts.pidFile);
    } catch (e) {
      log.fatal((e as Error).message);
      await log.flush();
      process.exit(1);
    }
  }
  const writePorts = portsWriter(server);

  let stopping = false;
  const shutdown = async (code: number): Promise<never> => {
    stopping = true;
    log.info("Initiating Shutdown...");
    const dir = server.opts.portsFileDir;
    if (dir !== "") {
      const err = removePortsFile(dir);
      if (err !== null) log.error(err);
    }
    await server.shutdown();
    await log.flush();
    log.close();
    process.exit(code);
  };
  const lameDuck = new LameDuck(server, { shutdown: () => shutdown(0), stopping: () => stopping });

  const trapped = (name: string): void => log.debug(`Trapped "${name}" signal`);
  process.on("SIGINT", () => {
    trapped("interrupt");
    if (!stopping) void shutdown(0);
  });
  process.on("SIGTERM", () => {
    trapped("terminated");
    if (!stopping && !lameDuck.inLameDuck) void shutdown(1);
  });
  process.on("SIGHUP", () => {
    trapped("hangup");
    reloadConfig({ server, log, configFile: cl.configFile, flags: cl.overrides, writePorts, fatal: fatalLogSetup });
  });
  process.on("SIGUSR1", () => {
    trapped("user defined signal 1");
    log.reopen();
  });
  process.on("SIGUSR2", () => {
    trapped("user defined signal 2");
    void lameDuck.enter();
  });

  // Signals are handled from here on (a signal before its handler would kill the process).
  try {
    await server.start();
  } catch (e) {
    log.fatal(`Error listening on port: ${hostPort(opts.host, opts.port)}, "${goListenError(opts, e)}"`);
    await log.flush();
    process.exit(1);
  }
  if (server.opts.portsFileDir !== "") writePorts(server.opts.portsFileDir);
}

async function main(argv: string[]): Promise<void> {
  let cl: CommandLine;
  try {
    cl = parseCommandLine(argv);
  } catch (e) {
    // nats-server names a bad --signal command without the usage text.
    if (e instanceof UsageError && e.message.startsWith("unknown signal ")) fail(`${programName()}: ${e.message}`);
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
  if (cl.signal) {
    const err = sendSignal(cl.signal.command, cl.signal.pid);
    if (err !== null) fail(`${programName()}: ${err}`);
    process.exit(0);
  }
  for (const w of cl.warnings) process.stderr.write(`skein-server: ${w}\n`);
  await run(cl);
}

main(process.argv.slice(2)).catch((e: unknown) => fail(`skein-server: ${(e as Error).stack ?? String(e)}`));
