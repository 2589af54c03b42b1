// Tests of the command-line parser: every nats-server 2.9 flag, Go flag syntax, and the errors for
// bad command lines (texts as Go's flag package and nats-server print them).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseCommandLine, TLS_HELP, UsageError, USAGE, type OptionOverrides } from "../src/config/cli.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile } from "../src/config/load.js";

function overrides(...argv: string[]): OptionOverrides {
  return parseCommandLine(argv).overrides;
}

describe("CLI flags map to options", () => {
  const table: [string[], OptionOverrides][] = [
    [["-a", "127.0.0.1"], { host: "127.0.0.1" }],
    [["--addr", "10.0.0.1"], { host: "10.0.0.1" }],
    [["--net=::1"], { host: "::1" }],
    [["-p", "4333"], { port: 4333 }],
    [["--port=0"], { port: 0 }],
    [["-p", "-1"], { port: -1 }],
    [["-n", "a"], { serverName: "a" }],
    [["--name", "b"], { serverName: "b" }],
    [["--server_name", "c"], { serverName: "c" }],
    [["-P", "/tmp/x.pid"], { pidFile: "/tmp/x.pid" }],
    [["--pid", "/tmp/y.pid"], { pidFile: "/tmp/y.pid" }],
    [["-m", "8222"], { httpPort: 8222 }],
    [["--http_port", "8223"], { httpPort: 8223 }],
    [["-ms", "8443"], { httpsPort: 8443 }],
    [["--https_port", "8444"], { httpsPort: 8444 }],
    [["--client_advertise", "x:4222"], { clientAdvertise: "x:4222" }],
    [["--ports_file_dir", "/tmp"], { portsFileDir: "/tmp" }],
    [["-l", "/tmp/a.log"], { logFile: "/tmp/a.log" }],
    [["--log", "/tmp/b.log"], { logFile: "/tmp/b.log" }],
    [["-T=false"], { logtime: false }],
    [["--logtime"], { logtime: true }],
    [["-s"], { syslog: true }],
    [["--syslog=true"], { syslog: true }],
    [["-r", "udp://h:514"], { remoteSyslog: "udp://h:514" }],
    [["--remote_syslog", "udp://g:514"], { remoteSyslog: "udp://g:514" }],
    [["-D"], { debug: true }],
    [["--debug"], { debug: true }],
    [["-V"], { trace: true }],
    [["--trace"], { trace: true }],
    [["-DV"], { debug: true, trace: true }],
    [["-DV=false"], { debug: false, trace: false }],
    [["-VV"], { trace: true, traceVerbose: true }],
    [["-DVV"], { debug: true, trace: true, traceVerbose: true }],
    [["--log_size_limit", "1048576"], { logSizeLimit: 1048576 }],
    [["--max_traced_msg_len", "64"], { maxTracedMsgLen: 64 }],
    [["--user", "u", "--pass", "p"], { username: "u", password: "p" }],
    [["--auth", "s3cr3t"], { authorization: "s3cr3t" }],
    [["--cluster_name", "east"], { cluster: { name: "east" } }],
    [["--no_advertise"], { cluster: { noAdvertise: true } }],
    [["--no_advertise=false"], { cluster: { noAdvertise: false } }],
    [["--cluster_advertise", "h:6222"], { cluster: { advertise: "h:6222" } }],
    [["--connect_retries", "5"], { cluster: { connectRetries: 5 } }],
    [["--routes", "nats://a:6222, nats://b:6222"], { cluster: { routes: ["nats://a:6222", "nats://b:6222"] } }],
    [["--routes="], { cluster: { routes: [] } }],
  ];
  for (const [argv, want] of table) {
    it(argv.join(" "), () => {
      assert.deepEqual(overrides(...argv), want);
    });
  }
});

