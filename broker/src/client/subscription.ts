// A client's subscription: its subject, optional queue group, sid (encoded once, at SUB) and the
// auto-unsubscribe count.

import type { Subscribable } from "../subjects/sublist.js";
import type { Client } from "./client.js";

export class Subscription implements Subscribable {
  /** The sid as it goes on the wire in MSG lines. */
  readonly sidBytes: Buffer;
  max = 0;
  delivered = 0;

  constructor(
    readonly client: Client,
    readonly subject: string,
    readonly queue: string | null,
    readonly sid: string,
  ) {
    this.sidBytes = Buffer.from(sid, "latin1");
  }
}
