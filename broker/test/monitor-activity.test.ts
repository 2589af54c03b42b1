// A delivery is activity of the connection it goes to, as in nats-server: a client that only
// receives shows, in /connz, the time of the read that brought its message as its last activity.
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";
import { freePort, sleep } from "./harness/servers.js";

const httpPort = await freePort();

interface Conn { name?: string; start: string; last_activity: string; idle: string }

forBothServers("monitor: a receiving client's last activity is the read that delivered to it", async ({ client }) => {
  const rx = await client({ name: "rx" });
  rx.send("SUB act.rx 1\r\n");
  await rx.flush();
  await sleep(1100);
  const tx = await client({ name: "tx" });
  tx.send("PUB act.rx 2\r\nhi\r\n");
  const m = await rx.readMsg();
  assert.equal(m.subject, "act.rx");
  const connz = await (await fetch(`http://127.0.0.1:${httpPort}/connz`)).json() as { connections: Conn[] };
  const byName = (n: string) => connz.connections.find((c) => c.name === n);
  const r = byName("rx"), t = byName("tx");
  assert.ok(r && t, "both clients listed");
  assert.equal(r.last_activity, t.last_activity, "the receiver's last activity is the publisher's PUB");
  assert.equal(r.idle, "0s");
  assert.ok(Date.parse(r.last_activity) - Date.parse(r.start) >= 1000, `start ${r.start}, last ${r.last_activity}`);
}, { server: { httpPort } });
