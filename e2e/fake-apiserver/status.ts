// Kubernetes `Status` errors, shaped like the real API server's (kind Status, reason, code, details).
import type { JsonObject } from "./json.js";

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: StatusDetails) {
    super(message);
  }
  toStatus(): JsonObject {
    const s: JsonObject = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: this.message,
      reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** Resource naming used in messages: `configmaps "x"` or `natsclusters.skein.dev "x"`. */
export function qualified(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export function notFound(plural: string, group: string, name: string): ApiError {
  return new ApiError(404, "NotFound", `${qualified(plural, group)} "${name}" not found`,
    { name, group: group || undefined, kind: plural });
}

export function alreadyExists(plural: string, group: string, name: string): ApiError {
  return new ApiError(409, "AlreadyExists", `${qualified(plural, group)} "${name}" already exists`,
    { name, group: group || undefined, kind: plural });
}

export function conflict(plural: string, group: string, name: string, why?: string): ApiError {
  return new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(plural, group)} "${name}": ${why ??
    "the object has been modified; please apply your changes to the latest version and try again"}`,
  { name, group: group || undefined, kind: plural });
}

export interface FieldError {
  field: string;
  type: "Invalid value" | "Required value" | "Forbidden" | "Unsupported value" | "Duplicate value" | "Too long" | "Too many";
  detail: string;
  value?: unknown;
  /** The value exactly as Go prints it, when that is not JSON-like (e.g. `0x0` for a uint64). */
  rawValue?: string;
}

function causeText(e: FieldError): string {
  if (e.type === "Invalid value" || e.type === "Unsupported value" || e.type === "Duplicate value") {
    return `${e.field}: ${e.type}: ${e.rawValue ?? formatValue(e.value)}: ${e.detail}`;
  }
  return e.detail ? `${e.field}: ${e.type}: ${e.detail}` : `${e.field}: ${e.type}`;
}

function formatValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null || v === undefined) return "null";
  if (typeof v === "object") return `"${JSON.stringify(v).replace(/"/g, '\\"')}"`;
  return String(v);
}

const causeReason: Record<FieldError["type"], string> = {
  "Invalid value": "FieldValueInvalid", "Required value": "FieldValueRequired", Forbidden: "FieldValueForbidden",
  "Unsupported value": "FieldValueNotSupported", "Duplicate value": "FieldValueDuplicate",
  "Too long": "FieldValueTooLong", "Too many": "FieldValueTooMany",
};

/** 422 Invalid: `Kind.group "name" is invalid: field: Invalid value: ...`, as the API server words it. */
export function invalid(kind: string, group: string, name: string, errs: FieldError[]): ApiError {
  const texts = errs.map(causeText);
  const joined = texts.length === 1 ? texts[0] : `[${texts.join(", ")}]`;
  return new ApiError(422, "Invalid", `${qualified(kind, group)} "${name}" is invalid: ${joined}`, {
    name, group: group || undefined, kind,
    causes: errs.map((e, i) => ({ reason: causeReason[e.type], message: (texts[i] ?? "").slice(e.field.length + 2), field: e.field })),
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, "BadRequest", message);
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

export function gone(message: string): ApiError {
  return new ApiError(410, "Expired", message);
}
