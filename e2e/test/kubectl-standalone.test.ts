// The standalone fake API server (main.ts): prints its URL and kubeconfig, serves kubectl, and exits
// cleanly on SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CRD_PATH } from "./fake-apiserver-helpers.js";

const MAIN = fileURLToPath(new URL("../fake-apiserver/main.ts", import.meta.url));

test("main.ts --port 0 --crd prints its URL and kubeconfig and serves kubectl until SIGTERM", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "--port", "0", "--crd", CRD_PATH], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (c: Buffer) => { out += c.toString(); if (/kubeconfig: \S+\n/.test(out)) resolve(); });
    child.on("exit", () => reject(new Error(`exited early: ${out}`)));
  });
  const [url, kc] = out.trim().split("\n");
  assert.match(url ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
  const kubeconfig = (kc ?? "").replace(/^kubeconfig: /, "");
  const cache = mkdtempSync(join(tmpdir(), "kubectl-cache-"));
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile("/usr/bin/kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", cache, "get", "crd", "-o", "name"], { timeout: 60_000 },
      (err, so, se) => (err ? reject(new Error(se)) : resolve(so)));
  });
  rmSync(cache, { recursive: true, force: true });
  assert.equal(stdout.trim(), "customresourcedefinition.apiextensions.k8s.io/natsclusters.skein.dev");
  child.kill("SIGTERM");
  assert.equal(await exited, 0);
});

test("main.ts refuses a bad argument with usage", async () => {
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(process.execPath, ["--import", "tsx", MAIN, "--port", "x"], (err, _so, se) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stderr: se }));
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad port: x\nusage:/);
});
