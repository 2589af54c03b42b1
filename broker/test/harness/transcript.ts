// Records what a server answers to a byte session, for differential tests against nats-server.
import { RawClient } from "./raw-client.js";
import { sleep } from "./servers.js";

export interface Transcript {
  /** Everything after the INFO line, as latin1 text. */
  reply: string;
  closed: boolean;
}

/**
 * Sends the session (chunks with a short pause between them) and records the reply until the server
 * closes the connection, or the reply ends in PONG and stays quiet briefly, or nothing arrives for
 * `quietMs`.
 */
export async function recordSession(port: number, session: string | readonly string[], quietMs = 1200): Promise<Transcript> {
  const c = await RawClient.connect(port);
  try {
    const chunks = typeof session === "string" ? [session] : session;
    for (const [i, chunk] of chunks.entries()) {
      if (i > 0) await sleep(30);
      c.send(chunk);
    }
    let seen = -1;
    let quietSince = Date.now();
    for (;;) {
      const now = Date.now();
      const len = c.receivedBytes;
      if (len !== seen) {
        seen = len;
        quietSince = now;
      }
      if (c.closed) break;
      const quietFor = now - quietSince;
      if (c.pending.endsWith("PONG\r\n") && quietFor >= 100) break;
      if (quietFor >= quietMs) break;
      await sleep(10);
    }
    return { reply: c.pending, closed: c.closed };
  } finally {
    c.close();
  }
}
