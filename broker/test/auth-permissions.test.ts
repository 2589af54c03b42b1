// Users, permissions, no_auth_user and allow_responses from a config file, checked on skein-server
// and on nats-server with the same file: same -ERR texts, same open/closed outcome.

import { test } from "node:test";
import assert from "node:assert/strict";
import { RawClient } from "./harness/raw-client.js";
import { SERVER_KINDS, skipReason, type ServerKind } from "./harness/servers.js";
import { startWithConfig, type ConfigServer } from "./support/config-server.js";

const USERS = `
authorization {
  users: [
    { user: alice, password: apw, permissions: {
        publish: { allow: ["orders.>", "_INBOX.>"], deny: ["orders.secret"] },
        subscribe: { allow: ["orders.*", "_INBOX.>", "jobs q1"], deny: ["orders.hidden"] }
    } }
    { user: bob, password: bpw }
    { user: svc, password: spw, permissions: { publish: { deny: ">" }, subscribe: "req.>", allow_responses: true } }
    { user: guest, password: gpw, permissions: { publish: "public.>", subscribe: "public.>" } }
  ]
}
no_auth_user: guest
`;

function both(name: string, fn: (kind: ServerKind, s: ConfigServer) => Promise<void>): void {
  for (const kind of SERVER_KINDS) {
    const skip = skipReason(kind);
    test(`${name} [${kind}]`, { skip: skip ?? false, timeout: 30_000 }, async () => {
      const s = await startWithConfig(kind, USERS);
      try {
        await fn(kind, s);
      } finally {
        await s.stop();
      }
    });
  }
}

