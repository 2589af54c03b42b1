// Delivery of one message to one local subscription, shared by client publishes and routed
// messages: echo, subscribe-deny filtering, response permissions and auto-unsubscribe.

import type { Client } from "./client.js";
import type { MsgHeader } from "./msg-header.js";
import type { Subscription } from "./subscription.js";

/** Queues the message for the subscription; false when it was not delivered. `publisher` is null
 * for messages that came over a route. */
export function deliverTo(sub: Subscription, m: MsgHeader, subject: string, publisher: Client | null): boolean {
  const c = sub.client;
  if ((c === publisher && !c.echo) || c.closed) return false;
  const perms = c.perms;
  if (perms !== null) {
    if (perms.hasSubDeny && perms.deliveryDenied(subject)) return false;
    if (perms.response !== null && m.hasReply) perms.allowReply(m.reply());
  }
  const n = ++sub.delivered;
  if (sub.max > 0 && n >= sub.max) {
    // At the limit the message still goes out; past it the subscription is already gone.
    c.removeSub(sub);
    if (n > sub.max) return false;
  }
  c.out.writeMsg(m, sub);
  return true;
}
