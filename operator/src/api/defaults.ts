// The defaults the CRD schema applies, repeated here so that the builders give the same result for
// a NatsCluster that did not pass through an API server (tests, old stored objects).
import type { AuthConfig, NatsClusterSpec, TLSConfig } from "./types.js";

export const DEFAULT_SIZE = 3;
export const DEFAULT_VERSION = "2.9.10";
export const DEFAULT_LAME_DUCK_SECONDS = 30;
/** The pods' grace period is the lame duck duration plus this, so lame duck can finish. */
export const TERMINATION_GRACE_EXTRA_SECONDS = 30;

export const DEFAULT_AUTH_USER_KEY = "user";
export const DEFAULT_AUTH_PASSWORD_KEY = "password";

export const DEFAULT_TLS_FILE_NAMES = {
  serverSecretCAFileName: "ca.pem",
  serverSecretCertFileName: "server.pem",
  serverSecretKeyFileName: "server-key.pem",
  routesSecretCAFileName: "ca.pem",
  routesSecretCertFileName: "route.pem",
  routesSecretKeyFileName: "route-key.pem",
} as const;

export type DefaultedTLS = TLSConfig & Required<Pick<TLSConfig, keyof typeof DEFAULT_TLS_FILE_NAMES>>;
export type DefaultedAuth = AuthConfig & Required<Pick<AuthConfig, "clientsAuthSecretUserKey" | "clientsAuthSecretPasswordKey">>;

export interface DefaultedSpec extends NatsClusterSpec {
  size: number;
  version: string;
  lameDuckDurationSeconds: number;
  noAdvertise: boolean;
  paused: boolean;
  auth?: DefaultedAuth;
  tls?: DefaultedTLS;
}

/** Returns a copy of spec with every CRD default filled in. */
export function withDefaults(spec: NatsClusterSpec): DefaultedSpec {
  const { auth, tls, ...rest } = spec;
  const out: DefaultedSpec = {
    ...rest,
    size: spec.size ?? DEFAULT_SIZE,
    version: spec.version ?? DEFAULT_VERSION,
    lameDuckDurationSeconds: spec.lameDuckDurationSeconds ?? DEFAULT_LAME_DUCK_SECONDS,
    noAdvertise: spec.noAdvertise ?? false,
    paused: spec.paused ?? false,
  };
  if (auth) {
    out.auth = {
      ...auth,
      clientsAuthSecretUserKey: auth.clientsAuthSecretUserKey ?? DEFAULT_AUTH_USER_KEY,
      clientsAuthSecretPasswordKey: auth.clientsAuthSecretPasswordKey ?? DEFAULT_AUTH_PASSWORD_KEY,
    };
  }
  if (tls) {
    out.tls = { ...DEFAULT_TLS_FILE_NAMES, ...dropUndefined(tls) };
  }
  return out;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
