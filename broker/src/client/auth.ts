// Client authentication as nats-server does it: a token, a single user, or a list of users with
// permissions, and no_auth_user for clients that send no credentials.

import type { ServerOptions, UserConfig } from "../options.js";
import { Permissions } from "./permissions.js";

export interface Credentials {
  user?: unknown;
  pass?: unknown;
  auth_token?: unknown;
}

export interface AuthResult {
  user: string;
  permissions: Permissions | null;
}

export function authRequired(o: ServerOptions): boolean {
  return o.username !== "" || o.authorization !== "" || o.users.length > 0;
}

/** The identity of a client with these CONNECT credentials, or null when they are refused. */
export function authenticate(o: ServerOptions, c: Credentials): AuthResult | null {
  const defaults = o.defaultPermissions ? new Permissions(o.defaultPermissions) : null;
  if (o.authorization !== "") {
    return c.auth_token === o.authorization ? { user: "", permissions: defaults } : null;
  }
  if (o.username !== "") {
    if (c.user !== o.username || c.pass !== o.password) return null;
    return { user: o.username, permissions: defaults };
  }
  if (o.users.length > 0) {
    let u: UserConfig | undefined;
    // As nats-server, empty credentials are no credentials.
    if (!c.user && !c.pass && !c.auth_token && o.noAuthUser !== "") {
      u = o.users.find((x) => x.username === o.noAuthUser);
    } else {
      u = o.users.find((x) => x.username === c.user);
      if (u !== undefined && u.password !== c.pass) u = undefined;
    }
    if (u === undefined) return null;
    const perms = u.permissions ?? o.defaultPermissions;
    return { user: u.username, permissions: perms ? new Permissions(perms) : null };
  }
  return { user: "", permissions: null };
}

/** Passwords nats-server stores as bcrypt hashes; skein-server refuses them with a clear error. */
export function bcryptUsers(o: ServerOptions): string[] {
  const isHash = (p: string): boolean => /^\$2[abxy]?\$/.test(p);
  const names = o.users.filter((u) => isHash(u.password)).map((u) => u.username);
  if (isHash(o.password)) names.push(o.username);
  return names;
}
