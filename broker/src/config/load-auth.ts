// The `authorization { ... }` block: a single user/password or token, or a `users` list with
// publish/subscribe permissions (plain lists or allow/deny maps) and allow_responses, as nats-server
// 2.9 reads them, with its error texts.

import type { ResponsePermission, SubjectPermission, UserConfig, UserPermissions } from "../options.js";
import { FieldReader, isValidSubject } from "./fields.js";
import type { ConfigEntry, ConfigMap, ConfigValue } from "./values.js";

export interface AuthBlock {
  username?: string;
  password?: string;
  token?: string;
  timeout?: number; // ms
  users?: UserConfig[];
  defaultPermissions?: UserPermissions;
}

export function readAuthorization(r: FieldReader, block: ConfigEntry): AuthBlock | undefined {
  const m = r.map(block);
  if (!m) return undefined;
  const auth: AuthBlock = {};
  for (const e of m.values()) {
    switch (e.key.toLowerCase()) {
      case "user": case "username": { const v = r.str(e); if (v !== undefined) auth.username = v; break; }
      case "pass": case "password": { const v = r.str(e); if (v !== undefined) auth.password = v; break; }
      case "token": { const v = r.str(e); if (v !== undefined) auth.token = v; break; }
      case "timeout": { const v = r.seconds(e); if (v !== undefined) auth.timeout = v; break; }
      case "users": { const v = readUsers(r, e); if (v) auth.users = v; break; }
      case "default_permission": case "default_permissions": {
        const v = readPermissions(r, e);
        if (v) auth.defaultPermissions = v;
        break;
      }
      default: r.unknown(e);
    }
  }
  if (auth.users) {
    if (auth.username) r.error(block.keyPos, "Can not have a single user/pass and a users array");
    if (auth.token) r.error(block.keyPos, "Can not have a token and a users array");
    const defaults = auth.defaultPermissions;
    if (defaults) for (const u of auth.users) u.permissions ??= defaults;
  }
  return auth;
}

function readUsers(r: FieldReader, e: ConfigEntry): UserConfig[] | undefined {
  const items = r.array(e);
  if (!items) return undefined;
  const users: UserConfig[] = [];
  for (const item of items) {
    if (item.kind !== "map") {
      r.error(item.pos, `Expected user entry to be a map/struct, got ${item.kind}`);
      continue;
    }
    const u = readUser(r, item.entries, item);
    if (u) users.push(u);
  }
  return users;
}

function readUser(r: FieldReader, m: ConfigMap, at: ConfigValue): UserConfig | undefined {
  const user: UserConfig = { username: "", password: "", permissions: null };
  for (const e of m.values()) {
    switch (e.key.toLowerCase()) {
      case "user": case "username": user.username = r.str(e) ?? ""; break;
      case "pass": case "password": user.password = r.str(e) ?? ""; break;
      case "permission": case "permissions": case "authorization": user.permissions = readPermissions(r, e) ?? null; break;
      case "nkey": r.error(e.keyPos, "nkey users are not supported by skein-server"); break;
      default: r.unknown(e);
    }
  }
  if (user.username === "") return r.error(at.pos, "User entry requires a user");
  return user;
}

export function readPermissions(r: FieldReader, e: ConfigEntry): UserPermissions | undefined {
  const m = r.map(e);
  if (!m) return undefined;
  const p: UserPermissions = { publish: null, subscribe: null, response: null };
  for (const f of m.values()) {
    switch (f.key.toLowerCase()) {
      case "pub": case "publish": p.publish = readSubjectPermission(r, f) ?? null; break;
      case "sub": case "subscribe": p.subscribe = readSubjectPermission(r, f) ?? null; break;
      case "allow_responses": case "allow_response": case "responses": p.response = readResponses(r, f); break;
      default: r.error(f.keyPos, `Unknown field "${f.key}" parsing permissions`);
    }
  }
  return p;
}

/** A plain subject or list means "allow"; a map has `allow` and/or `deny`. */
function readSubjectPermission(r: FieldReader, e: ConfigEntry): SubjectPermission | undefined {
  if (e.value.kind !== "map") {
    const allow = checkSubjects(r, e);
    return allow ? { allow, deny: [] } : undefined;
  }
  const sp: SubjectPermission = { allow: [], deny: [] };
  for (const f of e.value.entries.values()) {
    const k = f.key.toLowerCase();
    if (k !== "allow" && k !== "deny") {
      r.error(f.keyPos, `Unknown field name "${f.key}" parsing subject permissions, only 'allow' or 'deny' are permitted`);
      continue;
    }
    const list = checkSubjects(r, f);
    if (list) sp[k] = list;
  }
  return sp;
}

function checkSubjects(r: FieldReader, e: ConfigEntry): string[] | undefined {
  const list = r.strings(e);
  if (!list) return undefined;
  for (const s of list) {
    // An entry may name a queue group, "subject queue"; nats-server accepts that form for publish too.
    const parts = s.split(" ");
    const ok = parts.length <= 2 && isValidSubject(parts[0] ?? "") && (parts.length === 1 || (parts[1] ?? "") !== "");
    if (!ok) return r.error(e.keyPos, `subject "${s}" is not a valid subject`);
  }
  return list;
}

function readResponses(r: FieldReader, e: ConfigEntry): ResponsePermission | null {
  const v = e.value;
  if (v.kind === "bool") return v.value ? { maxMsgs: 1, expires: 0 } : null;
  const m = r.map(e);
  if (!m) return null;
  const rp: ResponsePermission = { maxMsgs: 1, expires: 0 };
  for (const f of m.values()) {
    switch (f.key.toLowerCase()) {
      case "max": case "max_msgs": case "max_messages": case "max_responses": rp.maxMsgs = r.int(f) ?? 1; break;
      case "expires": case "expiration": case "ttl": rp.expires = r.seconds(f) ?? 0; break;
      default: r.error(f.keyPos, `Unknown field "${f.key}" parsing permissions`);
    }
  }
  return rp;
}
