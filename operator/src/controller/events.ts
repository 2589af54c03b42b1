// Kubernetes Events (core/v1) for what the operator does to a NatsCluster. Best effort: a failed
// Event never fails a reconcile.
import { randomBytes } from "node:crypto";
import type { KubeApi, KubeObject } from "./kube-api.js";
import { errorMessage } from "./kube-api.js";
import type { Logger } from "../log.js";

export type EventType = "Normal" | "Warning";

export const EVENT_COMPONENT = "skein-operator";

export class EventRecorder {
  constructor(private readonly api: KubeApi, private readonly log: Logger, private readonly instance: string) {}

  async record(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace ?? "default";
    const now = new Date();
    const body = {
      apiVersion: "v1", kind: "Event",
      metadata: { name: `${meta.name ?? "unknown"}.${now.getTime().toString(16)}${randomBytes(3).toString("hex")}`, namespace },
      involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: meta.name, namespace, uid: meta.uid, resourceVersion: meta.resourceVersion },
      reason, message, type,
      source: { component: EVENT_COMPONENT },
      reportingComponent: EVENT_COMPONENT,
      reportingInstance: this.instance,
      firstTimestamp: now, lastTimestamp: now, count: 1,
    };
    try {
      await this.api.createEvent(namespace, body);
    } catch (err) {
      this.log.warn("could not record event", { cluster: `${namespace}/${meta.name ?? ""}`, reason, error: errorMessage(err) });
    }
  }
}
