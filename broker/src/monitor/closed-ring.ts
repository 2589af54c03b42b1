// The last N closed connections, as nats-server keeps them for /connz?state=closed: a fixed ring
// that overwrites the oldest entry, read back oldest first.

import type { ConnRecord } from "./conn-info.js";

/** nats-server's default for max_closed_clients. */
export const DEFAULT_MAX_CLOSED_CLIENTS = 10_000;

export class ClosedRing {
  private readonly items: (ConnRecord | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity = DEFAULT_MAX_CLOSED_CLIENTS) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`closed ring capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<ConnRecord | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(r: ConnRecord): void {
    this.items[this.next] = r;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** The records, oldest first. */
  list(): ConnRecord[] {
    const out: ConnRecord[] = [];
    const first = (this.next - this.count + this.capacity) % this.capacity;
    for (let k = 0; k < this.count; k++) {
      const r = this.items[(first + k) % this.capacity];
      if (r !== undefined) out.push(r);
    }
    return out;
  }
}
