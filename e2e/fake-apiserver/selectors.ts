// Label and field selectors with the API server's syntax and its error messages.
import { badRequest } from "./status.js";
import { getPath, isObject, meta, str, strMap, type JsonObject } from "./json.js";
import { coreEventField } from "./events.js";

type Op = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";
interface Requirement { key: string; op: Op; values: string[] }

export interface Selector { matches(o: JsonObject): boolean; empty: boolean }

const EVERYTHING: Selector = { matches: () => true, empty: true };

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3` into requirements. */
export function parseLabelSelector(text: string | undefined): Selector {
  if (text === undefined || text.trim() === "") return EVERYTHING;
  const reqs: Requirement[] = [];
  for (const part of splitTopLevel(text)) {
    const p = part.trim();
    if (p === "") throw badRequest(`unable to parse requirement: found '', expected: identifier`);
    let m: RegExpExecArray | null;
    if ((m = /^!\s*([A-Za-z0-9./_-]+)$/.exec(p))) reqs.push({ key: checkKey(m[1] ?? ""), op: "!", values: [] });
    else if ((m = /^([A-Za-z0-9./_-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p))) {
      const values = (m[3] ?? "").split(",").map((v) => v.trim()).filter((v) => v !== "");
      reqs.push({ key: checkKey(m[1] ?? ""), op: m[2] as "in" | "notin", values: values.map(checkValue) });
    } else if ((m = /^([A-Za-z0-9./_-]+)\s*(==|=|!=|>|<)\s*([A-Za-z0-9._-]*)$/.exec(p))) {
      const op: Op = m[2] === "!=" ? "!=" : m[2] === ">" ? "gt" : m[2] === "<" ? "lt" : "=";
      reqs.push({ key: checkKey(m[1] ?? ""), op, values: [checkValue(m[3] ?? "")] });
    } else if ((m = /^([A-Za-z0-9./_-]+)$/.exec(p))) reqs.push({ key: checkKey(m[1] ?? ""), op: "exists", values: [] });
    else throw badRequest(`unable to parse requirement: <nil>: Invalid value: "${p}": invalid label selector`);
  }
  return {
    empty: false,
    matches: (o) => {
      const labels = strMap(meta(o).labels);
      return reqs.every((r) => matchRequirement(r, labels[r.key]));
    },
  };
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) { out.push(cur); cur = ""; } else cur += ch;
  }
  out.push(cur);
  return out;
}

function checkKey(k: string): string {
  const name = k.includes("/") ? k.slice(k.indexOf("/") + 1) : k;
  if (!/^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name) || name.length > 63) {
    throw badRequest(`unable to parse requirement: values[0][${k}]: Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
  return k;
}

function checkValue(v: string): string {
  if (v !== "" && (!/^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(v) || v.length > 63)) {
    throw badRequest(`unable to parse requirement: values[0][${v}]: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  }
  return v;
}

function matchRequirement(r: Requirement, v: string | undefined): boolean {
  switch (r.op) {
    case "=": return v === r.values[0];
    case "!=": return v !== r.values[0];
    case "in": return v !== undefined && r.values.includes(v);
    case "notin": return v === undefined || !r.values.includes(v);
    case "exists": return v !== undefined;
    case "!": return v === undefined;
    case "gt": return v !== undefined && Number(v) > Number(r.values[0]);
    case "lt": return v !== undefined && Number(v) < Number(r.values[0]);
  }
}

/** Field selector fields each kind supports, beyond metadata.name and metadata.namespace. */
const EXTRA_FIELDS: Record<string, string[]> = {
  Event: ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
    "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
    "reportingComponent", "source", "type", "regarding.kind", "regarding.name", "regarding.namespace", "regarding.uid"],
  Pod: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase",
    "status.podIP", "status.nominatedNodeName", "spec.hostNetwork"],
  Secret: ["type"],
  Namespace: ["status.phase"],
};

/** Parses `metadata.name=x,metadata.namespace!=y` for one kind. */
export function parseFieldSelector(text: string | undefined, kind: string, group = ""): Selector {
  if (text === undefined || text.trim() === "") return EVERYTHING;
  const reqs: { field: string; neg: boolean; value: string }[] = [];
  for (const part of text.split(",")) {
    const m = /^\s*([A-Za-z0-9.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = group === "events.k8s.io" ? coreEventField(m[1] ?? "") : m[1] ?? "";
    if (field !== "metadata.name" && field !== "metadata.namespace" && !(EXTRA_FIELDS[kind] ?? []).includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    reqs.push({ field, neg: m[2] === "!=", value: m[3] ?? "" });
  }
  return {
    empty: false,
    matches: (o) => reqs.every((r) => (fieldValue(o, r.field) === r.value) !== r.neg),
  };
}

function fieldValue(o: JsonObject, field: string): string {
  if (field === "source") {
    const src = o.source;
    return isObject(src) ? str(src.component) ?? "" : "";
  }
  const v = getPath(o, field);
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  return str(v) ?? "";
}
