// Process CPU and memory for /varz and /metrics. CPU is a percentage of one core over the last
// sampling window (at least one second, as nats-server samples each second), measured only
// when someone asks, so that an unwatched server spends nothing on it.

import os from "node:os";

const MIN_WINDOW_MS = 1000;

export class UsageSampler {
  private lastWall: number;
  private lastCpu: number; // µs of user+system time
  private pcpu = 0;

  constructor() {
    this.lastWall = performance.now();
    const u = process.cpuUsage();
    this.lastCpu = u.user + u.system;
  }

  /** CPU percent with one decimal, as nats-server reports it. */
  cpu(): number {
    const wall = performance.now();
    const elapsed = wall - this.lastWall;
    if (elapsed >= MIN_WINDOW_MS) {
      const u = process.cpuUsage();
      const cpu = u.user + u.system;
      this.pcpu = Math.round(((cpu - this.lastCpu) / 1000 / elapsed) * 1000) / 10;
      this.lastWall = wall;
      this.lastCpu = cpu;
    }
    return this.pcpu;
  }

  /** Resident set size in bytes. */
  mem(): number {
    return process.memoryUsage.rss();
  }

  cores(): number {
    return os.cpus().length;
  }

  /** What the runtime may run in parallel (nats-server's GOMAXPROCS). */
  maxProcs(): number {
    return os.availableParallelism();
  }
}