describe("Go flag syntax", () => {
  it("accepts one or two dashes, `=value` and a separate value", () => {
    for (const argv of [["-p", "5"], ["--p", "5"], ["-p=5"], ["--p=5"], ["-port", "5"], ["--port=5"]]) {
      assert.equal(overrides(...argv).port, 5, argv.join(" "));
    }
  });

  it("reads integers as Go does: hex, octal, underscores", () => {
    assert.equal(overrides("-p", "0x10").port, 16);
    assert.equal(overrides("-p", "010").port, 8);
    assert.equal(overrides("-p", "4_222").port, 4222);
    assert.equal(overrides("-p", "+7").port, 7);
  });

  it("reads booleans as strconv.ParseBool", () => {
    for (const t of ["1", "t", "T", "true", "TRUE", "True"]) assert.equal(overrides(`-D=${t}`).debug, true, t);
    for (const f of ["0", "f", "F", "false", "FALSE", "False"]) assert.equal(overrides(`-D=${f}`).debug, false, f);
  });

  it("lets the last occurrence win", () => {
    assert.equal(overrides("-p", "1", "-p", "2").port, 2);
    assert.deepEqual(overrides("-DV", "-D=false"), { debug: false, trace: true });
  });

  it("takes a value that starts with a dash", () => {
    assert.equal(overrides("--user", "-x").username, "-x");
  });

  it("stops at `--` and at the first non-flag", () => {
    assert.equal(parseCommandLine(["-p", "1", "--", "version"]).showVersion, true);
    assert.throws(() => parseCommandLine(["-D", "false"]), { message: 'unrecognized command: "false"' });
  });
});

describe("non-option flags", () => {
  it("config file and -t", () => {
    const cl = parseCommandLine(["-c", "/etc/nats.conf", "-t"]);
    assert.equal(cl.configFile, "/etc/nats.conf");
    assert.equal(cl.checkConfig, true);
    assert.equal(parseCommandLine(["--config=/x.conf"]).configFile, "/x.conf");
  });

  it("help and version, as flags and as commands", () => {
    assert.equal(parseCommandLine(["-h"]).showHelp, true);
    assert.equal(parseCommandLine(["--help"]).showHelp, true);
    assert.equal(parseCommandLine(["help"]).showHelp, true);
    assert.equal(parseCommandLine(["-v"]).showVersion, true);
    assert.equal(parseCommandLine(["--version"]).showVersion, true);
    assert.equal(parseCommandLine(["VERSION"]).showVersion, true);
    assert.equal(parseCommandLine(["--help_tls"]).showTlsHelp, true);
  });

  it("signals with an optional pid or pid file", () => {
    assert.deepEqual(parseCommandLine(["-sl", "reload"]).signal, { command: "reload" });
    assert.deepEqual(parseCommandLine(["--signal", "ldm=123"]).signal, { command: "ldm", pid: "123" });
    assert.deepEqual(parseCommandLine(["--signal=stop=/var/run/x.pid"]).signal, { command: "stop", pid: "/var/run/x.pid" });
    for (const c of ["quit", "term", "reopen"]) assert.equal(parseCommandLine(["-sl", c]).signal?.command, c);
    assert.throws(() => parseCommandLine(["-sl", "foo"]), { message: 'unknown signal "foo"' });
    assert.throws(() => parseCommandLine(["--signal=RELOAD=1"]), { message: 'unknown signal "RELOAD"' });
  });

  it("JetStream and profiling flags are accepted with a warning", () => {
    const cl = parseCommandLine(["-js", "-sd", "/data", "--profile", "6060"]);
    assert.deepEqual(cl.overrides, {});
    assert.equal(cl.warnings.length, 3);
    assert.match(cl.warnings[0] ?? "", /-js .*ignores it/);
  });
});

describe("TLS flags", () => {
  it("--tls with a certificate and key", () => {
    assert.deepEqual(overrides("--tls", "--tlscert", "c.pem", "--tlskey", "k.pem"),
      { tls: true, tlsVerify: false, tlsCert: "c.pem", tlsKey: "k.pem", tlsCaCert: "" });
  });

  it("--tlsverify implies TLS and takes a CA", () => {
    assert.deepEqual(overrides("--tlsverify", "--tlscert=c", "--tlskey=k", "--tlscacert=ca"),
      { tls: true, tlsVerify: true, tlsCert: "c", tlsKey: "k", tlsCaCert: "ca" });
  });

  it("any TLS flag needs both a certificate and a key", () => {
    assert.throws(() => parseCommandLine(["--tls"]), { message: "TLS Server certificate must be present and valid" });
    assert.throws(() => parseCommandLine(["--tlscert", "c"]), { message: "TLS Server private key must be present and valid" });
  });

  it("--tls=false turns TLS off", () => {
    assert.deepEqual(overrides("--tls=false"), { tls: false, tlsVerify: false });
  });
});

