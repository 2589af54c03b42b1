// CONNECT and its defaults: verbose and pedantic stay on until a CONNECT turns them off, and a
// CONNECT only changes the fields it names.
import { forBothServers } from "./harness/both-servers.js";

forBothServers("without CONNECT the client is verbose: PUB and SUB get +OK, PING gets PONG", async ({ client }) => {
  const c = await client(null);
  c.send("SUB foo 1\r\nPUB foo 2\r\nhi\r\nPING\r\n");
  await c.expect("+OK\r\n+OK\r\nMSG foo 1 2\r\nhi\r\nPONG\r\n");
});

forBothServers("verbose: +OK after CONNECT, SUB, PUB, HPUB and UNSUB, never after PING or PONG", async ({ client }) => {
  const c = await client(null);
  c.send('CONNECT {"verbose":true,"pedantic":false,"headers":true}\r\n');
  await c.expect("+OK\r\n");
  c.send("SUB foo 1\r\n");
  await c.expect("+OK\r\n");
  c.send("PUB foo 1\r\na\r\n");
  await c.expect("+OK\r\nMSG foo 1 1\r\na\r\n");
  c.send("HPUB foo 12 13\r\nNATS/1.0\r\n\r\nb\r\n");
  await c.expect("+OK\r\nHMSG foo 1 12 13\r\nNATS/1.0\r\n\r\nb\r\n");
  c.send("UNSUB 1\r\n");
  await c.expect("+OK\r\n");
  c.send("PING\r\nPONG\r\n");
  await c.expect("PONG\r\n");
  await c.expectNothing(150);
});

forBothServers("CONNECT {} keeps the verbose default; a later CONNECT can turn it off and on", async ({ client }) => {
  const c = await client(null);
  c.send("CONNECT {}\r\n");
  await c.expect("+OK\r\n");
  c.send('CONNECT {"verbose":false}\r\nPING\r\n');
  await c.expect("PONG\r\n");
  c.send('CONNECT {"verbose":true}\r\nPING\r\n');
  await c.expect("+OK\r\nPONG\r\n");
});

forBothServers("pedantic stays on when CONNECT only turns verbose off", async ({ client }) => {
  const c = await client(null);
  c.send('CONNECT {"verbose":false}\r\nPUB foo.* 0\r\n\r\nPING\r\n');
  await c.expectErr("Invalid Publish Subject");
  await c.expect("PONG\r\n");
});

forBothServers("pedantic:false lets a wildcard publish subject through, as a literal", async ({ client }) => {
  const sub = await client();
  sub.send("SUB foo.* 1\r\nSUB foo.bar 2\r\n");
  await sub.flush();
  const c = await client({ pedantic: false });
  c.send("PUB foo.* 1\r\nx\r\n");
  await c.flush();
  await sub.expect("MSG foo.* 1 1\r\nx\r\n");
  await sub.expectNothing(100);
});

forBothServers("unknown CONNECT fields are ignored", async ({ client }) => {
  const c = await client(null);
  c.send('CONNECT {"verbose":false,"pedantic":false,"lang":"test","version":"0.0.1","name":"x","sig":"","future":{"a":[1]}}\r\nPING\r\n');
  await c.expect("PONG\r\n");
});

forBothServers("CONNECT with malformed JSON closes the connection without -ERR", async ({ client }) => {
  const c = await client(null);
  c.send("CONNECT {bad json\r\nPING\r\n");
  await c.expectClosed();
});

forBothServers("CONNECT with a protocol above 1 gets 'invalid client protocol' and is closed", async ({ client }) => {
  const c = await client(null);
  c.send('CONNECT {"verbose":false,"protocol":2}\r\n');
  await c.expectErr("invalid client protocol");
  await c.expectClosed();
});

forBothServers("CONNECT protocol 0 and 1 are both accepted", async ({ client }) => {
  for (const protocol of [0, 1]) {
    const c = await client(null);
    c.send(`CONNECT {"verbose":false,"protocol":${protocol}}\r\nPING\r\n`);
    await c.expect("PONG\r\n");
  }
});

// nats-server decodes CONNECT into a Go struct with encoding/json: keys match case-insensitively,
// null leaves a field alone, a value of the wrong type is an error that closes the connection.
forBothServers("CONNECT keys match case-insensitively", async ({ client }) => {
  const c = await client(null);
  c.send('CONNECT {"VERBOSE":false,"Pedantic":false}\r\nPUB a.* 0\r\n\r\nPING\r\n');
  await c.expect("PONG\r\n");
});

forBothServers("CONNECT null, or a null field, changes nothing", async ({ client }) => {
  const c = await client(null);
  c.send("CONNECT null\r\nPING\r\n");
  await c.expect("+OK\r\nPONG\r\n");
  c.send('CONNECT {"verbose":null}\r\nPING\r\n');
  await c.expect("+OK\r\nPONG\r\n");
});

forBothServers("CONNECT with a field of the wrong type closes the connection without -ERR", async ({ client }) => {
  for (const json of ['{"verbose":"true"}', '{"verbose":0}', '{"protocol":"1"}', '{"name":5}', "[]", '"x"', '{"verbose":false}x']) {
    const c = await client(null);
    c.send(`CONNECT ${json}\r\n`);
    await c.expectClosed();
  }
});

forBothServers("CONNECT asking for an account (or a new one) on a server without accounts is an 'Authorization Violation'", async ({ client }) => {
  for (const json of ['{"verbose":false,"account":"A"}', '{"verbose":false,"new_account":true}', '{"verbose":false,"account":"$G"}']) {
    const c = await client(null);
    c.send(`CONNECT ${json}\r\n`);
    await c.expectErr("Authorization Violation");
    await c.expectClosed();
  }
  const empty = await client(null);
  empty.send('CONNECT {"verbose":false,"account":""}\r\nPING\r\n');
  await empty.expect("PONG\r\n");
});

forBothServers("CONNECT protocol given as a float closes the connection without -ERR", async ({ client }) => {
  for (const p of ["1.0", "1e0"]) {
    const c = await client(null);
    c.send(`CONNECT {"verbose":false,"protocol":${p}}\r\n`);
    await c.expectClosed();
  }
});
