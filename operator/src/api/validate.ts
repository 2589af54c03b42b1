// Checks the CRD schema cannot express (or that an API server without CEL would let through). The
// controller reports the problems in the Degraded condition instead of building broken children.
import type { NatsCluster } from "./types.js";
import { withDefaults } from "./defaults.js";

/** Longest cluster name whose pods' controller-revision-hash label value (name-<10 chars>) fits in 63. */
export const MAX_NAME_LENGTH = 52;

/** The problems with a NatsCluster, one sentence each; empty when it can be built. */
export function validateNatsCluster(nc: NatsCluster): string[] {
  const problems: string[] = [];
  const name = nc.metadata.name ?? "";
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    problems.push(`metadata.name "${name}" must be a DNS label (lower-case letters, digits and '-') for the pods' host names`);
  } else if (name.length > MAX_NAME_LENGTH) {
    problems.push(`metadata.name "${name}" is longer than ${MAX_NAME_LENGTH} characters, too long for the StatefulSet's pod labels`);
  }
  const spec = withDefaults(nc.spec ?? {});
  if (!Number.isInteger(spec.size) || spec.size < 0) problems.push(`spec.size must be a whole number >= 0, not ${spec.size}`);
  if (spec.lameDuckDurationSeconds < 30) {
    problems.push(`spec.lameDuckDurationSeconds must be at least 30 (nats-server's minimum), not ${spec.lameDuckDurationSeconds}`);
  }
  const c = spec.natsConfig;
  if (c?.maxPayload !== undefined && c.maxPending !== undefined && c.maxPayload > c.maxPending) {
    problems.push(`spec.natsConfig.maxPayload (${c.maxPayload}) cannot be higher than maxPending (${c.maxPending})`);
  }
  (spec.extraRoutes ?? []).forEach((r, i) => {
    if ((r.cluster === undefined) === (r.route === undefined)) {
      problems.push(`spec.extraRoutes[${i}] must set exactly one of cluster and route`);
    } else if (r.cluster === name) {
      problems.push(`spec.extraRoutes[${i}].cluster names this cluster itself`);
    }
  });
  return problems;
}
