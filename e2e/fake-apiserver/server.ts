// HTTP front of the fake API server: routing of discovery, OpenAPI and resource paths, bodies and
// content types, Status errors, fault hooks and the write log.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { decodeProtobuf } from "./proto.js";
import { isObject, str, type JsonObject } from "./json.js";
import { coreVersions, group, groupList, resourceList, versionInfo } from "./discovery.js";
import { Faults } from "./faults.js";
import { GarbageCollector } from "./gc.js";
import { crdHooks, registerCrd } from "./crds.js";
import { openApiV3Index, openApiV3Doc } from "./openapi.js";
import { Operations, type DeleteOptions, type WriteOptions } from "./operations.js";
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch.js";
import { Registry, storageKey, type ResourceType } from "./registry.js";
import { scaleOf, updateScale } from "./scale.js";
import { ApplyTracker } from "./ssa.js";
import { ApiError, badRequest, methodNotAllowed } from "./status.js";
import { Store } from "./store.js";
import { builtinHooks } from "./strategies.js";
import { toTable, wantsTable } from "./table.js";
import { validateCustomResource } from "./validation.js";
import { WatchHub } from "./watch.js";

interface ResourceRoute { t: ResourceType; ns?: string; name?: string; sub?: string }

export interface CoreOptions { bookmarkIntervalMs?: number }

const NOT_FOUND = new ApiError(404, "NotFound", "the server could not find the requested resource");

export class FakeApiCore {
  readonly registry = new Registry();
  readonly store = new Store();
  readonly ops: Operations;
  readonly gc: GarbageCollector;
  readonly watches: WatchHub;
  readonly faults = new Faults();
  private readonly applies = new ApplyTracker();
  serverAddress = "127.0.0.1:0";

