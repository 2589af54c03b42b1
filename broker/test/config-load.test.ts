// Tests of the config loader: every key issue 3 lists mapped to typed options with nats-server's
// units, unknown keys and bad values reported with file, line and key, TLS files checked with
// certificates made at run time, and the flag-over-file merge with its cross-field validation.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCommandLine, type OptionOverrides } from "../src/config/cli.js";
import { checkConfigFile, loadConfigFile, mergeOptions, validateOptions, type LoadedConfig } from "../src/config/load.js";
import { ConfigError } from "../src/config/values.js";
import { formatGoDuration, parseGoDuration } from "../src/config/duration.js";
import { defaultOptions, type ServerOptions } from "../src/options.js";

let dir: string;
let n = 0;
before(() => { dir = mkdtempSync(join(tmpdir(), "skein-load-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

function write(text: string, name = `c${n++}.conf`): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function load(text: string, env: Record<string, string> = {}): LoadedConfig {
  return loadConfigFile(write(text), { env });
}

/** Loads text that must fail; returns the message with the temp path replaced by "F". */
function failure(text: string): string {
  const p = write(text);
  try {
    loadConfigFile(p, { env: {} });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.message.split(p).join("F");
  }
  return assert.fail(`expected ${JSON.stringify(text)} to be rejected`);
}

describe("keys map to options", () => {
  const table: [string, OptionOverrides][] = [
    ["listen: 127.0.0.1:4333", { host: "127.0.0.1", port: 4333 }],
    ['listen: "[::1]:4333"', { host: "::1", port: 4333 }],
    ["listen: 4333", { host: "0.0.0.0", port: 4333 }],
    ["host: 127.0.0.1\nport: 4333", { host: "127.0.0.1", port: 4333 }],
    ["net: 10.0.0.1", { host: "10.0.0.1" }],
    ["port: -1", { port: -1 }],
    ["server_name: $POD", { serverName: "nats-2" }],
    ['client_advertise: "nats.example.com:4222"', { clientAdvertise: "nats.example.com:4222" }],
    ["http: 8222", { httpHost: "", httpPort: 8222 }],
    ["http: 127.0.0.1:8222", { httpHost: "127.0.0.1", httpPort: 8222 }],
    ["https: 0.0.0.0:8443", { httpHost: "0.0.0.0", httpsPort: 8443 }],
    ["http_port: 8222", { httpPort: 8222 }],
    ["monitor_port: 8222", { httpPort: 8222 }],
    ["https_port: 8443", { httpsPort: 8443 }],
    ["max_connections: 100", { maxConnections: 100 }],
    ["max_conn: 5", { maxConnections: 5 }],
    ["max_control_line: 2KB", { maxControlLine: 2048 }],
    ["max_payload: 2MB\nmax_pending: 64MB", { maxPayload: 2 * 1024 ** 2, maxPending: 64 * 1024 ** 2 }],
    ["max_payload: 1k", { maxPayload: 1000 }],
    ["max_pending_size: 100mb", { maxPending: 100 * 1024 ** 2 }],
    ["max_subscriptions: 10", { maxSubscriptions: 10 }],
    ["max_subs: 11", { maxSubscriptions: 11 }],
    ['ping_interval: "30s"', { pingInterval: 30_000 }],
    ['ping_interval: "1m30s"', { pingInterval: 90_000 }],
    ["ping_interval: 5s", { pingInterval: 5000 }],
    ["ping_max: 3", { pingMax: 3 }],
    ['write_deadline: "500ms"', { writeDeadline: 500 }],
    ['lame_duck_duration: "45s"\nlame_duck_grace_period: "5s"', { lameDuckDuration: 45_000, lameDuckGracePeriod: 5000 }],
    ["debug: true\ntrace: on\nlogtime: no\ntrace_verbose: yes", { debug: true, trace: true, logtime: false, traceVerbose: true }],
    ['log_file: "/var/log/nats.log"', { logFile: "/var/log/nats.log" }],
    ["logfile: /tmp/x.log", { logFile: "/tmp/x.log" }],
    ["log_size_limit: 1GB", { logSizeLimit: 1024 ** 3 }],
    ["max_traced_msg_len: 128", { maxTracedMsgLen: 128 }],
    ["pid_file: /tmp/n.pid", { pidFile: "/tmp/n.pid" }],
    ["pidfile: /tmp/m.pid", { pidFile: "/tmp/m.pid" }],
    ["ports_file_dir: /tmp", { portsFileDir: "/tmp" }],
    ["syslog: true\nremote_syslog: udp://127.0.0.1:514", { syslog: true, remoteSyslog: "udp://127.0.0.1:514" }],
    ["PORT = 4444\nport: $PORT", { port: 4444 }],
    ["LISTEN = 127.0.0.1:4555\nlisten: $LISTEN", { host: "127.0.0.1", port: 4555 }],
  ];
  for (const [text, want] of table) {
    it(JSON.stringify(text), () => assert.deepEqual(load(text + "\n", { POD: "nats-2" }).options, want));
  }

  it("keys are case-insensitive, as in nats-server", () => {
    assert.deepEqual(load("Max_Payload: 100\nDEBUG: true\n").options, { maxPayload: 100, debug: true });
  });

  it("a bare number of seconds for a duration works with a warning", () => {
    const l = load("ping_interval: 120\n");
    assert.equal(l.options.pingInterval, 120_000);
    assert.equal(l.warnings.length, 1);
    assert.equal(l.warnings[0]?.reason, 'invalid use of field "ping_interval": ping_interval should be converted to a duration');
    assert.equal(l.warnings[0]?.failsCheck, true);
  });

  it("-t fails on nats-server's own warnings but not on unsupported features", () => {
    const p = write("ping_interval: 120\n");
    assert.deepEqual(checkConfigFile(p, { env: {} }), {
      ok: false, problems: [`${p}:1:0: invalid use of field "ping_interval": ping_interval should be converted to a duration`],
    });
    assert.deepEqual(checkConfigFile(write("jetstream {}\nport: 1\n"), { env: {} }), { ok: true, problems: [] });
    const bad = write("port: 1\nbogus: 2\n");
    assert.deepEqual(checkConfigFile(bad, { env: {} }), { ok: false, problems: [`${bad}:2:1: unknown field "bogus"`] });
  });

  it("keys of nats-server features skein-server lacks are warnings", () => {
    const l = load("jetstream { store_dir: /data }\naccounts { A: {} }\nport: 1\n");
    assert.deepEqual(l.options, { port: 1 });
    assert.deepEqual(l.warnings.map((w) => w.reason), [
      'field "jetstream" is not supported by skein-server and is ignored',
      'field "accounts" is not supported by skein-server and is ignored',
    ]);
  });

  it("accounts with users are refused, since their credentials would not be checked", () => {
    assert.equal(
      failure("port: 1\naccounts {\n  A: {\n    users: [{user: a, password: b}]\n  }\n}\n"),
      'F:4:5: users in "accounts" are not supported by skein-server: clients would connect without their credentials (define users under "authorization")',
    );
  });

  it("records where each option was set", () => {
    const l = load("port: 1\n\n  debug: true\n");
    assert.deepEqual(l.positions.get("debug")?.line, 3);
    assert.deepEqual(l.positions.get("debug")?.column, 3);
  });
});

describe("authorization", () => {
  it("single user, password, token and timeout in seconds", () => {
    assert.deepEqual(load("authorization { user: a, password: b, timeout: 1.5 }\n").options,
      { username: "a", password: "b", authTimeout: 1500 });
    assert.deepEqual(load('authorization { token: "s3cr3t", timeout: 3 }\n').options,
      { authorization: "s3cr3t", authTimeout: 3000 });
    assert.deepEqual(load('authorization { username: x, pass: y, timeout: "250ms" }\n').options,
      { username: "x", password: "y", authTimeout: 250 });
  });

  it("users with permissions as lists and as allow/deny maps", () => {
    const text = `
authorization {
  default_permissions { publish: "_INBOX.>", subscribe: ["_INBOX.>"] }
  users: [
    { user: alice, password: "$2a$11$abcdefghijklmnopqrstuv", permissions: {
        publish: { allow: ["orders.>", "x.*"], deny: "orders.secret" }
        subscribe: { deny: ["admin.>"] }
        allow_responses: true
    } }
    { user: bob, password: pw, permissions: { pub: "a", sub: ["b", "c.* workers"], allow_responses: { max: 5, expires: "1m" } } }
    { user: carol, password: pw2 }
  ]
}
no_auth_user: carol
`;
    const o = load(text).options;
    assert.equal(o.noAuthUser, "carol");
    assert.deepEqual(o.users, [
      { username: "alice", password: "$2a$11$abcdefghijklmnopqrstuv", permissions: {
        publish: { allow: ["orders.>", "x.*"], deny: ["orders.secret"] },
        subscribe: { allow: [], deny: ["admin.>"] },
        response: { maxMsgs: 1, expires: 0 },
      } },
      { username: "bob", password: "pw", permissions: {
        publish: { allow: ["a"], deny: [] },
        subscribe: { allow: ["b", "c.* workers"], deny: [] },
        response: { maxMsgs: 5, expires: 60_000 },
      } },
      { username: "carol", password: "pw2", permissions: {
        publish: { allow: ["_INBOX.>"], deny: [] }, subscribe: { allow: ["_INBOX.>"], deny: [] }, response: null,
      } },
    ]);
  });

  const bad: [string, string][] = [
    ["authorization {\n  usr: 1\n}\n", 'F:2:3: unknown field "usr"'],
    ["authorization { user: a, password: b, users: [{user: c, password: d}] }\n", "F:1:0: Can not have a single user/pass and a users array"],
    ["authorization { token: t, users: [{user: c, password: d}] }\n", "F:1:0: Can not have a token and a users array"],
    ["authorization {\n users: [\n  {password: d}\n ]\n}\n", "F:3:3: User entry requires a user"],
    ["authorization {\n users: [{user: c, password: d, bogus: 1}]\n}\n", 'F:2:33: unknown field "bogus"'],
    ["authorization {\n users: [{user: c, permissions: { foo: 1 }}]\n}\n", 'F:2:35: Unknown field "foo" parsing permissions'],
    ["authorization {\n users: [{user: c, permissions: { publish: \"a..b\" }}]\n}\n", 'F:2:35: subject "a..b" is not a valid subject'],
    ["authorization {\n users: [{user: c, permissions: { subscribe: \"a q r\" }}]\n}\n", 'F:2:35: subject "a q r" is not a valid subject'],
    ["authorization {\n users: [{user: c, permissions: { publish: \">.a\" }}]\n}\n", 'F:2:35: subject ">.a" is not a valid subject'],
    ["authorization {\n users: [{user: c, permissions: { publish: { allow: a, only: b } }}]\n}\n", "F:2:56: Unknown field name \"only\" parsing subject permissions, only 'allow' or 'deny' are permitted"],
    ["authorization { users: [1] }\n", "F:1:24: Expected user entry to be a map/struct, got int"],
    ["authorization: 5\n", 'F:1:0: field "authorization": expected map, got integer'],
    ["no_auth_user: foo\n", 'F:1:0: no_auth_user: "foo" present, but users are not defined'],
    ["authorization { users: [{user: a}] }\nno_auth_user: b\n", 'F:2:1: no_auth_user: "b" not present as user or nkey in authorization block or account configuration'],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(failure(text), message));
  }
});

describe("cluster", () => {
  it("reads every cluster key", () => {
    const o = load(`
cluster {
  name: east
  listen: 0.0.0.0:6222
  authorization { user: ruser, password: rpass, timeout: 0.5 }
  routes: [
    nats://ruser:rpass@10.0.0.2:6222
    "nats://10.0.0.3:6222"
  ]
  advertise: "10.0.0.1:6222"
  no_advertise: true
  connect_retries: 10
}
`).options;
    assert.deepEqual(o.cluster, {
      name: "east", host: "0.0.0.0", port: 6222, username: "ruser", password: "rpass", authTimeout: 500,
      routes: ["nats://ruser:rpass@10.0.0.2:6222", "nats://10.0.0.3:6222"], advertise: "10.0.0.1:6222",
      noAdvertise: true, connectRetries: 10,
    });
  });

  it("host and port instead of listen, and cluster_advertise", () => {
    assert.deepEqual(load("cluster { host: 127.0.0.1, port: -1, cluster_advertise: x:1 }\n").options.cluster,
      { host: "127.0.0.1", port: -1, advertise: "x:1" });
  });

  const bad: [string, string][] = [
    ["cluster { bogus: 1 }\n", 'F:1:10: unknown field "bogus"'],
    ["cluster {\n  authorization { users: [{user: a, password: b}] }\n}\n", "F:2:3: Cluster authorization does not allow multiple users"],
    ["cluster { routes: \"nats://a:1\" }\n", 'F:1:10: field "routes": expected array, got string'],
    ["cluster { routes: [\"::nope\"] }\n", 'F:1:10: error parsing route url ["::nope"]'],
    ["cluster { listen: \"localhost\" }\n", 'F:1:10: could not parse address string "localhost"'],
    ["cluster { port: 70000 }\n", "F:1:0: invalid cluster port 70000: must be between -1 and 65535"],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(failure(text), message));
  }
});

describe("errors name file, line and key", () => {
  const bad: [string, string][] = [
    ["port: 4333\nmax_paylod: 100\n", 'F:2:1: unknown field "max_paylod"'],
    ["\n\n   max_paylod = 1\n", 'F:3:4: unknown field "max_paylod"'],
    ["UNUSED = 1\n", 'F:1:0: unknown field "UNUSED"'],
    ["foo { bar: 1 }\n", 'F:1:0: unknown field "foo"'],
    ["max_payload: 10MB\nmax_pending: 1MB\n", "F:1:0: max_payload (10485760) cannot be higher than max_pending (1048576)"],
    ["max_payload: 100MB\n", "F:1:0: max_payload (104857600) cannot be higher than max_pending (67108864)"],
    ["max_payload: 1T\n", "F:1:0: max_payload value is too big"],
    ['port: "abc"\n', 'F:1:0: field "port": expected integer, got string'],
    ["port: 4222abc\n", 'F:1:0: field "port": expected integer, got string'],
    ["debug: 1\n", 'F:1:0: field "debug": expected boolean, got integer'],
    ["max_payload: 1.5\n", 'F:1:0: field "max_payload": expected integer, got float'],
    ['ping_interval: "2x"\n', 'F:1:0: error parsing ping_interval: time: unknown unit "x" in duration "2x"'],
    ["ping_interval: 1.5\n", 'F:1:0: field "ping_interval": expected duration (e.g. "2m"), got float'],
    ['write_deadline: "fast"\n', 'F:1:0: error parsing write_deadline: time: invalid duration "fast"'],
    ['lame_duck_duration: "5s"\n', "F:1:0: invalid lame_duck_duration of 5s, minimum is 30 seconds"],
    ['lame_duck_grace_period: "-1s"\n', "F:1:0: invalid lame_duck_grace_period, needs to be positive"],
    ['lame_duck_duration: "40s"\nlame_duck_grace_period: "50s"\n', "F:2:1: lame duck grace period (50s) should be strictly lower than lame duck duration (40s)"],
    ['listen: "localhost"\n', 'F:1:0: could not parse address string "localhost"'],
    ["port: 70000\n", "F:1:0: invalid port 70000: must be between -1 and 65535"],
    ["port: 1\nbad: 2\nworse: 3\n", 'F:2:1: unknown field "bad"\nF:3:1: unknown field "worse"'],
    ["tls { cert_fil: a }\n", 'F:1:6: error parsing tls config, unknown field ["cert_fil"]'],
    ["tls { verify: 1 }\n", "F:1:6: error parsing tls config, expected 'verify' to be a boolean"],
    ["tls { verify: true }\n", "F:1:0: error parsing tls config, 'cert_file' and 'key_file' are both required"],
    ["tls { cert_file: /nope.pem, key_file: /nope.key }\n", "F:1:0: error parsing X509 certificate/key pair: open /nope.pem: no such file or directory"],
    ["port: 1\nport: 2 x\n", "F:2:9: Expected a top-level value to end with a new line, comment or EOF, but got 'x' instead."],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(failure(text), message));
  }

  it("an error from an included file names that file", () => {
    write("max_paylod: 1\n", "inc-bad.conf");
    assert.equal(failure("port: 1\ninclude inc-bad.conf\n"), `${join(dir, "inc-bad.conf")}:1:0: unknown field "max_paylod"`);
  });
});

describe("tls with certificates made at run time", () => {
  let ca = "", cert = "", key = "", otherKey = "";
  before(() => {
    const ssl = (...args: string[]): void => { execFileSync("openssl", args, { cwd: dir, stdio: "ignore" }); };
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca", "-keyout", "ca.key", "-out", "ca.pem");
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
    ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-out", "server.pem");
    ssl("genrsa", "-out", "other.key", "2048");
    ca = join(dir, "ca.pem"); cert = join(dir, "server.pem"); key = join(dir, "server.key"); otherKey = join(dir, "other.key");
  });

  it("reads cert_file, key_file, ca_file, verify and timeout", () => {
    const o = load(`tls {\n cert_file: "${cert}"\n key_file: "${key}"\n ca_file: "${ca}"\n verify: true\n timeout: 0.75\n}\n`).options;
    assert.deepEqual(o, { tls: true, tlsCert: cert, tlsKey: key, tlsCaCert: ca, tlsVerify: true, tlsInsecure: false, tlsTimeout: 750 });
  });

  it("cluster tls", () => {
    const o = load(`cluster {\n port: 6222\n tls { cert_file: "${cert}", key_file: "${key}", ca_file: "${ca}", timeout: "3s" }\n}\n`).options;
    assert.deepEqual(o.cluster?.tls, { certFile: cert, keyFile: key, caFile: ca, verify: false, insecure: false, timeout: 3000 });
  });

  it("rejects a key that does not match the certificate", () => {
    assert.match(failure(`tls { cert_file: "${cert}", key_file: "${otherKey}" }\n`), /^F:1:0: error parsing X509 certificate\/key pair: .*/);
  });

  it("rejects a CA file that holds no certificate", () => {
    assert.equal(failure(`tls { cert_file: "${cert}", key_file: "${key}", ca_file: "${key}" }\n`), "F:1:0: failed to parse root ca certificate");
  });

  it("cipher_suites is accepted with a warning", () => {
    const l = load(`tls { cert_file: "${cert}", key_file: "${key}", cipher_suites: ["TLS_AES_128_GCM_SHA256"] }\n`);
    assert.equal(l.options.tls, true);
    assert.match(l.warnings[0]?.reason ?? "", /cipher_suites" is not supported/);
  });
});

describe("merge and validation", () => {
  const merged = (file: string, argv: string[]): ServerOptions =>
    mergeOptions(defaultOptions(), load(file).options, parseCommandLine(argv).overrides);

  it("flags override the file, the file overrides defaults", () => {
    const o = merged("port: 1111\nhost: 127.0.0.1\ndebug: true\nmax_payload: 2048\n", ["-p", "2222", "-D=false"]);
    assert.equal(o.port, 2222);
    assert.equal(o.host, "127.0.0.1");
    assert.equal(o.debug, false);
    assert.equal(o.maxPayload, 2048);
    assert.equal(o.maxPending, defaultOptions().maxPending);
  });

  it("cluster settings merge field by field", () => {
    const o = merged("cluster { name: a, port: 6222, routes: [\"nats://x:1\"], authorization { user: u, password: p } }\n",
      ["--cluster_name", "b"]);
    assert.deepEqual([o.cluster.name, o.cluster.port, o.cluster.routes, o.cluster.username], ["b", 6222, ["nats://x:1"], "u"]);
  });

  it("--cluster replaces the listen address and the route credentials", () => {
    const o = merged("cluster { port: 6222, authorization { user: u, password: p } }\n", ["--cluster", "nats://127.0.0.1:7222"]);
    assert.deepEqual([o.cluster.host, o.cluster.port, o.cluster.username, o.cluster.password], ["127.0.0.1", 7222, "", ""]);
  });

  it("monitoring binds to the client host unless given its own", () => {
    assert.equal(merged("host: 127.0.0.1\nhttp_port: 8222\n", []).httpHost, "127.0.0.1");
    assert.equal(merged("host: 127.0.0.1\nhttp: 10.0.0.1:8222\n", []).httpHost, "10.0.0.1");
    assert.equal(merged("http: 8222\n", ["-a", "127.0.0.2"]).httpHost, "127.0.0.2");
  });

  it("with TLS, an unset auth timeout is the TLS timeout plus one second (as nats-server's /varz shows)", () => {
    assert.equal(merged("port: 1\n", []).authTimeout, 2000);
    assert.equal(merged("port: 1\n", ["--tls", "--tlscert", "c", "--tlskey", "k"]).authTimeout, 3000);
    const file = { tls: true, tlsCert: "c", tlsKey: "k", tlsTimeout: 5000 };
    assert.equal(mergeOptions(defaultOptions(), file, {}).authTimeout, 6000);
    assert.equal(mergeOptions(defaultOptions(), { ...file, authTimeout: 1000 }, {}).authTimeout, 1000);
    const tls = { certFile: "c", keyFile: "k", caFile: "", verify: false, insecure: false, timeout: 4000 };
    assert.equal(mergeOptions(defaultOptions(), { cluster: { port: 6222, tls } }, {}).cluster.authTimeout, 5000);
    assert.equal(mergeOptions(defaultOptions(), { cluster: { port: 6222, tls, authTimeout: 500 } }, {}).cluster.authTimeout, 500);
  });

  it("TLS flags replace the file's TLS settings", () => {
    const o = merged("port: 1\n", ["--tlsverify", "--tlscert", "c", "--tlskey", "k"]);
    assert.deepEqual([o.tls, o.tlsVerify, o.tlsCert, o.tlsKey, o.tlsCaCert], [true, true, "c", "k", ""]);
  });

  it("defaults pass validation", () => {
    assert.deepEqual(validateOptions(defaultOptions()), []);
  });

  it("reports contradictions with nats-server's texts", () => {
    const o = { ...defaultOptions(), maxPayload: 10, maxPending: 5, lameDuckGracePeriod: 60_000, lameDuckDuration: 60_000 };
    assert.deepEqual(validateOptions(o).map((p) => p.message), [
      "max_payload (10) cannot be higher than max_pending (5)",
      "lame duck grace period (1m0s) should be strictly lower than lame duck duration (1m0s)",
    ]);
  });

  it("routes given by flag need a cluster listener", () => {
    const cli = parseCommandLine(["--routes", "nats://a:6222"]).overrides;
    const o = mergeOptions(defaultOptions(), {}, cli);
    assert.deepEqual(validateOptions(o, cli).map((p) => p.message), ["solicited routes require cluster capabilities, e.g. --cluster"]);
    const withCluster = parseCommandLine(["--routes", "nats://a:6222", "--cluster", "nats://0.0.0.0:6222"]).overrides;
    assert.deepEqual(validateOptions(mergeOptions(defaultOptions(), {}, withCluster), withCluster), []);
  });

  it("a user from the flags clashes with users from the file", () => {
    const o = merged("authorization { users: [{user: a, password: b}] }\n", ["--user", "x", "--pass", "y"]);
    assert.deepEqual(validateOptions(o).map((p) => p.message), ["Can not have a single user/pass and a users array"]);
  });
});

describe("Go durations", () => {
  const parsed: [string, number][] = [
    ["0", 0], ["2s", 2000], ["1m30s", 90_000], ["1.5h", 5_400_000], [".5s", 500], ["1h2m3.5s", 3_723_500],
    ["+5s", 5000], ["-5s", -5000], ["300ms", 300], ["1500us", 1.5], ["1500µs", 1.5], ["2000000ns", 2],
  ];
  for (const [text, ms] of parsed) it(`parses ${text}`, () => assert.equal(parseGoDuration(text), ms));

  const bad: [string, string][] = [
    ["", 'time: invalid duration ""'], ["5", 'time: missing unit in duration "5"'],
    ["5 s", 'time: unknown unit " s" in duration "5 s"'], ["s", 'time: invalid duration "s"'],
    ["1d", 'time: unknown unit "d" in duration "1d"'], [".s", 'time: invalid duration ".s"'],
  ];
  for (const [text, message] of bad) it(`rejects ${JSON.stringify(text)}`, () => assert.throws(() => parseGoDuration(text), { message }));

  const formatted: [number, string][] = [
    [0, "0s"], [2000, "2s"], [90_000, "1m30s"], [1500, "1.5s"], [60_000, "1m0s"], [3_600_000, "1h0m0s"],
    [300, "300ms"], [0.5, "500µs"], [-5000, "-5s"],
  ];
  for (const [ms, text] of formatted) it(`formats ${ms} ms as ${text}`, () => assert.equal(formatGoDuration(ms), text));
});