async function login(s: ConfigServer, user?: string, pass?: string): Promise<RawClient> {
  const c = await RawClient.connect(s.port);
  const creds = user === undefined ? {} : { user, pass };
  c.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, ...creds })}\r\nPING\r\n`);
  await c.expect("PONG\r\n");
  return c;
}

both("with no_auth_user INFO does not ask for auth, yet a wrong password is refused and closed", async (_k, s) => {
  const c = await RawClient.connect(s.port, "127.0.0.1", false);
  const info = JSON.parse((await c.expect(/^INFO (.*) \r\n/))[1]!) as Record<string, unknown>;
  assert.equal(info["auth_required"], undefined);
  c.send(`CONNECT {"verbose":false,"user":"alice","pass":"nope"}\r\nPING\r\n`);
  await c.expectErr("Authorization Violation");
  await c.expectClosed();
});

both("publish permissions: allowed subjects flow, denied ones get a Permissions Violation and the connection stays", async (_k, s) => {
  const bob = await login(s, "bob", "bpw");
  bob.send("SUB orders.> 1\r\nPING\r\n");
  await bob.expect("PONG\r\n");
  const alice = await login(s, "alice", "apw");
  alice.send("PUB orders.new 2\r\nok\r\nPUB orders.secret 2\r\nno\r\nPUB other 2\r\nno\r\nPING\r\n");
  await alice.expectErr('Permissions Violation for Publish to "orders.secret"');
  await alice.expectErr('Permissions Violation for Publish to "other"');
  await alice.expect("PONG\r\n");
  const m = await bob.readMsg();
  assert.equal(m.subject, "orders.new");
  await bob.expectNothing(150);
});

both("subscribe permissions: denied subjects and queues get a Permissions Violation, allowed ones work", async (_k, s) => {
  const alice = await login(s, "alice", "apw");
  // "orders.>" matches the allow rule "orders.*" token by token, so nats-server lets it through.
  alice.send("SUB orders.a.b 1\r\nSUB jobs 2\r\nSUB jobs q2 3\r\nSUB orders.hidden 4\r\nSUB jobs q1 5\r\nSUB orders.* 6\r\nPING\r\n");
  await alice.expectErr('Permissions Violation for Subscription to "orders.a.b"');
  await alice.expectErr('Permissions Violation for Subscription to "jobs"');
  await alice.expectErr('Permissions Violation for Subscription to "jobs" using queue "q2"');
  await alice.expectErr('Permissions Violation for Subscription to "orders.hidden"');
  await alice.expect("PONG\r\n");
  const bob = await login(s, "bob", "bpw");
  bob.send("PUB jobs 1\r\nj\r\nPUB orders.x 1\r\nx\r\nPUB orders.hidden 1\r\nh\r\nPING\r\n");
  await bob.expect("PONG\r\n");
  const got = await alice.collectMsgs(300);
  assert.deepEqual(got.map((m) => `${m.subject}:${m.sid}`).sort(), ["jobs:5", "orders.x:6"]);
});

both("a wildcard subscription does not receive subjects the user may not subscribe to", async (_k, s) => {
  const alice = await login(s, "alice", "apw");
  alice.send("SUB orders.* 1\r\nPING\r\n");
  await alice.expect("PONG\r\n");
  const bob = await login(s, "bob", "bpw");
  bob.send("PUB orders.hidden 1\r\nh\r\nPUB orders.shown 1\r\ns\r\nPING\r\n");
  await bob.expect("PONG\r\n");
  const got = await alice.collectMsgs(300);
  assert.deepEqual(got.map((m) => m.subject), ["orders.shown"]);
});

both("no_auth_user: a client without credentials gets that user's permissions", async (_k, s) => {
  const anon = await login(s);
  anon.send("SUB public.news 1\r\nPUB public.news 2\r\nhi\r\nPUB private 2\r\nno\r\nPING\r\n");
  const m = await anon.readMsg();
  assert.equal(m.subject, "public.news");
  await anon.expectErr('Permissions Violation for Publish to "private"');
  await anon.expect("PONG\r\n");
});

both("no_auth_user: ops before any CONNECT sign the client in as that user, with its permissions", async (_k, s) => {
  const c = await RawClient.connect(s.port);
  // Verbose by default until a CONNECT says otherwise: +OK for what is allowed, -ERR alone for the rest.
  c.send("SUB private 1\r\nSUB public.x 2\r\nPING\r\n");
  await c.expect(`-ERR 'Permissions Violation for Subscription to "private"'\r\n+OK\r\nPONG\r\n`);
  // A later CONNECT with credentials signs in as that user instead.
  c.send('CONNECT {"verbose":false,"user":"bob","pass":"bpw"}\r\nSUB private 3\r\nPING\r\n');
  await c.expect("PONG\r\n");
});

both("no_auth_user: empty credentials are no credentials, a lone password is refused", async (_k, s) => {
  const empty = await RawClient.connect(s.port);
  empty.send('CONNECT {"verbose":false,"user":"","auth_token":""}\r\nSUB private 1\r\nPING\r\n');
  await empty.expect(`-ERR 'Permissions Violation for Subscription to "private"'\r\nPONG\r\n`);
  const pass = await RawClient.connect(s.port);
  pass.send('CONNECT {"verbose":false,"pass":"gpw"}\r\nPING\r\n');
  await pass.expectErr("Authorization Violation");
  await pass.expectClosed();
});

both("verbose: a PUB refused by permissions gets its -ERR and no +OK", async (_k, s) => {
  const c = await RawClient.connect(s.port);
  c.send('CONNECT {"verbose":true,"user":"alice","pass":"apw"}\r\n');
  await c.expect("+OK\r\n");
  c.send("PUB other 1\r\nz\r\nPUB orders.new 1\r\nz\r\nPUB other 1\r\nz\r\nPING\r\n");
  const denied = `-ERR 'Permissions Violation for Publish to "other"'\r\n`;
  await c.expect(`${denied}+OK\r\n${denied}PONG\r\n`);
});

both("allow_responses: a responder may publish once to the reply subject of a request it received", async (_k, s) => {
  const svc = await login(s, "svc", "spw");
  svc.send("SUB req.time 1\r\nPING\r\n");
  await svc.expect("PONG\r\n");
  const bob = await login(s, "bob", "bpw");
  bob.send("SUB _INBOX.r1 9\r\nPUB req.time _INBOX.r1 1\r\n?\r\nPING\r\n");
  await bob.expect("PONG\r\n");
  const req = await svc.readMsg();
  assert.equal(req.reply, "_INBOX.r1");
  svc.send("PUB _INBOX.r1 3\r\nnow\r\nPUB _INBOX.r1 5\r\nagain\r\nPUB _INBOX.other 1\r\nx\r\nPING\r\n");
  await svc.expectErr('Permissions Violation for Publish to "_INBOX.r1"');
  await svc.expectErr('Permissions Violation for Publish to "_INBOX.other"');
  await svc.expect("PONG\r\n");
  const reply = await bob.readMsg();
  assert.equal(reply.payload.toString(), "now");
  await bob.expectNothing(150);
});
