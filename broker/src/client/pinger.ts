// The PINGs a server sends on a client or route connection, on nats-server 2.9's schedule. The
// first comes early (at most 2 s after a client's CONNECT, 1 s after a route opens, plus up to a
// fifth more at random) so the RTT is known soon; later ones every ping_interval. On a client a
// PING is skipped while the peer was active (data either way, or a PING from it) within the
// interval, unless the RTT is due: never measured by a PING, or measured over an hour ago. Routes
// are PINGed whatever their traffic. With ping_max PINGs unanswered, the next one closes the
// connection as stale instead. Each timer reads ping_interval and ping_max afresh, so a reload
// applies to open connections from their next PING on.

import { NANOSECOND, preciseNow } from "../clock.js";

export const FIRST_CLIENT_PING_MS = 2000;
export const FIRST_ROUTE_PING_MS = 1000;
const RTT_REMEASURE_MS = 3_600_000;

/** The current ping settings (the server's options, replaced on reload). */
export interface PingSettings {
  readonly pingInterval: number;
  readonly pingMax: number;
}

/** The connection the PINGs go to. */
export interface PingPeer {
  readonly closed: boolean;
  /** Epoch ms of the last read from it or delivery to it. */
  readonly lastActivity: number;
  sendPing(): void;
  /** Too many PINGs went unanswered: send the error and close. */
  stale(): void;
}

export class Pinger {
  /** Round-trip time in ms; 0 until known. */
  rtt = 0;
  private out = 0;
  private sentAt = 0;
  private pingIn = 0;
  private timer: NodeJS.Timeout | null = null;

  /** `skipWhenActive`: clients yes, routes no (as nats-server). */
  constructor(
    private readonly peer: PingPeer,
    private readonly settings: () => PingSettings,
    private readonly skipWhenActive: boolean,
  ) {}

  /** (Re)arms the timer for the first PING: none when ping_interval is 0. */
  start(firstMax: number): void {
    this.stop();
    const interval = this.settings().pingInterval;
    if (interval <= 0) return;
    const first = Math.min(interval, firstMax);
    this.timer = setTimeout(() => this.tick(), first + Math.floor(Math.random() * (first / 5)));
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The peer sent a PING. */
  pinged(): void {
    this.pingIn = preciseNow();
  }

  /** The peer answered: nothing is outstanding, and the RTT is the time since the last PING. */
  ponged(): void {
    if (this.out > 0) this.rtt = Math.max(NANOSECOND, preciseNow() - this.sentAt);
    this.out = 0;
  }

  private tick(): void {
    this.timer = null;
    const peer = this.peer;
    if (peer.closed) return;
    const { pingInterval: interval, pingMax } = this.settings();
    const now = preciseNow();
    const skip = this.skipWhenActive && this.rtt !== 0 && now - this.sentAt <= RTT_REMEASURE_MS
      && (now - peer.lastActivity < interval || now - this.pingIn < interval);
    if (!skip) {
      if (this.out + 1 > pingMax) return peer.stale();
      this.out++;
      this.sentAt = now;
      peer.sendPing();
    }
    if (interval > 0) this.timer = setTimeout(() => this.tick(), interval);
  }
}
