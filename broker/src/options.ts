// The typed options model of one server. Defaults follow nats-server 2.9.
// Durations are in milliseconds, sizes in bytes.

export interface ServerOptions {
  host: string;
  port: number; // 0 picks a free port; -1 means "random" as in nats-server (same effect here)
  serverName: string; // defaults to the server id
  clientAdvertise: string;

  // Auth from the CLI (--user/--pass/--auth) or, later, the config file.
  username: string;
  password: string;
  authorization: string; // token
  authTimeout: number;

  // Limits.
  maxConnections: number;
  maxControlLine: number;
  maxPayload: number;
  maxPending: number;
  maxSubscriptions: number; // 0 = unlimited
  pingInterval: number;
  pingMax: number;
  writeDeadline: number;

  // Monitoring (issue 3), declared here so the CLI can accept the flags.
  httpHost: string;
  httpPort: number; // 0 = off
  httpsPort: number;

  // Shutdown.
  lameDuckDuration: number;
  lameDuckGracePeriod: number;

  // Logging.
  debug: boolean;
  trace: boolean;
  logtime: boolean;
  logFile: string;
  syslog: boolean;
  remoteSyslog: string;
  pidFile: string;
  portsFileDir: string;
}

export const DEFAULT_PORT = 4222;

export function defaultOptions(): ServerOptions {
  return {
    host: "0.0.0.0",
    port: DEFAULT_PORT,
    serverName: "",
    clientAdvertise: "",
    username: "",
    password: "",
    authorization: "",
    authTimeout: 2000,
    maxConnections: 64 * 1024,
    maxControlLine: 4096,
    maxPayload: 1024 * 1024,
    maxPending: 64 * 1024 * 1024,
    maxSubscriptions: 0,
    pingInterval: 2 * 60 * 1000,
    pingMax: 2,
    writeDeadline: 10 * 1000,
    httpHost: "0.0.0.0",
    httpPort: 0,
    httpsPort: 0,
    lameDuckDuration: 2 * 60 * 1000,
    lameDuckGracePeriod: 10 * 1000,
    debug: false,
    trace: false,
    logtime: true,
    logFile: "",
    syslog: false,
    remoteSyslog: "",
    pidFile: "",
    portsFileDir: "",
  };
}