describe("cluster flags", () => {
  it("--cluster sets host and port and clears route credentials", () => {
    assert.deepEqual(overrides("--cluster", "nats://127.0.0.1:6222"),
      { cluster: { host: "127.0.0.1", port: 6222, username: "", password: "" } });
  });

  it("--cluster_listen takes credentials and a random port", () => {
    assert.deepEqual(overrides("--cluster_listen", "nats://ruser:T0p@0.0.0.0:-1"),
      { cluster: { host: "0.0.0.0", port: -1, username: "ruser", password: "T0p" } });
  });

  it("an empty --cluster turns the listener off", () => {
    assert.deepEqual(overrides("--cluster="), { cluster: { port: 0 } });
  });

  it("rejects a user without a password and a URL without a port", () => {
    assert.throws(() => parseCommandLine(["--cluster", "nats://u@h:6222"]), /expected cluster password to be set/);
    assert.throws(() => parseCommandLine(["--cluster", "nats://h"]), /missing port in address/);
  });

  it("rejects a route that is not a URL", () => {
    assert.throws(() => parseCommandLine(["--routes", "not a url"]), (e: unknown) =>
      e instanceof UsageError && /invalid value "not a url" for flag -routes/.test(e.message));
  });
});

describe("bad command lines", () => {
  const bad: [string[], string][] = [
    [["--bogus"], "flag provided but not defined: -bogus"],
    [["-x=1"], "flag provided but not defined: -x"],
    [["-p"], "flag needs an argument: -p"],
    [["-p", "abc"], 'invalid value "abc" for flag -p: parse error'],
    [["-p", "4222x"], 'invalid value "4222x" for flag -p: parse error'],
    [["-m", "1.5"], 'invalid value "1.5" for flag -m: parse error'],
    [["-D=maybe"], 'invalid boolean value "maybe" for -D: parse error'],
    [["---p", "1"], "bad flag syntax: ---p"],
    [["-=x"], "bad flag syntax: -=x"],
    [["foo"], 'unrecognized command: "foo"'],
    [["-t"], "must specify [-c, --config] option to check configuration file syntax"],
  ];
  for (const [argv, message] of bad) {
    it(argv.join(" "), () => {
      assert.throws(() => parseCommandLine(argv), (e: unknown) => e instanceof UsageError && e.message === message);
    });
  }
});

describe("usage text", () => {
  it("lists every flag nats-server 2.9 documents", () => {
    const flags = ["-a, --addr, --net", "-p, --port", "-n, --name", "--server_name", "-P, --pid", "-m, --http_port",
      "-ms,--https_port", "-c, --config", "-t ", "-sl,--signal", "--client_advertise", "--ports_file_dir",
      "-l, --log", "-T, --logtime", "-s, --syslog", "-r, --remote_syslog", "-D, --debug", "-V, --trace", "-VV",
      "-DV", "-DVV", "--log_size_limit", "--max_traced_msg_len", "-js, --jetstream", "-sd, --store_dir", "--user",
      "--pass", "--auth", "--tls ", "--tlscert", "--tlskey", "--tlsverify", "--tlscacert", "--routes", "--cluster ",
      "--cluster_name", "--no_advertise", "--cluster_advertise", "--connect_retries", "--cluster_listen",
      "--profile", "-h, --help", "-v, --version", "--help_tls"];
    for (const f of flags) assert.ok(USAGE.includes(f), `USAGE lacks ${f}`);
    assert.match(USAGE, /^\nUsage: skein-server \[options\]\n/);
  });

  it("every flag in the usage text parses", () => {
    const names = new Set<string>();
    for (const m of USAGE.matchAll(/(?<=[\s,])--?([A-Za-z_]+)/g)) names.add(m[1] ?? "");
    assert.ok(names.size > 40, `found only ${names.size} flags`);
    for (const n of names) {
      const argv = [`-${n}=1`];
      try {
        parseCommandLine(argv);
      } catch (e) {
        // Only errors about the value or about TLS/-t requirements are fine here: the flag exists.
        assert.ok(!(e as Error).message.startsWith("flag provided but not defined"), `-${n}: ${(e as Error).message}`);
      }
    }
  });
});

describe("TLS help", () => {
  it("shows a tls block that the loader reads", () => {
    const block = /\n {4}tls \{[\s\S]*?\n {4}\}/.exec(TLS_HELP)?.[0] ?? "";
    assert.ok(block.includes("cert_file") && block.includes("verify"), TLS_HELP);
    const dir = mkdtempSync(join(tmpdir(), "skein-tlshelp-"));
    try {
      const p = join(dir, "t.conf");
      writeFileSync(p, block.replace(/cert_file.*\n/, "").replace(/key_file.*\n/, "").replace(/ca_file.*\n/, "") + "\n");
      // Without the files the loader must complain about them, and about nothing else.
      assert.throws(() => loadConfigFile(p, { env: {} }), /'cert_file' and 'key_file' are both required$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
