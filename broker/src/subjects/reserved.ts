// Subjects nats-server keeps for its own use, refused from clients even without permissions: replies
// of service imports (`_R_.`), JetStream acks (`$JS.ACK.`) and gateway-routed replies (`_GR_.`), and
// gateway-routed replies as a publish subject too.

const SERVICE_REPLY = Buffer.from("_R_.", "latin1");
const JS_ACK = Buffer.from("$JS.ACK.", "latin1");
const GATEWAY_REPLY = Buffer.from("_GR_.", "latin1");

function startsWith(buf: Buffer, s: number, e: number, prefix: Buffer, orEqual: boolean): boolean {
  const n = prefix.length;
  if (e - s < n || (e - s === n && !orEqual)) return false;
  for (let k = 0; k < n; k++) if (buf[s + k] !== prefix[k]) return false;
  return true;
}

/** Whether the reply in buf[s, e) is reserved (nats-server's isReservedReply, with JetStream's). */
export function isReservedReply(buf: Buffer, s: number, e: number): boolean {
  const c = buf[s];
  if (c === 0x5f) return startsWith(buf, s, e, SERVICE_REPLY, true) || startsWith(buf, s, e, GATEWAY_REPLY, false);
  return c === 0x24 && startsWith(buf, s, e, JS_ACK, false);
}

/** Whether a publish subject carries the gateway-routed reply prefix. */
export function isGatewayReplySubject(subject: string): boolean {
  return subject.length > GATEWAY_REPLY.length && subject.startsWith("_GR_.");
}
