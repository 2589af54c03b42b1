// SIGHUP reload of a skein-server child process with official clients connected: reloadable changes
// apply without dropping them, auth changes re-check them, refused changes leave the server running
// on the old config, and a reload without a config file is refused.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { RawClient } from "./harness/raw-client.js";
import { Child, NATS_SERVER_BIN, tempDir } from "./process-child.js";

const { dir, cleanup } = tempDir("skein-reload-clients-");
after(cleanup);

function conf(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `host: 127.0.0.1\nport: -1\n${body}\n`);
  return file;
}

/** One request-reply round trip through the server proves a connection still works. */
async function roundTrip(a: NatsConnection, b: NatsConnection, subject: string): Promise<void> {
  const sub = b.subscribe(subject, { callback: (_e, m) => { m.respond(m.data); } });
  await b.flush();
  const reply = await a.request(subject, "ping", { timeout: 5000 });
  assert.equal(reply.string(), "ping");
  sub.unsubscribe();
}

async function reload(server: Child, file: string, body: string): Promise<string> {
  const from = server.lines.length;
  writeFileSync(file, `host: 127.0.0.1\nport: -1\n${body}\n`);
  server.kill("SIGHUP");
  const i = await server.waitFor(/Reloaded server configuration|Failed to reload server configuration/, from);
  return server.lines[i]!;
}

test("max_payload reload: new connections see it, connected clients stay", async () => {
  const file = conf("payload.conf", "max_payload: 1000");
  const server = Child.skein(["-c", file]);
  try {
    const port = await server.ready();
    const url = `nats://127.0.0.1:${port}`;
    const a = await connect({ servers: url });
    const b = await connect({ servers: url });
    assert.equal(a.info?.max_payload, 1000);
    let closed = false;
    void a.closed().then(() => { closed = true; });
    assert.match(await reload(server, file, "max_payload: 5000"), /Reloaded server configuration/);
    assert.ok(server.lines.some((l) => l.endsWith("[INF] Reloaded: max_payload = 5000")));
    const c = await connect({ servers: url });
    assert.equal(c.info?.max_payload, 5000);
    await roundTrip(a, b, "after.reload");
    await roundTrip(c, a, "new.client");
    assert.equal(closed, false);
    await Promise.all([a.close(), b.close(), c.close()]);
  } finally {
    await server.stop();
  }
});

test("token reload: a client with the old token is disconnected, one with the new token connects", async () => {
  const file = conf("token.conf", "authorization { token: old }");
  const server = Child.skein(["-c", file]);
  try {
    const port = await server.ready();
    const url = `nats://127.0.0.1:${port}`;
    const a = await connect({ servers: url, token: "old", reconnect: false });
    const done = a.closed();
    assert.match(await reload(server, file, "authorization { token: new }"), /Reloaded server configuration/);
    assert.ok(server.lines.some((l) => l.endsWith("[INF] Reloaded: authorization token")));
    const err = await done;
    assert.ok(err instanceof Error, "the client with the old token is closed with an error");
    await assert.rejects(connect({ servers: url, token: "old", reconnect: false }));
    const b = await connect({ servers: url, token: "new" });
    await b.flush();
    await b.close();
  } finally {
    await server.stop();
  }
});

test("a refused change keeps the old config and the connected clients", async () => {
  const file = conf("refused.conf", "max_payload: 1000");
  const server = Child.skein(["-c", file]);
  try {
    const port = await server.ready();
    const url = `nats://127.0.0.1:${port}`;
    const a = await connect({ servers: url });
    const b = await connect({ servers: url });
    const line = await reload(server, file, `max_payload: 2000\nport: ${port + 1}`);
    assert.match(line, new RegExp(`\\[ERR\\] Failed to reload server configuration: config reload not supported for Port: old=${port}, new=${port + 1}$`));
    const c = await connect({ servers: url });
    assert.equal(c.info?.max_payload, 1000, "nothing of the refused file was applied");
    await roundTrip(a, b, "still.up");
    const bad = await reload(server, file, "max_payload: {");
    assert.match(bad, /\[ERR\] Failed to reload server configuration: .*refused\.conf:\d+:\d+: /);
    await roundTrip(c, a, "still.up.2");
    await Promise.all([a.close(), b.close(), c.close()]);
    assert.ok(server.running);
  } finally {
    await server.stop();
  }
});

test("SIGHUP without a config file is refused as nats-server refuses it", async () => {
  const server = Child.skein(["-a", "127.0.0.1", "-p", "-1"]);
  try {
    await server.ready();
    const from = server.lines.length;
    server.kill("SIGHUP");
    const i = await server.waitFor(/Failed to reload/, from);
    assert.match(server.lines[i]!, /\[ERR\] Failed to reload server configuration: can only reload config when a file is provided using -c or --config$/);
    assert.ok(server.running);
  } finally {
    await server.stop();
  }
});

test("flags given on the command line win over the reloaded file", async () => {
  const file = conf("flags.conf", "max_payload: 1000");
  const server = Child.skein(["-c", file, "-D"]);
  try {
    const port = await server.ready();
    // The file turns debug off and changes the port; the flags keep debug on, and -p is not given.
    const line = await reload(server, file, "debug: false\nmax_payload: 3000");
    assert.match(line, /Reloaded server configuration/);
    assert.ok(!server.lines.some((l) => l.includes("Reloaded: debug")), "debug stays as the flag set it");
    const c = await connect({ servers: `nats://127.0.0.1:${port}` });
    assert.equal(c.info?.max_payload, 3000);
    await c.close();
    assert.ok(server.lines.some((l) => l.includes("[DBG]")), "debug lines still logged");
  } finally {
    await server.stop();
  }
});

for (const kind of ["skein", "nats"] as const) {
  test(`ping_interval reload applies to a connected client from its next PING on [${kind}]`, { skip: kind === "nats" && !NATS_SERVER_BIN ? "nats-server is not installed" : false }, async () => {
    const file = conf(`pings-${kind}.conf`, `ping_interval: "1m"\nping_max: 1`);
    const server = kind === "skein" ? Child.skein(["-c", file]) : Child.natsServer(["-c", file]);
    try {
      const port = await server.ready();
      const c = await RawClient.connect(port);
      try {
        c.send(`CONNECT {"verbose":false,"pedantic":false}\r\n`);
        assert.equal(await c.flush(), "");
        assert.match(await reload(server, file, `ping_interval: "300ms"\nping_max: 1`), /Reloaded server configuration/);
        // The first PING (about 2 s after CONNECT) goes unanswered; 300 ms later the client is stale,
        // where the old interval would have left it a minute.
        await c.expect("PING\r\n", 5000);
        await c.expectErr("Stale Connection", 3000);
        await c.expectClosed();
      } finally {
        c.close();
      }
    } finally {
      await server.stop();
    }
  });
}