  constructor(opts: CoreOptions = {}) {
    const hooks = builtinHooks();
    hooks.set(storageKey({ group: "apiextensions.k8s.io", plural: "customresourcedefinitions" }), crdHooks());
    this.ops = new Operations(this.store, this.registry, hooks, (t, o, old) => validateCustomResource(t, o, old));
    this.gc = new GarbageCollector(this.store, this.registry, this.ops);
    this.watches = new WatchHub(this.store, this.ops, opts.bookmarkIntervalMs ?? 60_000);
    this.ops.afterWrite.push((t, o, removed) => {
      if (removed) this.applies.forget(str(isObject(o.metadata) ? o.metadata.uid : undefined) ?? "");
      if (t.group === "apiextensions.k8s.io" && t.plural === "customresourcedefinitions") {
        if (removed) this.registry.removeCrd(str(isObject(o.metadata) ? o.metadata.name : undefined) ?? "");
        else registerCrd(this.registry, o);
      }
      this.gc.schedule();
    });
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      this.ops.create(this.type("", "v1", "namespaces"), undefined, { metadata: { name: ns } });
    }
  }

  type(group: string, version: string, plural: string): ResourceType {
    const t = this.registry.find(group, version, plural);
    if (!t) throw new Error(`no such resource ${group}/${version}/${plural}`);
    return t;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    let record: { verb: string; route: ResourceRoute } | undefined;
    try {
      const body = await readBody(req);
      if (this.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.faults.delayMs));
      const segs = url.pathname.split("/").filter((s) => s !== "").map(decodeURIComponent);
      const fixed = this.fixedPath(segs);
      if (fixed !== undefined) {
        if (method !== "GET") throw methodNotAllowed();
        return send(res, 200, fixed);
      }
      const parsed = this.route(segs);
      if (!parsed) throw NOT_FOUND;
      const { route, watchPath } = parsed;
      const q = url.searchParams;
      const isWatch = watchPath || q.get("watch") === "true" || q.get("watch") === "1";
      const verb = verbOf(method, route, isWatch);
      if (["create", "update", "patch", "delete", "deletecollection"].includes(verb)) record = { verb, route };
      const fault = this.faults.take(verb, route.t.plural, route.sub, route.name);
      if (fault) throw fault;
      await this.serveResource(req, res, route, verb, q, body);
      if (record) this.recordWrite(record.verb, record.route, res.statusCode);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, "InternalError", `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`);
      if (record) this.recordWrite(record.verb, record.route, err.code);
      if (res.headersSent) { res.destroy(); return; }
      send(res, err.code, err.toStatus());
    }
  }

  private recordWrite(verb: string, r: ResourceRoute, code: number): void {
    this.faults.record({ verb, resource: r.t.plural, subresource: r.sub, namespace: r.ns, name: r.name, code });
  }

  /** Discovery, version and OpenAPI documents; undefined when the path is a resource path. */
  private fixedPath(segs: string[]): JsonObject | string | undefined {
    const p = segs.join("/");
    if (p === "version") return versionInfo();
    if (p === "healthz" || p === "readyz" || p === "livez") return "ok";
    if (p === "api") return coreVersions(this.serverAddress);
    if (p === "apis") return groupList(this.registry);
    if (p === "openapi/v3") return openApiV3Index(this.registry);
    if (segs[0] === "openapi" && segs[1] === "v3") {
      const doc = openApiV3Doc(this.registry, segs.slice(2).join("/"));
      if (!doc) throw NOT_FOUND;
      return doc;
    }
    if (segs[0] === "openapi") throw NOT_FOUND;
    if (segs[0] === "api" && segs.length === 2) return resourceList(this.registry, "", segs[1] ?? "") ?? throwNotFound();
    if (segs[0] === "apis" && segs.length === 2) return group(this.registry, segs[1] ?? "") ?? throwNotFound();
    if (segs[0] === "apis" && segs.length === 3) return resourceList(this.registry, segs[1] ?? "", segs[2] ?? "") ?? throwNotFound();
    return undefined;
  }

  private route(segs: string[]): { route: ResourceRoute; watchPath: boolean } | undefined {
    let group: string, version: string, rest: string[];
    if (segs[0] === "api" && segs.length >= 3) { group = ""; version = segs[1] ?? ""; rest = segs.slice(2); }
    else if (segs[0] === "apis" && segs.length >= 4) { group = segs[1] ?? ""; version = segs[2] ?? ""; rest = segs.slice(3); }
    else return undefined;
    let watchPath = false;
    if (rest[0] === "watch") { watchPath = true; rest = rest.slice(1); }
    if (rest[0] === "namespaces" && rest.length >= 3) {
      const t = this.registry.find(group, version, rest[2] ?? "");
      if (t && t.namespaced) {
        if (rest.length > 5) return undefined;
        return { route: { t, ns: rest[1], name: rest[3], sub: rest[4] }, watchPath };
      }
    }
    const t = this.registry.find(group, version, rest[0] ?? "");
    if (!t || rest.length > 3) return undefined;
    if (t.namespaced && rest.length > 1) return undefined;
    return { route: { t, name: rest[1], sub: rest[2] }, watchPath };
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, r: ResourceRoute, verb: string, q: URLSearchParams, body: Buffer): Promise<void> {
    const { t, ns, name, sub } = r;
    if (sub !== undefined && !(sub === "status" && t.statusSubresource) && !(sub === "scale" && t.scale)) throw NOT_FOUND;
    const accept = req.headers.accept;
    const table = wantsTable(accept) && sub === undefined;
    const includeObject = q.get("includeObject") ?? undefined;
    const wopts: WriteOptions = { dryRun: q.getAll("dryRun").includes("All"), fieldValidation: q.get("fieldValidation") ?? undefined };
    const reply = (code: number, o: JsonObject, warnings: string[] = []): void => {
      // Header values must be Latin-1; field names from a request could be anything.
      if (warnings.length > 0) res.setHeader("Warning", warnings.map((w) => `299 - ${JSON.stringify(w).replace(/[^\x20-\x7e]/g, "?")}`));
      send(res, code, o);
    };
    switch (verb) {
      case "watch": {
        const timeout = q.get("timeoutSeconds");
        this.watches.serve(t, ns, {
          resourceVersion: q.get("resourceVersion") ?? undefined, labelSelector: q.get("labelSelector") ?? undefined,
          fieldSelector: name !== undefined ? `metadata.name=${name}` : q.get("fieldSelector") ?? undefined,
          timeoutSeconds: timeout ? Number(timeout) : undefined, allowWatchBookmarks: q.get("allowWatchBookmarks") === "true",
          sendInitialEvents: q.get("sendInitialEvents") === "true",
        }, res, table ? (o) => toTable(t, [o], { resourceVersion: str(isObject(o.metadata) ? o.metadata.resourceVersion : undefined) }, includeObject) : (o) => o);
        return;
      }
      case "list": {
        const limit = q.get("limit");
        const list = this.ops.list(t, ns, {
          labelSelector: q.get("labelSelector") ?? undefined, fieldSelector: q.get("fieldSelector") ?? undefined,
          limit: limit ? Number(limit) : undefined, continueToken: q.get("continue") ?? undefined,
          resourceVersion: q.get("resourceVersion") ?? undefined, resourceVersionMatch: q.get("resourceVersionMatch") ?? undefined,
        });
        const items = Array.isArray(list.items) ? list.items as JsonObject[] : [];
        return reply(200, table ? toTable(t, items, list.metadata as JsonObject, includeObject) : list);
      }
      case "get": {
        const o = this.ops.get(t, ns, name ?? "");
        if (sub === "scale") return reply(200, scaleOf(t, o));
        return reply(200, table ? toTable(t, [o], { resourceVersion: str(isObject(o.metadata) ? o.metadata.resourceVersion : undefined) }, includeObject) : o);
      }
      case "create": {
        if (sub !== undefined) throw methodNotAllowed();
        const r2 = this.ops.create(t, ns, parseBody(body, req.headers["content-type"]), wopts);
        return reply(201, r2.object, r2.warnings);
      }
      case "update": {
        const b = parseBody(body, req.headers["content-type"]);
        if (sub === "scale") return reply(200, updateScale(this.ops, t, ns, name ?? "", b, wopts));
        const r2 = this.ops.update(t, ns, name ?? "", b, sub, wopts);
        return reply(200, r2.object, r2.warnings);
      }
      case "patch": {
        const r2 = this.patch(t, ns, name ?? "", sub, req.headers["content-type"] ?? "", body, q, wopts);
        return reply(r2.code, r2.object, r2.warnings);
      }
      case "delete": {
        const opts = deleteOptions(body, q);
        const d = this.ops.delete(t, ns, name ?? "", opts);
        if (d.removed) {
          const m = isObject(d.object.metadata) ? d.object.metadata : {};
          // Only some stores return the deleted object (pods do); the others, custom resources too, a Status.
          return reply(200, t.plural === "pods" && t.group === "" ? d.object : { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success",
            details: { name: m.name, group: t.group || undefined, kind: t.plural, uid: m.uid } });
        }
        return reply(200, d.object);
      }
      case "deletecollection": {
        const opts = deleteOptions(body, q);
        const list = this.ops.list(t, ns, { labelSelector: q.get("labelSelector") ?? undefined, fieldSelector: q.get("fieldSelector") ?? undefined });
        const items = Array.isArray(list.items) ? list.items as JsonObject[] : [];
        const out: JsonObject[] = [];
        for (const o of items) {
          const m = isObject(o.metadata) ? o.metadata : {};
          out.push(this.ops.delete(t, str(m.namespace), str(m.name) ?? "", opts).object);
        }
        return reply(200, { ...list, items: out });
      }
    }
    throw methodNotAllowed();
  }

  private patch(t: ResourceType, ns: string | undefined, name: string, sub: string | undefined, contentType: string, body: Buffer,
    q: URLSearchParams, wopts: WriteOptions): { code: number; object: JsonObject; warnings: string[] } {
    const ct = contentType.split(";")[0]?.trim() ?? "";
    const apply = (cur: unknown, p: unknown): unknown => {
      switch (ct) {
        case "application/merge-patch+json": return mergePatch(cur, p);
        case "application/json-patch+json": return jsonPatch(cur, p);
        case "application/strategic-merge-patch+json":
          if (t.custom) throw unsupportedPatch(ct);
          return strategicMergePatch(cur, p);
        default: throw unsupportedPatch(ct);
      }
    };
    if (ct === "application/apply-patch+yaml") return this.serverSideApply(t, ns, name, sub, body, q, wopts);
    const patchBody = parseJson(body);
    if (sub === "scale") {
      const cur = scaleOf(t, this.ops.get(t, ns, name));
      return { code: 200, object: updateScale(this.ops, t, ns, name, apply(cur, patchBody), wopts), warnings: [] };
    }
    const cur = this.ops.get(t, ns, name);
    const r = this.ops.update(t, ns, name, apply(cur, patchBody), sub, wopts);
    return { code: 200, ...r };
  }

  private serverSideApply(t: ResourceType, ns: string | undefined, name: string, sub: string | undefined, body: Buffer,
    q: URLSearchParams, wopts: WriteOptions): { code: number; object: JsonObject; warnings: string[] } {
    const manager = q.get("fieldManager");
    if (!manager) throw badRequest("PATCH, application/apply-patch+yaml requires fieldManager to be set");
    if (sub !== undefined) throw new ApiError(415, "UnsupportedMediaType", "server-side apply of subresources is not supported by this fake API server");
    const config = parseYamlBody(body);
    if (!isObject(config)) throw badRequest("the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml");
    const cur = this.ops.find(t, ns, name);
    const { next, record } = this.applies.apply(!!t.custom, cur, config, manager, q.get("force") === "true");
    if (!cur) {
      const meta0 = isObject(next.metadata) ? next.metadata : (next.metadata = {});
      meta0.name ??= name;
      const r = this.ops.create(t, ns, next, wopts);
      if (!wopts.dryRun) record(str(isObject(r.object.metadata) ? r.object.metadata.uid : undefined) ?? "");
      return { code: 201, ...r };
    }
    const r = this.ops.update(t, ns, name, next, undefined, wopts);
    if (!wopts.dryRun) record(str(isObject(r.object.metadata) ? r.object.metadata.uid : undefined) ?? "");
    return { code: 200, ...r };
  }
}

