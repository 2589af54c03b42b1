import { test } from "node:test";
import assert from "node:assert/strict";
import { child, converged, createCluster, startEnv, waitFor, NS, type Env, type Obj } from "./reconcile-harness.js";
import type { OperatorOptions, RunningOperator } from "../src/main.js";

const LEASE = { leaseName: "skein-operator", leaseNamespace: NS };
const TIMING: Partial<OperatorOptions> = { leaderElect: true, ...LEASE, leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };

interface Interval { who: string; from: number; to: number }

/** Starts an operator that logs its leadership intervals (open intervals end at Infinity). */
async function elected(env: Env, who: string, log: Interval[]): Promise<RunningOperator> {
  return env.startOp({ ...TIMING, identity: who, onLeaderChange: (leading) => {
    if (leading) log.push({ who, from: Date.now(), to: Infinity });
    else { const open = [...log].reverse().find((i) => i.who === who && i.to === Infinity); if (open) open.to = Date.now(); }
  } });
}

function assertNoOverlap(log: Interval[]): void {
  const sorted = [...log].sort((a, b) => a.from - b.from);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!, cur = sorted[i]!;
    assert.ok(prev.to <= cur.from, `${prev.who} led until ${prev.to} but ${cur.who} started at ${cur.from}`);
  }
}

async function lease(env: Env): Promise<Obj> {
  return JSON.parse(JSON.stringify(await env.coordination.readNamespacedLease({ namespace: NS, name: LEASE.leaseName }))) as Obj;
}

async function operatorWrites(op: RunningOperator): Promise<number> {
  const got = await op.metrics.writes.get();
  return got.values.filter((v) => v.labels.resource !== "leases").reduce((a, v) => a + v.value, 0);
}

test("two replicas: only the Lease holder acts; on a graceful stop the other takes over at once", async () => {
  const env = await startEnv();
  const log: Interval[] = [];
  try {
    const a = await elected(env, "op-a", log);
    await waitFor("op-a leads", () => a.isLeader());
    const b = await elected(env, "op-b", log);
    const l0 = await lease(env);
    assert.equal(l0.spec.holderIdentity, "op-a");
    assert.equal(l0.spec.leaseDurationSeconds, 3);
    assert.match(l0.spec.renewTime as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, "MicroTime with microseconds");
    await createCluster(env, "demo", { size: 3 });
    await converged(env, a, "demo");
    // Several retry periods later op-b still only watches.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(b.isLeader(), false);
    assert.equal(await operatorWrites(b), 0, "the follower wrote nothing");
    assert.ok(await operatorWrites(a) > 0);
    const renewed = await lease(env);
    assert.notEqual(renewed.spec.renewTime, l0.spec.renewTime, "the leader keeps renewing");

    await a.stop();
    // A graceful stop releases the Lease (holder cleared), so the peer need not wait for it to expire.
    const released = await lease(env);
    assert.ok(released.spec.holderIdentity === "" || released.spec.holderIdentity === "op-b", `holder after stop: ${String(released.spec.holderIdentity)}`);
    await waitFor("op-b leads", () => b.isLeader());
    const l1 = await lease(env);
    assert.equal(l1.spec.holderIdentity, "op-b");
    assert.equal(l1.spec.leaseTransitions, (l0.spec.leaseTransitions as number) + 1);
    // The new leader acts: drift is repaired.
    await env.core.deleteNamespacedConfigMap({ namespace: NS, name: "demo-config" });
    await waitFor("op-b restored the ConfigMap", () => child(env, "ConfigMap", "demo-config"));
    assert.ok(await operatorWrites(b) > 0);
    assertNoOverlap(log);
  } finally {
    await env.stop();
  }
});

test("a leader that cannot renew stops acting by its renew deadline, and leadership never overlaps", async () => {
  const env = await startEnv();
  const log: Interval[] = [];
  try {
    const a = await elected(env, "op-a", log);
    await waitFor("op-a leads", () => a.isLeader());
    const b = await elected(env, "op-b", log);
    await createCluster(env, "demo", { size: 3 });
    await converged(env, a, "demo");
    // Every Lease update fails from now on: op-a cannot renew and op-b cannot take over.
    env.fake.faults.inject({ verb: "update", resource: "leases", status: 500, count: 100_000 });
    const cutAt = Date.now();
    await waitFor("op-a stops leading", () => !a.isLeader(), 10_000);
    const lostAfter = Date.now() - cutAt;
    // It must stop before the Lease (3 s) could expire for a peer; the renew deadline is 2 s.
    assert.ok(lostAfter < 3000, `stopped ${lostAfter} ms after renewals began to fail`);
    // Nobody leads, so nobody acts: a deleted child stays deleted.
    await env.core.deleteNamespacedService({ namespace: NS, name: "demo" });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(a.isLeader() || b.isLeader(), false);
    assert.equal(await child(env, "Service", "demo"), undefined, "no replica acted without the Lease");
    env.fake.faults.clear();
    await waitFor("a leader again", () => a.isLeader() || b.isLeader(), 15_000);
    await waitFor("the client Service is back", () => child(env, "Service", "demo"), 15_000);
    assertNoOverlap(log);
    assert.ok(log.length >= 2);
  } finally {
    await env.stop();
  }
});
