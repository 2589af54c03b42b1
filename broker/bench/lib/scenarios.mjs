// The benchmark scenarios (issue 2). msgs: messages published in total (or
// requests, for reqrep) in a full run; quick: the same for --quick.
// pin: false runs the scenario without taskset (see README: request-reply
// latency was lower unpinned).
// Optional fields for multi-node scenarios: nodes, nodeArgs(kind, i,
// { clientPorts, routePorts }), pubNode, subNode (indexes into the started
// servers; the load generator waits until the subscriptions reach pubNode).
export const SCENARIOS = [
  { id: "pub", label: "pub only, 16 B", mode: "flow", pubs: 1, subs: 0, size: 16, msgs: 5_000_000, quick: 1_000_000 },
  { id: "pubsub", label: "1:1, 16 B", mode: "flow", pubs: 1, subs: 1, size: 16, msgs: 3_000_000, quick: 600_000 },
  { id: "fanout4", label: "1 pub → 4 subs, 16 B", mode: "flow", pubs: 1, subs: 4, size: 16, msgs: 1_500_000, quick: 300_000 },
  { id: "queue4", label: "1 pub → queue of 4, 16 B", mode: "flow", pubs: 1, subs: 4, queue: "q", size: 16, msgs: 2_000_000, quick: 300_000 },
  { id: "pubsub1k", label: "1:1, 1 KiB", mode: "flow", pubs: 1, subs: 1, size: 1024, msgs: 600_000, quick: 100_000 },
  { id: "reqrep", label: "request-reply, 16 B", mode: "reqrep", pin: false, size: 16, msgs: 20_000, quick: 3_000 },
  { id: "pub2sub2", label: "2 pubs → 2 subs, 16 B", mode: "flow", pubs: 2, subs: 2, size: 16, msgs: 3_000_000, quick: 500_000 },
  {
    id: "mesh3", label: "3-node mesh, pub on A → sub on B, 16 B", mode: "flow", pubs: 1, subs: 1, size: 16,
    msgs: 2_000_000, quick: 400_000, nodes: 3, pubNode: 0, subNode: 1, nodeArgs: meshArgs,
  },
];

/** Node i of a full mesh on 127.0.0.1: its route listener, and every other node as a route. */
function meshArgs(_kind, i, { routePorts }) {
  const url = (p) => `nats://127.0.0.1:${p}`;
  const others = routePorts.filter((_, j) => j !== i).map(url);
  return ["--cluster_name", "bench", "--cluster", url(routePorts[i]), "--routes", others.join(",")];
}

/** The id of the idle-connection memory measurement, selectable with --only. */
export const IDLE_ID = "idle";

/**
 * Messages the server delivered to subscribers in one run (for CPU per
 * message). Pub-only counts the messages it received; a request-reply round
 * trip counts two deliveries (the request and the reply).
 */
export function deliveredMsgs(scenario, result) {
  if (scenario.mode === "reqrep") return 2 * result.received;
  return scenario.subs > 0 ? result.received : result.sent;
}

/** The throughput figure compared between servers, in msgs/s. */
export function throughput(scenario, result) {
  if (scenario.mode === "reqrep") return result.received_per_sec;
  return scenario.subs > 0 ? result.received_per_sec : result.sent_per_sec;
}
