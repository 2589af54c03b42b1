// User/password and token auth: 'Authorization Violation' and 'Authentication Timeout', both closing.
import assert from "node:assert/strict";
import { forBothServers } from "./harness/both-servers.js";

const USERPASS = { user: "alice", pass: "s3cret", authTimeout: 1000 };
const TOKEN = { token: "t0ken", authTimeout: 1000 };

forBothServers(
  "user/pass: the right credentials are accepted, +OK when verbose",
  async ({ client }) => {
    const c = await client(null);
    assert.equal(c.info["auth_required"], true);
    c.send('CONNECT {"user":"alice","pass":"s3cret"}\r\nPING\r\n');
    await c.expect("+OK\r\nPONG\r\n");
    const d = await client({ user: "alice", pass: "s3cret" });
    d.send("SUB a 1\r\nPUB a 1\r\nx\r\n");
    await d.expect("MSG a 1 1\r\nx\r\n");
  },
  { server: USERPASS },
);

forBothServers(
  "user/pass: wrong or missing credentials get 'Authorization Violation' and are closed",
  async ({ client }) => {
    const bad: Record<string, unknown>[] = [
      { user: "alice", pass: "wrong" },
      { user: "bob", pass: "s3cret" },
      { user: "alice" },
      {},
      { auth_token: "s3cret" },
    ];
    for (const fields of bad) {
      const c = await client(null);
      c.send(`CONNECT ${JSON.stringify({ verbose: false, ...fields })}\r\n`);
      await c.expectErr("Authorization Violation");
      await c.expectClosed();
    }
  },
  { server: USERPASS },
);

forBothServers(
  "any other op before CONNECT is an 'Authorization Violation' when auth is required",
  async ({ client }) => {
    // Even an unknown op or a PONG: auth comes before parsing anything but CONNECT.
    for (const op of ["PING\r\n", "PONG\r\n", "SUB foo 1\r\n", "PUB foo 1\r\nx\r\n", "FOO\r\n"]) {
      const c = await client(null);
      c.send(op);
      await c.expectErr("Authorization Violation");
      await c.expectClosed();
    }
  },
  { server: USERPASS },
);

// Every CONNECT is checked, against the client's options with the new fields merged in: a second
// CONNECT without credentials keeps the first one's, a wrong password fails.
forBothServers(
  "a second CONNECT is checked again, with the earlier credentials still in place",
  async ({ client }) => {
    const c = await client({ user: "alice", pass: "s3cret" });
    c.send('CONNECT {"verbose":false}\r\nCONNECT {"pedantic":true}\r\nPING\r\n');
    await c.expect("PONG\r\n");
    c.send('CONNECT {"verbose":false,"user":"alice","pass":"wrong"}\r\n');
    await c.expectErr("Authorization Violation");
    await c.expectClosed();
  },
  { server: USERPASS },
);

forBothServers(
  "no CONNECT within the auth timeout gets 'Authentication Timeout' and is closed",
  async ({ client }) => {
    const c = await client(null);
    const start = Date.now();
    await c.expectErr("Authentication Timeout", 10_000);
    await c.expectClosed();
    assert.ok(Date.now() - start >= 500, "not before the timeout");
  },
  { server: USERPASS },
);

forBothServers(
  "a client that authenticated in time is not cut by the auth timer",
  async ({ client }) => {
    const c = await client({ user: "alice", pass: "s3cret" });
    await c.expectNothing(1500);
    c.send("PING\r\n");
    await c.expect("PONG\r\n");
  },
  { server: USERPASS },
);

forBothServers(
  "token: the right auth_token is accepted; a wrong one, or user/pass instead, is refused",
  async ({ client }) => {
    const ok = await client(null);
    assert.equal(ok.info["auth_required"], true);
    ok.send('CONNECT {"verbose":false,"auth_token":"t0ken"}\r\nPING\r\n');
    await ok.expect("PONG\r\n");
    for (const fields of [{ auth_token: "nope" }, { user: "t0ken", pass: "t0ken" }, {}]) {
      const c = await client(null);
      c.send(`CONNECT ${JSON.stringify({ verbose: false, ...fields })}\r\n`);
      await c.expectErr("Authorization Violation");
      await c.expectClosed();
    }
  },
  { server: TOKEN },
);

forBothServers(
  "token: no CONNECT within the auth timeout gets 'Authentication Timeout'",
  async ({ client }) => {
    const c = await client(null);
    await c.expectErr("Authentication Timeout", 10_000);
    await c.expectClosed();
  },
  { server: TOKEN },
);

forBothServers(
  "without auth, credentials in CONNECT are ignored and the auth timeout does not apply",
  async ({ client }) => {
    const c = await client({ user: "x", pass: "y", auth_token: "z" });
    c.send("PING\r\n");
    await c.expect("PONG\r\n");
    const idle = await client(null);
    await idle.expectNothing(900); // three times the auth timeout
    idle.send("PING\r\n");
    await idle.expect("PONG\r\n");
  },
  { server: { authTimeout: 300 } },
);

forBothServers(
  "a CONNECT longer than max_control_line fails on the length, before the credentials are looked at",
  async ({ client }) => {
    const c = await client(null);
    c.send(`CONNECT {"user":"alice","pass":"s3cret","name":"${"n".repeat(100)}"}\r\n`);
    await c.expectErr("maximum control line exceeded");
    await c.expectClosed();
  },
  { server: { ...USERPASS, maxControlLine: 64 } },
);
