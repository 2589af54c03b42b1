// events.k8s.io/v1 Events share storage with core/v1 Events, as on a real cluster: stored in the core
// shape and converted on the way in and out, so `kubectl get events` shows events written either way.
import type { JsonObject } from "./json.js";

const V1_TO_CORE: [string, string][] = [
  ["regarding", "involvedObject"], ["note", "message"], ["deprecatedSource", "source"],
  ["deprecatedFirstTimestamp", "firstTimestamp"], ["deprecatedLastTimestamp", "lastTimestamp"],
  ["deprecatedCount", "count"], ["reportingController", "reportingComponent"],
];

function move(o: JsonObject, pairs: [string, string][]): JsonObject {
  const out: JsonObject = { ...o };
  for (const [from, to] of pairs) {
    if (from in out) {
      out[to] = out[from];
      delete out[from];
    }
  }
  return out;
}

export function isEventsV1(t: { group: string; plural: string }): boolean {
  return t.group === "events.k8s.io" && t.plural === "events";
}

export function toCoreEvent(o: JsonObject): JsonObject {
  return move(o, V1_TO_CORE);
}

export function fromCoreEvent(o: JsonObject): JsonObject {
  return move(o, V1_TO_CORE.map(([a, b]) => [b, a]));
}

/** Field selector names of events.k8s.io/v1 in terms of the stored core shape. */
export function coreEventField(field: string): string {
  if (field.startsWith("regarding.")) return `involvedObject.${field.slice("regarding.".length)}`;
  const pair = V1_TO_CORE.find(([v1]) => v1 === field);
  return pair ? pair[1] : field;
}
