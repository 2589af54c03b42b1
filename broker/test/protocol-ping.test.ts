// Server PINGs every ping_interval; a client that leaves more than ping_max of them unanswered
// gets 'Stale Connection' and is closed.
import { forBothServers } from "./harness/both-servers.js";
import { sleep } from "./harness/servers.js";

const PINGS = { pingInterval: 200, pingMax: 2 };

forBothServers(
  "an idle client that never answers gets ping_max PINGs, then 'Stale Connection', then is closed",
  async ({ client }) => {
    const c = await client();
    await c.expect("PING\r\n", 5000);
    await c.expect("PING\r\n", 5000);
    await c.expectErr("Stale Connection", 5000);
    await c.expectClosed();
  },
  { server: PINGS },
);

forBothServers(
  "a client that answers each PING with PONG stays connected",
  async ({ client }) => {
    const c = await client();
    for (let i = 0; i < 5; i++) {
      await c.expect("PING\r\n", 5000);
      c.send("PONG\r\n");
    }
    c.send("SUB a 1\r\nPUB a 1\r\nx\r\n");
    await c.expect(/^(PING\r\n)?MSG a 1 1\r\nx\r\n/);
  },
  { server: PINGS },
);

forBothServers(
  "a client that keeps publishing is not cut as stale even if it ignores PINGs",
  async ({ client }) => {
    const c = await client();
    const until = Date.now() + 1600; // eight ping intervals
    while (Date.now() < until) {
      c.send("PUB busy 0\r\n\r\n");
      await sleep(20);
    }
    // Nothing but PINGs came back, and the connection still answers.
    await c.expect(/^(PING\r\n)*/);
    c.send("SUB a 1\r\nPUB a 1\r\nx\r\n");
    await c.expect(/^(PING\r\n)*MSG a 1 1\r\nx\r\n/);
  },
  { server: PINGS },
);

forBothServers(
  "with the default ping_interval, the first PING comes about 2 s after CONNECT, even to an active client",
  async ({ client }) => {
    // The RTT from INFO to CONNECT is only an estimate: the first PING measures it, so it is not
    // skipped for activity.
    const c = await client();
    c.send("SUB a 1\r\nPING\r\n");
    await c.expect("PONG\r\n");
    await c.expect("PING\r\n", 3000);
    c.send("PONG\r\n");
  },
);

forBothServers(
  "a client that has not sent CONNECT is not PINGed",
  async ({ client }) => {
    const c = await client(null);
    await c.expectNothing(3000);
  },
);
