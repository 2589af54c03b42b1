#!/usr/bin/env node
// Runs every *.test.ts under the given folders (default: broker/test, operator/test, e2e) with
// Node's own test runner and tsx. Node 20 has no glob support in --test, so we list the files here.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const roots = process.argv.slice(2);
const dirs = roots.length ? roots : ["broker/test", "operator/test", "e2e"];
const files = [];
function walk(p) {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return;
  if (st.isFile()) { if (p.endsWith(".test.ts")) files.push(p); return; }
  for (const e of readdirSync(p)) if (e !== "node_modules" && e !== "dist") walk(join(p, e));
}
dirs.forEach(walk);
files.sort();
if (files.length === 0) { console.error("no test files found in", dirs.join(", ")); process.exit(1); }
const r = spawnSync(process.execPath,
  ["--import", "tsx", "--test", "--test-timeout=180000", ...files],
  { stdio: "inherit" });
process.exit(r.status ?? 1);
