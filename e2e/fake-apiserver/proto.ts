// Decoding of the Kubernetes protobuf encoding for the few kinds kubectl's generator commands send that
// way (`kubectl create namespace|configmap|secret`): the `k8s\0` envelope (runtime.Unknown) and the
// messages of Namespace, ConfigMap and Secret with their ObjectMeta. Responses stay JSON, which kubectl
// accepts.
import type { JsonObject } from "./json.js";
import { ApiError } from "./status.js";

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { no: number; wire: number; int?: bigint; bytes?: Buffer };

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let v = 0n, shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error("truncated varint");
      const b = buf[i++] ?? 0;
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const no = key >> 3, wire = key & 7;
    if (wire === 0) out.push({ no, wire, int: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new Error("truncated field");
      out.push({ no, wire, bytes: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const text = (f: Field): string => (f.bytes ?? Buffer.alloc(0)).toString("utf8");

function map(fs: Field[], no: number, value: (b: Buffer) => string): Record<string, string> | undefined {
  const entries = fs.filter((f) => f.no === no && f.bytes);
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(e.bytes ?? Buffer.alloc(0));
    const k = kv.find((f) => f.no === 1), v = kv.find((f) => f.no === 2);
    out[k ? text(k) : ""] = v?.bytes ? value(v.bytes) : "";
  }
  return out;
}

function strings(fs: Field[], no: number): string[] | undefined {
  const v = fs.filter((f) => f.no === no).map(text);
  return v.length > 0 ? v : undefined;
}

function one(fs: Field[], no: number): string | undefined {
  const f = fs.find((x) => x.no === no);
  return f ? text(f) : undefined;
}

function ownerReference(b: Buffer): JsonObject {
  const fs = fields(b);
  const ref: JsonObject = { apiVersion: one(fs, 5), kind: one(fs, 1), name: one(fs, 3), uid: one(fs, 4) };
  const controller = fs.find((f) => f.no === 6), block = fs.find((f) => f.no === 7);
  if (controller) ref.controller = controller.int === 1n;
  if (block) ref.blockOwnerDeletion = block.int === 1n;
  return ref;
}

function objectMeta(b: Buffer): JsonObject {
  const fs = fields(b);
  const m: JsonObject = {};
  const set = (k: string, v: unknown): void => { if (v !== undefined && v !== "") m[k] = v; };
  set("name", one(fs, 1));
  set("generateName", one(fs, 2));
  set("namespace", one(fs, 3));
  set("resourceVersion", one(fs, 6));
  set("labels", map(fs, 11, (x) => x.toString("utf8")));
  set("annotations", map(fs, 12, (x) => x.toString("utf8")));
  const refs = fs.filter((f) => f.no === 13 && f.bytes).map((f) => ownerReference(f.bytes ?? Buffer.alloc(0)));
  if (refs.length > 0) m.ownerReferences = refs;
  set("finalizers", strings(fs, 14));
  return m;
}

function bool(fs: Field[], no: number): boolean | undefined {
  const f = fs.find((x) => x.no === no);
  return f ? f.int === 1n : undefined;
}

function decodeKind(apiVersion: string, kind: string, raw: Buffer): JsonObject {
  const fs = fields(raw);
  const metaField = fs.find((f) => f.no === 1);
  const o: JsonObject = { apiVersion, kind, metadata: metaField?.bytes ? objectMeta(metaField.bytes) : {} };
  // Go omits empty strings in JSON; protobuf sends them, so drop them here.
  const put = (k: string, v: unknown): void => { if (v !== undefined && v !== "") o[k] = v; };
  switch (`${apiVersion}/${kind}`) {
    case "v1/Namespace": {
      const spec = fs.find((f) => f.no === 2);
      const finalizers = spec?.bytes ? strings(fields(spec.bytes), 1) : undefined;
      if (finalizers) o.spec = { finalizers };
      return o;
    }
    case "v1/ConfigMap":
      put("data", map(fs, 2, (x) => x.toString("utf8")));
      put("binaryData", map(fs, 3, (x) => x.toString("base64")));
      put("immutable", bool(fs, 4));
      return o;
    case "v1/Secret":
      put("data", map(fs, 2, (x) => x.toString("base64")));
      put("type", one(fs, 3));
      put("stringData", map(fs, 4, (x) => x.toString("utf8")));
      put("immutable", bool(fs, 5));
      return o;
  }
  throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (this server decodes protobuf only for Namespace, ConfigMap and Secret, not ${kind})`);
}

/** Decodes a `application/vnd.kubernetes.protobuf` request body into the equivalent JSON object. */
export function decodeProtobuf(body: Buffer): JsonObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) {
    throw new ApiError(400, "BadRequest", "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
  }
  try {
    const unknown = fields(body.subarray(4));
    const typeMeta = unknown.find((f) => f.no === 1);
    const tm = typeMeta?.bytes ? fields(typeMeta.bytes) : [];
    const raw = unknown.find((f) => f.no === 2)?.bytes ?? Buffer.alloc(0);
    return decodeKind(one(tm, 1) ?? "", one(tm, 2) ?? "", raw);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(400, "BadRequest", `error decoding protobuf body: ${e instanceof Error ? e.message : String(e)}`);
  }
}
