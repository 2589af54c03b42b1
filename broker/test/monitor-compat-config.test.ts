// One config file with users, client TLS, limits, a server name and a cluster block, loaded by
// nats-server 2.9 and by skein: /varz and /connz (with auth, TLS and user filters) must have the
// same keys in the same order, and the values that come from the config must agree.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigFile, mergeOptions } from "../src/config/load.js";
import { defaultOptions } from "../src/options.js";
import { getJson, list, nats, natsServerSkip, shape, startNatsServer, startSkein, waitFor, type Json, type Monitored } from "./monitor-support.js";

const dir = mkdtempSync(join(tmpdir(), "skein-monitor-conf-"));

function makeCerts(): void {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca", "-keyout", "ca.key", "-out", "ca.pem");
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
    "-extfile", "san.ext", "-out", "server.pem");
}

function config(): string {
  return `
server_name: "monitored-1"
max_subscriptions: 100
max_connections: 1000
ping_interval: "30s"
write_deadline: "3s"
max_payload: 65536
authorization {
  timeout: 3
  users: [
    { user: alice, password: pw }
    { user: bob, password: pw, permissions: { publish: "foo" } }
  ]
}
tls { cert_file: "${join(dir, "server.pem")}", key_file: "${join(dir, "server.key")}", timeout: 4 }
cluster { name: C1, host: 127.0.0.1, port: -1, routes: ["nats://127.0.0.1:1"], authorization { user: r, password: p, timeout: 2 } }
`;
}

interface Seen {
  [path: string]: { [k: string]: Json };
}

async function scenario(m: Monitored): Promise<Seen> {
  const tls = { ca: readFileSync(join(dir, "ca.pem"), "utf8") };
  const alice = await nats(m, { name: "alice-app", user: "alice", pass: "pw", tls });
  const bob = await nats(m, { name: "bob-app", user: "bob", pass: "pw", tls });
  try {
    alice.subscribe("foo");
    await alice.flush();
    bob.publish("foo", "x");
    await bob.flush();
    await assert.rejects(nats(m, { user: "alice", pass: "wrong", tls }));
    await waitFor(async () => ((await getJson(m.http, "/connz?state=closed")).total === 1 ? true : undefined), 10_000, "the refused connection in the closed list");
    const seen: Seen = {};
    for (const p of ["/varz", "/connz?auth=true", "/connz?auth=1&state=any&subs=detail", "/connz?auth=1&user=alice", "/connz"]) {
      seen[p] = await getJson(m.http, p);
    }
    return seen;
  } finally {
    await alice.close();
    await bob.close();
  }
}

describe("monitoring of a configured server matches nats-server 2.9", { skip: natsServerSkip, timeout: 120_000 }, () => {
  let ref: Seen, ours: Seen;
  let refServer: Monitored | null = null, ourServer: Monitored | null = null;

  before(async () => {
    makeCerts();
    const file = join(dir, "server.conf");
    writeFileSync(file, config());
    refServer = await startNatsServer(config());
    ref = await scenario(refServer);
    const loaded = loadConfigFile(file);
    const opts = mergeOptions(defaultOptions(), loaded.options, { host: "127.0.0.1", port: 0, httpHost: "127.0.0.1", httpPort: -1 });
    ourServer = await startSkein(opts);
    ours = await scenario(ourServer);
  });
  after(async () => {
    await refServer?.stop();
    await ourServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const varzShape = (s: Seen) => {
    const { http_req_stats: _h, ...rest } = s["/varz"] ?? {};
    return shape(rest);
  };

  it("/varz has nats-server's keys, in its order (auth, TLS, limits, cluster)", () => {
    assert.deepEqual(varzShape(ours), varzShape(ref));
  });

  it("/varz reports the configured values as nats-server does", () => {
    const pick = (s: Seen) => {
      const v = s["/varz"] ?? {};
      const c = (v["cluster"] ?? {}) as { [k: string]: Json };
      return [v["server_name"], v["auth_required"], v["tls_required"], v["max_connections"], v["max_subscriptions"],
        v["ping_interval"], v["write_deadline"], v["max_payload"], v["auth_timeout"], v["tls_timeout"], v["connections"],
        c["name"], c["addr"], c["auth_timeout"], c["urls"], c["tls_timeout"]];
    };
    assert.deepEqual(pick(ours), pick(ref));
  });

  for (const p of ["/connz?auth=true", "/connz?auth=1&state=any&subs=detail", "/connz?auth=1&user=alice", "/connz"]) {
    it(`${p} has nats-server's keys, in its order`, () => {
      assert.deepEqual(shape(ours[p] ?? null), shape(ref[p] ?? null));
    });
  }

  const users = (s: Seen, p: string) => list(s[p]?.["connections"] ?? null)
    .map((ci) => [ci["name"] ?? null, ci["authorized_user"] ?? null, ci["reason"] ?? null, ci["tls_version"]]);

  it("auth=true names each connection's user; user= filters by it; TLS is reported", () => {
    const open = (s: Seen) => users(s, "/connz?auth=1&state=any&subs=detail").filter((u) => u[2] === null);
    assert.deepEqual(open(ours), open(ref));
    assert.deepEqual(users(ours, "/connz?auth=1&user=alice"), users(ref, "/connz?auth=1&user=alice"));
    for (const ci of list(ours["/connz"]?.["connections"] ?? null)) {
      assert.equal(ci["authorized_user"], undefined, "authorized_user only with auth=true");
      assert.match(String(ci["tls_cipher_suite"]), /^TLS_/);
    }
  });

  it("a connection refused for bad credentials is listed closed with the user it tried", () => {
    const refused = (s: Seen) => users(s, "/connz?auth=1&state=any&subs=detail").filter((u) => u[2] !== null);
    assert.deepEqual(refused(ours), refused(ref));
  });
});

describe("authorized_user under token auth matches nats-server 2.9", { skip: natsServerSkip, timeout: 60_000 }, () => {
  const servers: Monitored[] = [];
  after(async () => { for (const s of servers) await s.stop(); });

  it("shows the token as nats-server 2.9 does", async () => {
    const users = async (m: Monitored) => {
      servers.push(m);
      const nc = await nats(m, { name: "with-token", token: "s3cret" });
      try {
        const z = await getJson(m.http, "/connz?auth=1");
        return list(z["connections"]).map((ci) => [ci["name"], ci["authorized_user"] ?? null]);
      } finally {
        await nc.close();
      }
    };
    const ref = await users(await startNatsServer("authorization { token: s3cret }"));
    const ours = await users(await startSkein({ authorization: "s3cret" }));
    assert.deepEqual(ours, ref);
  });
});
