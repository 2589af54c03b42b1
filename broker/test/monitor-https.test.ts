// HTTPS monitoring (https_port) with the client TLS certificate, made at run time: served over
// TLS, logged as nats-server logs it, and open to callers without a client certificate even when
// client connections must present one (nats-server does not ask monitoring clients for one).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HOST, startSkein, type SkeinMonitored } from "./monitor-support.js";

const dir = mkdtempSync(join(tmpdir(), "skein-monitor-https-"));

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => { body += d; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("HTTPS monitoring", { timeout: 60_000 }, () => {
  let m: SkeinMonitored;
  let ca: Buffer;

  before(async () => {
    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca", "-keyout", "ca.key", "-out", "ca.pem");
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
    writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
      "-extfile", "san.ext", "-out", "server.pem");
    ca = readFileSync(join(dir, "ca.pem"));
    m = await startSkein({
      httpPort: 0, httpsPort: -1, tls: true, tlsVerify: true,
      tlsCert: join(dir, "server.pem"), tlsKey: join(dir, "server.key"), tlsCaCert: join(dir, "ca.pem"),
    });
  });
  after(async () => {
    await m.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves /varz over TLS on https_port and logs an https monitor", async () => {
    assert.match(m.http, /^https:\/\//);
    const port = new URL(m.http).port;
    assert.ok(m.log.lines.includes(`[INF] Starting https monitor on ${HOST}:${port}`), m.log.lines.join("\n"));
    const r = await httpsGet(`${m.http}/varz`, ca);
    assert.equal(r.status, 200);
    assert.equal(r.type, "application/json");
    const v = JSON.parse(r.body) as Record<string, unknown>;
    assert.equal(v["https_port"], -1);
    assert.equal(v["http_port"], 0);
    assert.equal(v["tls_required"], true);
    assert.equal(v["tls_verify"], true);
  });

  it("does not ask monitoring callers for a client certificate", async () => {
    const r = await httpsGet(`${m.http}/healthz`, ca);
    assert.deepEqual(JSON.parse(r.body), { status: "ok" });
  });

  it("refuses plain HTTP on the HTTPS port", async () => {
    const plain = m.http.replace(/^https:/, "http:");
    const outcome = await fetch(`${plain}/varz`).then((res) => `status ${res.status}`, () => "refused");
    assert.notEqual(outcome, "status 200");
  });
});
