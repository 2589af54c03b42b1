// meta.k8s.io/v1 Table output for `kubectl get`: the CRD's additionalPrinterColumns, or the columns
// the API server prints for the built-in kinds, with ages rendered the way the server renders them.
import { isObject, meta, str, type JsonObject } from "./json.js";
import type { PrinterColumn, ResourceType } from "./registry.js";

interface Column { name: string; type: string; format: string; description: string; priority: number; cell: (o: JsonObject) => unknown }

/** Evaluates the JSONPath subset printer columns use: `.a.b`, `.a[0]`, `.a[*].b`, `.a[?(@.k=="v")].b`. */
export function jsonPath(o: unknown, path: string): unknown[] {
  let p = path.trim();
  if (p.startsWith("{") && p.endsWith("}")) p = p.slice(1, -1);
  if (p.startsWith("$")) p = p.slice(1);
  let cur: unknown[] = [o];
  const re = /\.([A-Za-z0-9_-]+)|\['([^']+)'\]|\[(\d+|\*)\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*["']([^"']*)["']\)\]/gy;
  let m: RegExpExecArray | null;
  while (p.length > 0 && (m = re.exec(p))) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (m[1] !== undefined || m[2] !== undefined) {
        const k = m[1] ?? m[2] ?? "";
        if (isObject(v) && v[k] !== undefined) next.push(v[k]);
      } else if (m[3] !== undefined) {
        if (!Array.isArray(v)) continue;
        if (m[3] === "*") next.push(...v);
        else if (v[Number(m[3])] !== undefined) next.push(v[Number(m[3])]);
      } else if (m[4] !== undefined) {
        if (!Array.isArray(v)) continue;
        const key = m[4], want = m[5];
        next.push(...v.filter((x) => String(jsonPath(x, `.${key}`)[0]) === want));
      }
    }
    cur = next;
    if (re.lastIndex >= p.length) break;
  }
  return cur;
}

