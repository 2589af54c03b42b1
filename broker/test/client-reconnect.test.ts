// Reconnect after a server restart: the server runs as a child process from its CLI flags on a
// fixed port; it is stopped and started again, and the official client reconnects by itself and
// resubscribes. Also proves --user/--pass and --auth on the command line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect, type NatsConnection, type Status } from "@nats-io/transport-node";
import {
  freePort,
  SERVER_KINDS,
  skipReason,
  startChildServer,
  type ChildServerOptions,
  type RunningServer,
} from "./harness/servers.js";

/** Resolves when the connection reports a status of the given type. */
function nextStatus(nc: NatsConnection, type: Status["type"], timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" status within ${timeout} ms`)), timeout);
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === type) {
          clearTimeout(timer);
          resolve();
          return;
        }
      }
    })();
  });
}

async function roundTrip(cli: NatsConnection, subject: string): Promise<void> {
  const r = await cli.request(subject, "ping", { timeout: 5000 });
  assert.equal(r.string(), `pong from ${subject}`);
}

for (const kind of SERVER_KINDS) {
  const skip = skipReason(kind, true);
  for (const auth of ["none", "user/pass", "token"] as const) {
    test(`client: reconnects and resubscribes after a server restart, auth ${auth} [${kind}]`, { skip: skip ?? false, timeout: 60_000 }, async () => {
      const port = await freePort();
      const flags: ChildServerOptions = { port };
      const creds: { user?: string; pass?: string; token?: string } = {};
      if (auth === "user/pass") {
        flags.user = creds.user = "alice";
        flags.pass = creds.pass = "s3cret";
      } else if (auth === "token") {
        flags.token = creds.token = "t0ken";
      }
      let server: RunningServer | undefined = await startChildServer(kind, flags);
      const opts = { servers: `127.0.0.1:${port}`, reconnectTimeWait: 100, reconnectJitter: 0, maxReconnectAttempts: -1, ...creds };
      const svc = await connect(opts);
      const cli = await connect(opts);
      try {
        svc.subscribe("svc.echo", { callback: (_e, m) => void m.respond(`pong from ${m.subject}`) });
        const watched = svc.subscribe("events.>");
        await svc.flush();
        await roundTrip(cli, "svc.echo");

        const svcDown = nextStatus(svc, "disconnect", 15_000);
        const svcBack = nextStatus(svc, "reconnect", 30_000);
        const cliBack = nextStatus(cli, "reconnect", 30_000);
        await server.stop();
        server = undefined;
        await svcDown;
        server = await startChildServer(kind, flags);
        await Promise.all([svcBack, cliBack]);
        // The client resends its subscriptions on reconnect; a flush makes sure the server has them.
        await svc.flush();

        // The subscriptions made before the restart work again on the new server.
        await roundTrip(cli, "svc.echo");
        cli.publish("events.restart", "hello again");
        await cli.flush();
        const it = watched[Symbol.asyncIterator]();
        const first = await Promise.race([
          it.next(),
          new Promise<never>((_r, rej) => setTimeout(() => rej(new Error("no event after reconnect")), 5000)),
        ]);
        assert.equal(first.done, false);
        assert.equal(first.value?.subject, "events.restart");
        assert.equal(first.value?.string(), "hello again");
      } finally {
        await Promise.allSettled([svc.close(), cli.close()]);
        await server?.stop();
      }
    });
  }
}

for (const kind of SERVER_KINDS) {
  test(`client: wrong CLI credentials are refused with an authorization error [${kind}]`, { skip: skipReason(kind, true) ?? false, timeout: 30_000 }, async () => {
    const port = await freePort();
    const server = await startChildServer(kind, { port, user: "alice", pass: "s3cret" });
    try {
      await assert.rejects(
        connect({ servers: `127.0.0.1:${port}`, user: "alice", pass: "wrong", reconnect: false }),
        (err: unknown) => /authorization/i.test(String(err)),
      );
      const nc = await connect({ servers: `127.0.0.1:${port}`, user: "alice", pass: "s3cret" });
      await nc.flush();
      await nc.close();
    } finally {
      await server.stop();
    }
  });
}
