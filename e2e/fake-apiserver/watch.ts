// Watches: headers flushed at once, then one JSON event per line. A start resourceVersion replays the
// history after it; one older than the compacted history gets an ERROR event with a 410 Status, as the
// real API server sends. BOOKMARKs only when allowWatchBookmarks=true; timeoutSeconds ends the stream.
import type { ServerResponse } from "node:http";
import { meta, str, type JsonObject } from "./json.js";
import { apiVersionOf, storageKey, type ResourceType } from "./registry.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { gone } from "./status.js";
import type { StoreEvent, Store } from "./store.js";
import type { Operations } from "./operations.js";

export interface WatchParams {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean;
}

/** Turns an object into what goes on the wire (the object itself, or a one-row Table for kubectl). */
export type Presenter = (o: JsonObject) => JsonObject;

export class WatchHub {
  /** Open watch streams and the function that detaches each from the store. */
  private readonly open = new Map<ServerResponse, () => void>();

  constructor(private readonly store: Store, private readonly ops: Operations, private readonly bookmarkIntervalMs: number) {}

  count(): number {
    return this.open.size;
  }

  /** Ends every open watch: abruptly (socket destroyed mid-stream) or with a clean end of the stream. */
  dropAll(graceful = false): void {
    for (const [res, cleanup] of [...this.open]) {
      cleanup();
      if (graceful) res.end(); else res.destroy();
    }
  }

  serve(t: ResourceType, ns: string | undefined, p: WatchParams, res: ServerResponse, present: Presenter): void {
    const ls = parseLabelSelector(p.labelSelector);
    const fs = parseFieldSelector(p.fieldSelector, t.kind, t.group);
    const key = storageKey(t);
    const matches = (o: JsonObject): boolean =>
      (ns === undefined || !t.namespaced || str(meta(o).namespace) === ns) && ls.matches(o) && fs.matches(o);

    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
    res.flushHeaders();
    const send = (type: string, object: JsonObject): void => {
      res.write(JSON.stringify({ type, object }) + "\n");
    };

    const rvParam = p.resourceVersion;
    let replay: StoreEvent[] = [];
    let startRv = this.store.currentRv();
    if (rvParam === undefined || rvParam === "" || rvParam === "0" || p.sendInitialEvents) {
      for (const o of this.store.list(key, t.namespaced ? ns : undefined)) if (matches(o)) send("ADDED", present(this.ops.view(t, o)));
      if (p.sendInitialEvents && p.allowWatchBookmarks) {
        send("BOOKMARK", { kind: t.kind, apiVersion: apiVersionOf(t),
          metadata: { resourceVersion: String(this.store.currentRv()), annotations: { "k8s.io/initial-events-end": "true" } } });
      }
    } else {
      const n = Number(rvParam);
      const events = Number.isInteger(n) ? this.store.since(n) : undefined;
      if (events === undefined) {
        const status = Number.isInteger(n) ? gone(`too old resource version: ${rvParam} (${this.store.oldestRv()})`).toStatus()
          : { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `invalid resource version: ${rvParam}`, reason: "BadRequest", code: 400 };
        send("ERROR", status);
        res.end();
        return;
      }
      replay = events;
      startRv = n;
    }

    const deliver = (e: StoreEvent): void => {
      if (e.key !== key || e.rv <= startRv) return;
      if (e.type === "MODIFIED") {
        const now = matches(e.object), was = e.old !== undefined && matches(e.old);
        if (now) send(was ? "MODIFIED" : "ADDED", present(this.ops.view(t, e.object)));
        else if (was) send("DELETED", present(this.ops.view(t, e.object)));
      } else if (matches(e.object)) send(e.type, present(this.ops.view(t, e.object)));
    };
    for (const e of replay) deliver(e);
    const unsubscribe = this.store.subscribe(deliver);

    const timers: NodeJS.Timeout[] = [];
    if (p.allowWatchBookmarks) {
      timers.push(setInterval(() => send("BOOKMARK", { kind: t.kind, apiVersion: apiVersionOf(t),
        metadata: { resourceVersion: String(this.store.currentRv()) } }), this.bookmarkIntervalMs));
    }
    if (p.timeoutSeconds !== undefined && p.timeoutSeconds > 0) timers.push(setTimeout(() => res.end(), p.timeoutSeconds * 1000));
    const cleanup = (): void => {
      unsubscribe();
      for (const tm of timers) clearTimeout(tm);
      this.open.delete(res);
    };
    this.open.set(res, cleanup);
    res.on("close", cleanup);
    res.on("finish", cleanup);
  }
}
