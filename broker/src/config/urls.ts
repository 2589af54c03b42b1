// Address helpers shared by the CLI and the config loader: host:port splitting as Go's
// net.SplitHostPort does it, route URL lists, and the --cluster URL (nats://[user:pass@]host:port).

import type { ClusterOptions } from "../options.js";

/** Splits "host:port", "[v6]:port" or ":port". Throws with Go's wording on a malformed address. */
export function splitHostPort(hostport: string): { host: string; port: string } {
  const missingPort = `address ${hostport}: missing port in address`;
  const last = hostport.lastIndexOf(":");
  if (last < 0) throw new Error(missingPort);
  let host: string;
  if (hostport.startsWith("[")) {
    const end = hostport.indexOf("]");
    if (end < 0) throw new Error(`address ${hostport}: missing ']' in address`);
    if (end + 1 === hostport.length) throw new Error(missingPort);
    if (end + 1 !== last) throw new Error(`address ${hostport}: too many colons in address`);
    host = hostport.slice(1, end);
  } else {
    host = hostport.slice(0, last);
    if (host.includes(":")) throw new Error(`address ${hostport}: too many colons in address`);
  }
  return { host, port: hostport.slice(last + 1) };
}

/** Validates route URLs (trimmed); each needs a scheme and a host, e.g. nats://10.0.0.2:6222. */
export function parseRouteList(urls: readonly string[]): string[] {
  return urls.map((raw) => {
    const r = raw.trim();
    let u: URL;
    try {
      u = new URL(r);
    } catch {
      throw new Error(`error parsing route url [${JSON.stringify(r)}]`);
    }
    if (u.hostname === "") throw new Error(`error parsing route url [${JSON.stringify(r)}]: missing host`);
    return r;
  });
}

/**
 * Applies a cluster listen URL such as nats://user:pass@0.0.0.0:6222 to the cluster options. A port
 * of -1 asks for a random port. As nats-server does for the --cluster flag, a URL without user
 * info clears the route credentials the config file may have set.
 */
export function applyClusterUrl(raw: string, c: Partial<ClusterOptions>): void {
  let s = raw;
  const wantsRandom = s.endsWith(":-1");
  if (wantsRandom) s = s.slice(0, -3) + ":0";
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new Error(`parse "${raw}": invalid URL`);
  }
  // URL drops a default port; the raw text still has it, so split the authority ourselves.
  const authority = s.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//, "").split(/[/?#]/)[0] ?? "";
  const hostport = authority.slice(authority.lastIndexOf("@") + 1);
  const { host, port } = splitHostPort(hostport);
  const p = wantsRandom ? -1 : Number(port);
  if (!/^\d+$/.test(port) && !wantsRandom) throw new Error(`invalid port "${port}"`);
  c.host = host;
  c.port = p;
  if (u.username !== "" || authority.includes("@")) {
    if (!authority.slice(0, authority.lastIndexOf("@")).includes(":")) {
      throw new Error("expected cluster password to be set");
    }
    c.username = decodeURIComponent(u.username);
    c.password = decodeURIComponent(u.password);
  } else {
    c.username = "";
    c.password = "";
  }
}
