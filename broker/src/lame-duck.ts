// Lame-duck mode (SIGUSR2), as nats-server 2.9 runs it:
// 1. log "Entering lame duck mode, stop accepting new clients" and close the client listener;
// 2. with no client left, shut down at once; otherwise tell the routes, and send the clients that take
//    async INFO an INFO with "ldm":true and the other nodes' URLs;
// 3. wait lame_duck_grace_period, log "Closing existing clients";
// 4. close the clients one by one, spread over (lame_duck_duration - grace period): the pause between
//    two closes is a random value in [si/2, si), si = that time / number of clients, at most 1 s
//    (below 1 ms, several clients are closed per pause);
// 5. "Initiating Shutdown...", the server's shutdown, then the process exits 0.
// A shutdown signal meanwhile ends the lame duck (the caller's stop runs instead).

import type { Server } from "./server.js";
import { CloseReason } from "./protocol/protocol-text.js";

const MAX_PAUSE_MS = 1000;

export interface LameDuckHooks {
  /** Shuts the server down and exits the process; called once the clients are gone. */
  shutdown(): Promise<void>;
  /** True once a shutdown has started some other way (then the lame duck stops). */
  stopping(): boolean;
}

/** The pauses between client closes: `[pause, clientsPerPause]`, following nats-server's rule. */
export function closePacing(durationMs: number, graceMs: number, clients: number): { pauseMs: number; batch: number } {
  let spread = durationMs - graceMs;
  if (spread <= 0) spread = 1000;
  const si = spread / clients;
  if (si < 1) return { pauseMs: 1, batch: Math.max(1, Math.floor(clients / spread)) };
  return { pauseMs: Math.min(si, MAX_PAUSE_MS), batch: 1 };
}

export class LameDuck {
  private active = false;

  constructor(private readonly server: Server, private readonly hooks: LameDuckHooks) {}

  get inLameDuck(): boolean {
    return this.active;
  }

  /** Runs lame-duck mode to its end; a second call while it runs does nothing. */
  async enter(): Promise<void> {
    if (this.active || this.hooks.stopping()) return;
    this.active = true;
    const server = this.server;
    const log = server.log;
    log.info("Entering lame duck mode, stop accepting new clients");
    server.stopAccepting();
    if (this.hooks.stopping()) return;
    const clients = [...server.clients.values()].filter((c) => !c.closed);
    if (clients.length === 0) {
      await this.hooks.shutdown();
      return;
    }
    const o = server.opts;
    const grace = Math.abs(o.lameDuckGracePeriod);
    const { pauseMs, batch } = closePacing(o.lameDuckDuration, grace, clients.length);
    server.enterLameDuck();
    await delay(grace);
    if (this.hooks.stopping()) return;
    log.info("Closing existing clients");
    for (let i = 0; i < clients.length; i++) {
      clients[i]!.close(CloseReason.SERVER_SHUTDOWN);
      if (i === clients.length - 1) break;
      if (batch === 1 || i % batch === 0) {
        await delay(Math.max(pauseMs / 2, Math.random() * pauseMs));
        if (this.hooks.stopping()) return;
      }
    }
    await this.hooks.shutdown();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