/** Kubernetes' short human durations: 45s, 5m10s, 3h, 2d5h, 400d. */
export function humanAge(from: string | undefined, now = Date.now()): string {
  if (!from) return "<unknown>";
  const s = Math.max(0, Math.floor((now - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

const nameCol: Column = { name: "Name", type: "string", format: "name", priority: 0,
  description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  cell: (o) => str(meta(o).name) ?? "" };
const ageCol: Column = { name: "Age", type: "string", format: "", priority: 0,
  description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  cell: (o) => humanAge(str(meta(o).creationTimestamp)) };

function col(name: string, cell: (o: JsonObject) => unknown, type = "string"): Column {
  return { name, type, format: "", description: name, priority: 0, cell };
}

function count(v: unknown): number {
  return isObject(v) ? Object.keys(v).length : 0;
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

function spec(o: JsonObject): JsonObject { return isObject(o.spec) ? o.spec : {}; }
function status(o: JsonObject): JsonObject { return isObject(o.status) ? o.status : {}; }

/** Core and events.k8s.io Events print alike: last seen, type, reason, object, message. */
function eventColumns(): Column[] {
  const ref = (o: JsonObject): JsonObject => (isObject(o.involvedObject) ? o.involvedObject : isObject(o.regarding) ? o.regarding : {});
  const lastSeen = (o: JsonObject): string => {
    const series = isObject(o.series) ? str(o.series.lastObservedTime) : undefined;
    const ts = series ?? str(o.lastTimestamp) ?? str(o.deprecatedLastTimestamp) ?? str(o.eventTime) ?? str(meta(o).creationTimestamp);
    return humanAge(ts);
  };
  return [col("Last Seen", lastSeen), col("Type", (o) => str(o.type) ?? ""), col("Reason", (o) => str(o.reason) ?? ""),
    col("Object", (o) => `${(str(ref(o).kind) ?? "").toLowerCase()}/${str(ref(o).name) ?? ""}`),
    col("Message", (o) => (str(o.message) ?? str(o.note) ?? "").trim())];
}

const BUILTIN_COLUMNS: Record<string, Column[]> = {
  "|events": eventColumns(),
  "events.k8s.io|events": eventColumns(),
  "|namespaces": [nameCol, col("Status", (o) => str(status(o).phase) ?? ""), ageCol],
  "|configmaps": [nameCol, col("Data", (o) => count(o.data) + count(o.binaryData), "integer"), ageCol],
  "|secrets": [nameCol, col("Type", (o) => str(o.type) ?? ""), col("Data", (o) => count(o.data), "integer"), ageCol],
  "|services": [nameCol, col("Type", (o) => str(spec(o).type) ?? ""), col("Cluster-IP", (o) => str(spec(o).clusterIP) ?? ""),
    col("External-IP", (o) => (Array.isArray(spec(o).externalIPs) ? (spec(o).externalIPs as string[]).join(",") : "") || "<none>"),
    col("Port(s)", (o) => (Array.isArray(spec(o).ports) ? spec(o).ports as JsonObject[] : [])
      .map((p) => `${String(p.port)}/${str(p.protocol) ?? "TCP"}`).join(",") || "<none>"), ageCol],
  "|pods": [nameCol, col("Ready", (o) => {
    const cs = Array.isArray(status(o).containerStatuses) ? status(o).containerStatuses as JsonObject[] : [];
    const n = Array.isArray(spec(o).containers) ? (spec(o).containers as unknown[]).length : 0;
    return `${cs.filter((c) => c.ready === true).length}/${n}`;
  }), col("Status", (o) => (meta(o).deletionTimestamp ? "Terminating" : str(status(o).phase) ?? "")),
  col("Restarts", (o) => (Array.isArray(status(o).containerStatuses) ? status(o).containerStatuses as JsonObject[] : [])
    .reduce((a, c) => a + num(c.restartCount), 0), "integer"), ageCol],
  "|serviceaccounts": [nameCol, col("Secrets", (o) => (Array.isArray(o.secrets) ? o.secrets.length : 0), "integer"), ageCol],
  "apps|deployments": [nameCol, col("Ready", (o) => `${num(status(o).readyReplicas)}/${num(spec(o).replicas)}`),
    col("Up-to-date", (o) => num(status(o).updatedReplicas), "integer"), col("Available", (o) => num(status(o).availableReplicas), "integer"), ageCol],
  "rbac.authorization.k8s.io|roles": [nameCol, col("Created At", (o) => str(meta(o).creationTimestamp) ?? "", "date")],
  "rbac.authorization.k8s.io|clusterroles": [nameCol, col("Created At", (o) => str(meta(o).creationTimestamp) ?? "", "date")],
  "rbac.authorization.k8s.io|rolebindings": [nameCol, col("Role", (o) => (isObject(o.roleRef) ? `${str(o.roleRef.kind) ?? ""}/${str(o.roleRef.name) ?? ""}` : "")), ageCol],
  "rbac.authorization.k8s.io|clusterrolebindings": [nameCol, col("Role", (o) => (isObject(o.roleRef) ? `${str(o.roleRef.kind) ?? ""}/${str(o.roleRef.name) ?? ""}` : "")), ageCol],
  "apps|statefulsets": [nameCol, col("Ready", (o) => `${num(status(o).readyReplicas)}/${num(spec(o).replicas)}`), ageCol],
  "policy|poddisruptionbudgets": [nameCol, col("Min Available", (o) => String(spec(o).minAvailable ?? "N/A")),
    col("Max Unavailable", (o) => String(spec(o).maxUnavailable ?? "N/A")),
    col("Allowed Disruptions", (o) => num(status(o).disruptionsAllowed), "integer"), ageCol],
  "coordination.k8s.io|leases": [nameCol, col("Holder", (o) => str(spec(o).holderIdentity) ?? ""), ageCol],
  "apiextensions.k8s.io|customresourcedefinitions": [nameCol, col("Created At", (o) => str(meta(o).creationTimestamp) ?? "", "date")],
};

function printerColumn(c: PrinterColumn): Column {
  return { name: c.name, type: c.type, format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0,
    cell: (o) => {
      const vals = jsonPath(o, c.jsonPath);
      if (vals.length === 0) return null;
      const v = vals[0];
      if (c.type === "date") return typeof v === "string" ? humanAge(v) : null;
      if (c.type === "integer" || c.type === "number") return typeof v === "number" ? v : null;
      if (c.type === "boolean") return typeof v === "boolean" ? v : null;
      return typeof v === "string" ? v : JSON.stringify(v);
    } };
}

function columnsOf(t: ResourceType): Column[] {
  if (t.custom) {
    const cols = t.custom.printerColumns;
    return cols.length > 0 ? [nameCol, ...cols.map(printerColumn)] : [nameCol, ageCol];
  }
  return BUILTIN_COLUMNS[`${t.group}|${t.plural}`] ?? [nameCol, ageCol];
}

/** `includeObject`: None, Metadata (the default) or Object. */
export function toTable(t: ResourceType, objects: JsonObject[], listMeta: JsonObject, includeObject: string | undefined): JsonObject {
  const cols = columnsOf(t);
  return {
    kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: listMeta,
    columnDefinitions: cols.map((c) => ({ name: c.name, type: c.type, format: c.format, description: c.description, priority: c.priority })),
    rows: objects.map((o) => {
      const row: JsonObject = { cells: cols.map((c) => c.cell(o)) };
      if (includeObject === "Object") row.object = o;
      else if (includeObject !== "None") row.object = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
      return row;
    }),
  };
}

/** True when the Accept header asks for a Table (kubectl get). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? "").split(",").some((p) => /as=Table/.test(p) && /g=meta\.k8s\.io/.test(p));
}
