// Child processes for the process-operation tests: skein-server (`node broker/dist/main.js`, built
// by `npm test`'s pretest), the reference nats-server, and skein-config-reloader. Collects their
// output lines and waits for lines and exits without fixed sleeps.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { after } from "node:test";
import { NATS_SERVER_BIN } from "./harness/servers.js";

const BROKER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const MAIN_JS = join(BROKER_DIR, "dist/main.js");
export const RELOADER_JS = join(BROKER_DIR, "dist/reloader.js");
export { NATS_SERVER_BIN };

export const LINE_PREFIX = /^\[\d+\] (\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6} )?/;

/** A log line without its `[pid] time ` prefix. */
export function bare(line: string): string {
  return line.replace(LINE_PREFIX, "");
}

/** Every child still running when a test file ends is killed, so that a failed test cannot leave
 * a server behind that keeps the test process alive. */
const live = new Set<Child>();
after(async () => {
  await Promise.all([...live].map((c) => c.stop()));
});

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Child {
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  private readonly proc: ChildProcess;
  private waiters: (() => void)[] = [];
  private exit: Exit | null = null;

  constructor(cmd: string, args: readonly string[], cwd?: string) {
    this.proc = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const take = (stream: NodeJS.ReadableStream | null): void => {
      let rest = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop() ?? "";
        this.lines.push(...parts);
        this.wake();
      });
      stream?.on("end", () => {
        if (rest !== "") this.lines.push(rest);
        rest = "";
        this.wake();
      });
    };
    take(this.proc.stdout);
    take(this.proc.stderr);
    live.add(this);
    this.exited = new Promise((r) => {
      this.proc.on("exit", (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        // Let the pipes drain before reporting the exit.
        setTimeout(() => { r({ code, signal }); this.wake(); }, 50);
      });
    });
  }

  static skein(args: readonly string[], cwd?: string): Child {
    if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run npm run build (npm test does)`);
    return new Child(process.execPath, [MAIN_JS, ...args], cwd);
  }

  static natsServer(args: readonly string[], cwd?: string): Child {
    if (NATS_SERVER_BIN === undefined) throw new Error("nats-server is not installed");
    return new Child(NATS_SERVER_BIN, args, cwd);
  }

  static reloader(args: readonly string[]): Child {
    return new Child(process.execPath, [RELOADER_JS, ...args]);
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get running(): boolean {
    return this.exit === null;
  }

  kill(sig: NodeJS.Signals): void {
    if (this.exit === null) this.proc.kill(sig);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits for a line (counting from line `from`) that matches; returns its index. */
  async waitFor(re: RegExp, from = 0, timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) if (re.test(this.lines[i]!)) return i;
      if (this.exit !== null && !this.proc.stdout?.readable && !this.proc.stderr?.readable) {
        throw new Error(`process exited (${JSON.stringify(this.exit)}) before a line matched ${re}:\n${this.lines.join("\n")}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line matched ${re} in ${timeoutMs} ms:\n${this.lines.join("\n")}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 500));
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  /** Waits for "Server is ready" and returns the client port from the Listening line. */
  async ready(): Promise<number> {
    const i = await this.waitFor(/Listening for client connections on /);
    await this.waitFor(/Server is ready/, i);
    const m = /:(\d+)$/.exec(this.lines[i]!);
    return Number(m?.[1]);
  }

  /** Waits for the process to exit on its own; kills it and fails after the timeout. */
  async waitExit(timeoutMs = 20_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill("SIGKILL");
        reject(new Error(`process ${this.pid} did not exit within ${timeoutMs} ms:\n${this.lines.join("\n")}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the process if it still runs and waits for it. */
  async stop(): Promise<Exit> {
    this.kill("SIGKILL");
    return this.exited;
  }
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Resolves after `ms`; only for pacing between steps whose outcome is then awaited by condition. */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
