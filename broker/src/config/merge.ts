// Combines defaults, config-file options and command-line overrides (flags win over the file, as in
// nats-server), and checks the combined options for settings that contradict each other.

import type { OptionOverrides } from "./cli.js";
import { formatGoDuration } from "./duration.js";
import type { ServerOptions } from "../options.js";

export type OptionField = keyof ServerOptions;

export interface OptionProblem {
  field: OptionField;
  message: string;
}

/** defaults <- file <- flags. Cluster settings merge field by field. */
export function mergeOptions(defaults: ServerOptions, file: OptionOverrides, cli: OptionOverrides): ServerOptions {
  const { cluster: fileCluster, ...fileRest } = file;
  const { cluster: cliCluster, ...cliRest } = cli;
  const out: ServerOptions = {
    ...defaults,
    ...stripUndefined(fileRest),
    ...stripUndefined(cliRest),
    cluster: { ...defaults.cluster, ...stripUndefined(fileCluster ?? {}), ...stripUndefined(cliCluster ?? {}) },
  };
  // As in nats-server, monitoring binds to the client host unless an address was given for it.
  const httpHost = cli.httpHost || file.httpHost;
  out.httpHost = httpHost ? httpHost : out.host;
  // With TLS, an auth timeout left unset is the TLS timeout plus one second (nats-server's rule).
  if (out.tls && file.authTimeout === undefined && cli.authTimeout === undefined) out.authTimeout = out.tlsTimeout + 1000;
  const clusterTls = out.cluster.tls;
  if (clusterTls && fileCluster?.authTimeout === undefined && cliCluster?.authTimeout === undefined) {
    out.cluster.authTimeout = clusterTls.timeout + 1000;
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Checks that hold across settings, with nats-server's messages. `cli` is the flag overrides, for the
 * checks nats-server makes only on flags (routes given by --routes need a cluster listener).
 */
export function validateOptions(o: ServerOptions, cli: OptionOverrides = {}): OptionProblem[] {
  const problems: OptionProblem[] = [];
  const add = (field: OptionField, message: string): void => { problems.push({ field, message }); };
  if (o.maxPayload > o.maxPending) {
    add("maxPayload", `max_payload (${o.maxPayload}) cannot be higher than max_pending (${o.maxPending})`);
  }
  if (o.lameDuckGracePeriod >= o.lameDuckDuration) {
    add("lameDuckGracePeriod", `lame duck grace period (${formatGoDuration(o.lameDuckGracePeriod)}) should be strictly ` +
      `lower than lame duck duration (${formatGoDuration(o.lameDuckDuration)})`);
  }
  if (o.noAuthUser !== "") {
    if (o.users.length === 0) {
      add("noAuthUser", `no_auth_user: "${o.noAuthUser}" present, but users are not defined`);
    } else if (!o.users.some((u) => u.username === o.noAuthUser)) {
      add("noAuthUser", `no_auth_user: "${o.noAuthUser}" not present as user or nkey in authorization block or account configuration`);
    }
  }
  if (o.users.length > 0 && o.username !== "") add("users", "Can not have a single user/pass and a users array");
  if (o.users.length > 0 && o.authorization !== "") add("users", "Can not have a token and a users array");
  if (o.tls && (o.tlsCert === "" || o.tlsKey === "")) add("tls", "TLS Server certificate must be present and valid");
  const ports: [OptionField, string, number][] = [
    ["port", "port", o.port], ["httpPort", "http_port", o.httpPort], ["httpsPort", "https_port", o.httpsPort],
    ["cluster", "cluster port", o.cluster.port],
  ];
  for (const [field, name, v] of ports) {
    if (!Number.isInteger(v) || v < -1 || v > 65535) add(field, `invalid ${name} ${v}: must be between -1 and 65535`);
  }
  if ((cli.cluster?.routes?.length ?? 0) > 0 && o.cluster.port === 0 && o.cluster.host === "") {
    add("cluster", "solicited routes require cluster capabilities, e.g. --cluster");
  }
  return problems;
}
