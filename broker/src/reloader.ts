#!/usr/bin/env node
// skein-config-reloader: the sidecar that makes a running skein-server reload its config when the
// config changes on disk. It runs beside the broker in the same pod (shareProcessNamespace) as
//   skein-config-reloader --config /etc/skein/skein.conf --pid-file /var/run/skein/skein.pid
// It watches the config file and every file it includes. Kubernetes updates a mounted ConfigMap or
// Secret by writing a new `..data_tmp` directory and renaming it over the `..data` symlink, so the
// files themselves never see an event: the reloader watches their directories instead, and after each
// burst of events (debounced), and every poll interval as a safety net, compares the content hashes of
// all the files. When they changed, it sends SIGHUP to the pid in the pid file.

import { watch, readFileSync, type FSWatcher } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, resolve } from "node:path";
import { parseGoDuration } from "./config/duration.js";
import { parseConfigFile } from "./config/parser.js";
import { ConfigError, type ConfigMap, type ConfigValue } from "./config/values.js";
import { SKEIN_VERSION } from "./info.js";
import { createLogger, type ServerLogger } from "./log.js";

const USAGE = `
Usage: skein-config-reloader [options]

Sends SIGHUP to skein-server when its config file, or a file it includes, changes.

Options:
    --config <file>          Config file to watch, with its includes (repeatable; required)
    --pid-file <file>        The server's pid file (required)
    --debounce <duration>    Quiet time after a change before signalling (default: 250ms)
    --poll <duration>        Also check this often, 0 to turn off (default: 10s)
    -h, --help               Show this message
    -v, --version            Show the version
`;

export interface ReloaderOptions {
  configs: string[];
  pidFile: string;
  debounceMs: number;
  pollMs: number;
}

export class ReloaderUsageError extends Error {}

export function parseReloaderArgs(argv: readonly string[]): ReloaderOptions | "help" | "version" {
  const o: ReloaderOptions = { configs: [], pidFile: "", debounceMs: 250, pollMs: 10_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = arg.indexOf("=");
    const name = (eq >= 0 ? arg.slice(0, eq) : arg).replace(/^--?/, "");
    if (name === "h" || name === "help") return "help";
    if (name === "v" || name === "version") return "version";
    if (!arg.startsWith("-") || !["config", "c", "pid-file", "P", "debounce", "poll"].includes(name)) {
      throw new ReloaderUsageError(`unknown argument: ${arg}`);
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "") throw new ReloaderUsageError(`flag needs an argument: ${arg}`);
    if (name === "config" || name === "c") o.configs.push(resolve(value));
    else if (name === "pid-file" || name === "P") o.pidFile = resolve(value);
    else {
      let ms: number;
      try {
        ms = /^\d+$/.test(value) ? Number(value) : parseGoDuration(value);
      } catch {
        throw new ReloaderUsageError(`invalid duration for --${name}: ${value}`);
      }
      if (name === "debounce") o.debounceMs = ms;
      else o.pollMs = ms;
    }
  }
  if (o.configs.length === 0) throw new ReloaderUsageError("--config is required");
  if (o.pidFile === "") throw new ReloaderUsageError("--pid-file is required");
  return o;
}

/** Every file a config tree came from: the file itself and its includes (from the positions). */
function filesOf(tree: ConfigMap, into: Set<string>): void {
  const visit = (v: ConfigValue): void => {
    into.add(resolve(v.pos.file));
    if (v.kind === "array") v.items.forEach(visit);
    else if (v.kind === "map") filesOf(v.entries, into);
  };
  for (const e of tree.values()) {
    into.add(resolve(e.keyPos.file));
    visit(e.value);
  }
}

/** The files to watch for one config: it and what it includes. A config that does not parse keeps
 * the files known from before, plus the one the error points at. */
function configFiles(config: string, before: ReadonlySet<string>): Set<string> {
  const files = new Set<string>([config]);
  try {
    filesOf(parseConfigFile(config), files);
  } catch (e) {
    for (const f of before) files.add(f);
    if (e instanceof ConfigError && e.pos) files.add(resolve(e.pos.file));
  }
  return files;
}

function hashFiles(files: Iterable<string>): string {
  const h = createHash("sha256");
  for (const f of [...files].sort()) {
    h.update(f).update("\0");
    try {
      h.update(readFileSync(f));
    } catch (e) {
      h.update(`missing:${(e as NodeJS.ErrnoException).code ?? ""}`);
    }
    h.update("\0");
  }
  return h.digest("hex");
}

export class Reloader {
  private files = new Set<string>();
  private hash = "";
  private readonly watchers = new Map<string, FSWatcher>();
  private debounce: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;

  constructor(private readonly o: ReloaderOptions, private readonly log: ServerLogger) {}

  start(): void {
    this.refreshFiles();
    this.hash = hashFiles(this.files);
    this.log.info(`Watching ${[...this.files].join(", ")}`);
    if (this.o.pollMs > 0) this.poll = setInterval(() => this.check(), this.o.pollMs);
  }

  stop(): void {
    if (this.poll) clearInterval(this.poll);
    if (this.debounce) clearTimeout(this.debounce);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private refreshFiles(): void {
    const files = new Set<string>();
    for (const c of this.o.configs) for (const f of configFiles(c, this.files)) files.add(f);
    this.files = files;
    const dirs = new Set([...files].map((f) => dirname(f)));
    for (const [d, w] of this.watchers) {
      if (!dirs.has(d)) {
        w.close();
        this.watchers.delete(d);
      }
    }
    for (const d of dirs) {
      if (this.watchers.has(d)) continue;
      try {
        const w = watch(d, () => this.changed());
        w.on("error", () => {
          w.close();
          this.watchers.delete(d);
        });
        this.watchers.set(d, w);
      } catch (e) {
        this.log.warn(`Cannot watch ${d}: ${(e as Error).message}; relying on polling`);
      }
    }
  }

  private changed(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.check();
    }, this.o.debounceMs);
  }

  /** Compares the files with what the server last loaded and signals it when they differ. */
  check(): void {
    this.refreshFiles();
    const hash = hashFiles(this.files);
    if (hash === this.hash) return;
    if (this.signal()) this.hash = hash;
  }

  private signal(): boolean {
    let pid: number;
    try {
      pid = Number(readFileSync(this.o.pidFile, "utf8").trim());
    } catch (e) {
      this.log.error(`Config changed but the pid file cannot be read: ${(e as Error).message}`);
      return false;
    }
    if (!Number.isInteger(pid) || pid <= 0) {
      this.log.error(`Config changed but the pid file ${this.o.pidFile} holds no pid`);
      return false;
    }
    try {
      process.kill(pid, "SIGHUP");
    } catch (e) {
      this.log.error(`Config changed but signalling pid ${pid} failed: ${(e as Error).message}`);
      return false;
    }
    this.log.info(`Config changed, sent SIGHUP to pid ${pid}`);
    return true;
  }
}

function main(argv: string[]): void {
  let parsed: ReturnType<typeof parseReloaderArgs>;
  try {
    parsed = parseReloaderArgs(argv);
  } catch (e) {
    process.stderr.write(`skein-config-reloader: ${(e as Error).message}\n${USAGE}`);
    process.exit(1);
  }
  if (parsed === "help") {
    process.stdout.write(USAGE);
    return;
  }
  if (parsed === "version") {
    process.stdout.write(`skein-config-reloader: v${SKEIN_VERSION}\n`);
    return;
  }
  const log = createLogger({ debug: false, trace: false, logtime: true });
  const r = new Reloader(parsed, log);
  r.start();
  const stop = (): void => {
    r.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main(process.argv.slice(2));