function throwNotFound(): never {
  throw NOT_FOUND;
}

function unsupportedPatch(ct: string): ApiError {
  const accepted = "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";
  return new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${ct === "application/strategic-merge-patch+json" ? accepted : `${accepted}, application/strategic-merge-patch+json`}`);
}

function verbOf(method: string, r: ResourceRoute, watch: boolean): string {
  switch (method) {
    case "GET": return r.name !== undefined && !watch ? "get" : watch ? "watch" : "list";
    case "POST": if (r.name !== undefined && r.sub === undefined) throw methodNotAllowed(); return "create";
    case "PUT": if (r.name === undefined) throw methodNotAllowed(); return "update";
    case "PATCH": if (r.name === undefined) throw methodNotAllowed(); return "patch";
    case "DELETE": return r.name === undefined ? "deletecollection" : "delete";
    default: throw methodNotAllowed();
  }
}

function deleteOptions(body: Buffer, q: URLSearchParams): DeleteOptions {
  const b = body.length > 0 ? parseJson(body) : {};
  const o = isObject(b) ? b : {};
  let policy = str(o.propagationPolicy) ?? q.get("propagationPolicy") ?? undefined;
  const orphan = o.orphanDependents ?? (q.get("orphanDependents") === null ? undefined : q.get("orphanDependents") === "true");
  if (policy === undefined && orphan !== undefined) policy = orphan === true ? "Orphan" : "Background";
  const pre = isObject(o.preconditions) ? { uid: str(o.preconditions.uid), resourceVersion: str(o.preconditions.resourceVersion) } : undefined;
  const dry = Array.isArray(o.dryRun) ? o.dryRun.includes("All") : q.getAll("dryRun").includes("All");
  const graceRaw = typeof o.gracePeriodSeconds === "number" ? o.gracePeriodSeconds : q.get("gracePeriodSeconds");
  const grace = graceRaw === null || graceRaw === undefined ? undefined : Number(graceRaw);
  if (grace !== undefined && !Number.isInteger(grace)) throw badRequest(`invalid gracePeriodSeconds: ${String(graceRaw)}`);
  return { propagationPolicy: policy, preconditions: pre, dryRun: dry, gracePeriodSeconds: grace };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw badRequest(`error decoding request body: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parseYamlBody(body: Buffer): unknown {
  try {
    return parseYaml(body.toString("utf8"));
  } catch (e) {
    throw badRequest(`error decoding YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parseBody(body: Buffer, contentType: string | undefined): unknown {
  const ct = (contentType ?? "application/json").split(";")[0]?.trim();
  if (ct === "application/yaml") return parseYamlBody(body);
  if (ct === "application/vnd.kubernetes.protobuf") return decodeProtobuf(body);
  if (ct !== "application/json" && ct !== "" && ct !== undefined) {
    throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
  }
  return parseJson(body);
}

function send(res: ServerResponse, code: number, body: JsonObject | string): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(code, { "Content-Type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json",
    "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache, private" });
  res.end(text);
}
