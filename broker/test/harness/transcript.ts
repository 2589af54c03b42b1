// Records what a server answers to a byte session, for differential tests against nats-server.
import { RawClient } from "./raw-client.js";
import { sleep } from "./servers.js";

export interface Transcript {
  /** Everything after the INFO line, as latin1 text. */
  reply: string;
  closed: boolean;
}

export interface ScenarioStep {
  client: number;
  send: string;
}

/**
 * Runs a scenario over several connections: each step's bytes go to one client, followed by a PING
 * whose PONG (or the connection's close) ends the step, so the steps happen in order. Returns each
 * client's transcript once every connection has gone quiet.
 */
export async function recordScenario(port: number, clients: number, steps: readonly ScenarioStep[]): Promise<Transcript[]> {
  const cs: RawClient[] = [];
  try {
    for (let i = 0; i < clients; i++) cs.push(await RawClient.connect(port));
    for (const step of steps) {
      const c = cs[step.client];
      if (!c) throw new Error(`scenario step for client ${step.client} of ${clients}`);
      if (c.closed) continue;
      const before = c.pending.length;
      c.send(`${step.send}PING\r\n`);
      await waitForNewPongOrClose(c, before);
      // Give deliveries to the other connections time to land before the next step.
      for (const other of cs) if (other !== c && !other.closed) await syncQuietly(other);
    }
    for (const c of cs) if (!c.closed) await syncQuietly(c);
    return cs.map((c) => ({ reply: c.pending, closed: c.closed }));
  } finally {
    for (const c of cs) c.close();
  }
}

/** Waits for a PONG that arrived after the first `before` unread bytes (or for the close). */
async function waitForNewPongOrClose(c: RawClient, before: number): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const now = c.pending;
    if (c.closed || Date.now() >= deadline) return;
    if (now.length >= before + 6 && now.endsWith("PONG\r\n")) return;
    await sleep(5);
  }
}

/** Waits until what the server queued for this connection before now has arrived. */
async function syncQuietly(c: RawClient): Promise<void> {
  // The marker PING's PONG is removed again, so it does not show in the transcript.
  const before = c.pending.length;
  c.send("PING\r\n");
  await waitForNewPongOrClose(c, before);
  if (!c.closed && c.pending.endsWith("PONG\r\n")) c.dropTail(6);
}

/**
 * Sends the session (chunks with a short pause between them) and records the reply until the server
 * closes the connection, or a PONG has come for every line that starts with PING and the reply stays
 * quiet briefly, or nothing arrives for `quietMs`.
 */
export async function recordSession(port: number, session: string | readonly string[], quietMs = 1200): Promise<Transcript> {
  const c = await RawClient.connect(port);
  try {
    const chunks = typeof session === "string" ? [session] : session;
    for (const [i, chunk] of chunks.entries()) {
      if (i > 0) await sleep(30);
      c.send(chunk);
    }
    // Lines that start with PING; a reply with that many PONGs is complete once it stays quiet.
    const pings = chunks.join("").match(/(^|\n)ping/gi)?.length ?? 0;
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
      if (pings > 0 && quietFor >= 50 && countPongs(c.pending) >= pings) break;
      if (quietFor >= quietMs) break;
      await sleep(10);
    }
    return { reply: c.pending, closed: c.closed };
  } finally {
    c.close();
  }
}

function countPongs(text: string): number {
  let n = 0;
  for (let i = text.indexOf("PONG\r\n"); i >= 0; i = text.indexOf("PONG\r\n", i + 6)) n++;
  return n;
}

const INVALID_PUBLISH = "-ERR 'Invalid Publish Subject'\r\n";

/**
 * The reply with each run of deliveries of one message (same subject, reply and bytes, different
 * sids) sorted by sid, and repeated 'Invalid Publish Subject' errors collapsed into one.
 * nats-server keeps the subscriptions of one subject in a Go map, so the order in which one
 * connection's matching subscriptions get a message is random there; and it repeats the pedantic
 * subject error when one of its reads ends inside the PUB's payload, which depends on its read
 * buffer sizes (they shrink to 64 bytes for a quiet client).
 */
export function canonical(t: Transcript): Transcript {
  const items: { key: string; sid: string; text: string }[] = [];
  let rest = t.reply;
  while (rest.length > 0) {
    const eol = rest.indexOf("\r\n");
    if (eol < 0) {
      items.push({ key: "", sid: "", text: rest });
      break;
    }
    const line = rest.slice(0, eol);
    const parts = line.split(" ");
    let frameLen = eol + 2;
    let key = "";
    let sid = "";
    if ((parts[0] === "MSG" && (parts.length === 4 || parts.length === 5)) || (parts[0] === "HMSG" && (parts.length === 5 || parts.length === 6))) {
      const size = Number(parts[parts.length - 1]);
      frameLen = eol + 2 + size + 2;
      sid = parts[2] ?? "";
      key = [parts[0], parts[1], ...parts.slice(3), rest.slice(eol + 2, eol + 2 + size)].join("\u0000");
    }
    items.push({ key, sid, text: rest.slice(0, frameLen) });
    rest = rest.slice(frameLen);
  }
  const out: string[] = [];
  for (let i = 0; i < items.length; ) {
    let j = i + 1;
    const item = items[i];
    if (item && item.key !== "") while (items[j]?.key === item.key) j++;
    const run = items.slice(i, j).sort((a, b) => (a.key === "" ? 0 : a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0));
    for (const r of run) if (!(r.text === INVALID_PUBLISH && out[out.length - 1] === INVALID_PUBLISH)) out.push(r.text);
    i = j;
  }
  return { reply: out.join(""), closed: t.closed };
}
