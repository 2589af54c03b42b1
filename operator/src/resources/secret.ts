// The credentials Secret: generated route (and, unless auth names its own Secret, client)
// credentials, kept stable across reconciles, plus the route list with credentials (routes.conf).
import { randomInt } from "node:crypto";
import type { V1Secret } from "@kubernetes/client-node";
import type { NatsCluster, NatsClusterSpec } from "../api/types.js";
import { ENV, ROUTES_KEY, renderRoutesFile } from "./config.js";
import { childMeta, childNames } from "./meta.js";

export interface Credentials {
  routeUser: string;
  routePassword: string;
  clientUser?: string;
  clientPassword?: string;
}

/** Secret keys; the env vars of the broker have the same names. */
export const SECRET_KEYS = {
  routeUser: ENV.routeUser,
  routePassword: ENV.routePassword,
  clientUser: ENV.clientUser,
  clientPassword: ENV.clientPassword,
  routes: ROUTES_KEY,
} as const;

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const ALNUM = `${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789`;

// Letters and digits only, starting with a letter: nats-server parses an env var's value as a config
// value, so "123", "10k" or "true" would turn into a number or a boolean; these never do, and they
// need no escaping in a route URL.
function randomToken(prefix: string, alphabet: string, length: number): string {
  let s = prefix;
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** True when the spec wants generated client credentials (auth on, without a Secret of its own). */
export function wantsGeneratedClientAuth(spec: NatsClusterSpec): boolean {
  return spec.auth !== undefined && !spec.auth.clientsAuthSecret;
}

/**
 * New credentials for the cluster. Values in `existing` are kept; only missing ones are generated
 * (route credentials always, client ones when the spec wants generated client auth).
 */
export function generateCredentials(spec: NatsClusterSpec, existing?: Credentials): Credentials {
  const creds: Credentials = {
    routeUser: existing?.routeUser || randomToken("route", LOWER, 8),
    routePassword: existing?.routePassword || randomToken("P", ALNUM, 32),
  };
  if (existing?.clientUser && existing.clientPassword) {
    creds.clientUser = existing.clientUser;
    creds.clientPassword = existing.clientPassword;
  } else if (wantsGeneratedClientAuth(spec)) {
    creds.clientUser = randomToken("client", LOWER, 8);
    creds.clientPassword = randomToken("P", ALNUM, 32);
  }
  return creds;
}

function readKey(secret: V1Secret, key: string): string | undefined {
  const b64 = secret.data?.[key];
  if (b64 !== undefined) return Buffer.from(b64, "base64").toString("utf8");
  return secret.stringData?.[key];
}

/** The credentials kept in an existing Secret, or undefined when it has no route credentials. */
export function credentialsFromSecret(secret: V1Secret | undefined): Credentials | undefined {
  if (!secret) return undefined;
  const routeUser = readKey(secret, SECRET_KEYS.routeUser);
  const routePassword = readKey(secret, SECRET_KEYS.routePassword);
  if (!routeUser || !routePassword) return undefined;
  const creds: Credentials = { routeUser, routePassword };
  const clientUser = readKey(secret, SECRET_KEYS.clientUser);
  const clientPassword = readKey(secret, SECRET_KEYS.clientPassword);
  if (clientUser && clientPassword) {
    creds.clientUser = clientUser;
    creds.clientPassword = clientPassword;
  }
  return creds;
}

function b64(s: string): string {
  return Buffer.from(s, "utf8").toString("base64");
}

export function buildCredentialsSecret(nc: NatsCluster, creds: Credentials): V1Secret {
  const data: Record<string, string> = {
    [SECRET_KEYS.routeUser]: b64(creds.routeUser),
    [SECRET_KEYS.routePassword]: b64(creds.routePassword),
  };
  if (creds.clientUser && creds.clientPassword) {
    data[SECRET_KEYS.clientUser] = b64(creds.clientUser);
    data[SECRET_KEYS.clientPassword] = b64(creds.clientPassword);
  }
  data[SECRET_KEYS.routes] = b64(renderRoutesFile(nc, { user: creds.routeUser, password: creds.routePassword }));
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: childMeta(nc, childNames(nc).secret),
    type: "Opaque",
    data,
  };
}
