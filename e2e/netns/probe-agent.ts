// Runs inside the lab's hub namespace (the test process cannot reach the namespaces' addresses) and
// does what the test asks, one JSON command per stdin line, one JSON answer per stdout line:
//   {"id":1,"op":"get","url":"http://10.99.5.10:8222/routez"}            -> {"id":1,"ok":true,"value":{...}}
//   {"id":2,"op":"connect","conn":"c0","url":"nats://10.99.5.10:4222"}
//   {"id":3,"op":"respond","conn":"c0","subject":"svc","reply":"hi"}    (a responder)
//   {"id":4,"op":"request","conn":"c1","subject":"svc","timeout":2000} -> value: the reply, or error
//   {"id":5,"op":"close","conn":"c0"}
// Errors come back as {"id":..,"ok":false,"error":"..."}; a no-responders error as "no responders".
import { createInterface } from "node:readline";
import { connect, NoRespondersError, RequestError, type NatsConnection } from "@nats-io/transport-node";

interface Command {
  id: number;
  op: string;
  url?: string;
  conn?: string;
  subject?: string;
  reply?: string;
  timeout?: number;
}

const conns = new Map<string, NatsConnection>();

function conn(name: string | undefined): NatsConnection {
  const nc = name === undefined ? undefined : conns.get(name);
  if (!nc) throw new Error(`no connection ${String(name)}`);
  return nc;
}

function need(v: string | undefined, what: string): string {
  if (v === undefined) throw new Error(`missing ${what}`);
  return v;
}

async function handle(cmd: Command): Promise<unknown> {
  switch (cmd.op) {
    case "get": {
      const res = await fetch(need(cmd.url, "url"), { signal: AbortSignal.timeout(cmd.timeout ?? 3000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return await res.json();
    }
    case "connect": {
      const name = need(cmd.conn, "conn");
      const old = conns.get(name);
      if (old) await old.close().catch(() => undefined);
      conns.set(name, await connect({ servers: need(cmd.url, "url"), name, reconnect: false, timeout: cmd.timeout ?? 3000 }));
      return true;
    }
    case "respond": {
      const reply = need(cmd.reply, "reply");
      const nc = conn(cmd.conn);
      nc.subscribe(need(cmd.subject, "subject"), { callback: (err, m) => { if (!err) m.respond(reply); } });
      await nc.flush();
      return true;
    }
    case "request": {
      try {
        const m = await conn(cmd.conn).request(need(cmd.subject, "subject"), "", { timeout: cmd.timeout ?? 2000 });
        return m.string();
      } catch (e) {
        const cause = e instanceof RequestError ? e.cause : e;
        if (cause instanceof NoRespondersError) throw new Error("no responders");
        throw e;
      }
    }
    case "close": {
      const name = need(cmd.conn, "conn");
      await conns.get(name)?.close().catch(() => undefined);
      conns.delete(name);
      return true;
    }
    default:
      throw new Error(`unknown op ${cmd.op}`);
  }
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let cmd: Command;
  try {
    cmd = JSON.parse(line) as Command;
  } catch {
    process.stdout.write(`${JSON.stringify({ id: -1, ok: false, error: `bad command: ${line}` })}\n`);
    return;
  }
  handle(cmd).then(
    (value) => process.stdout.write(`${JSON.stringify({ id: cmd.id, ok: true, value })}\n`),
    (e: unknown) => process.stdout.write(`${JSON.stringify({ id: cmd.id, ok: false, error: e instanceof Error ? e.message : String(e) })}\n`),
  );
});
rl.on("close", () => {
  void Promise.all([...conns.values()].map((nc) => nc.close().catch(() => undefined))).then(() => process.exit(0));
});
process.stdout.write(`${JSON.stringify({ id: 0, ok: true, value: "ready" })}\n`);
