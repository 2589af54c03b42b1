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

  // --- Appended by the config/CLI author (issue 3). ---
  traceVerbose: boolean; // -VV / -DVV
  logSizeLimit: number; // bytes, 0 = no rotation
  maxTracedMsgLen: number; // 0 = unlimited

  // Multi-user authorization (authorization { users: [...] }) and the user to
  // assume for clients that send no credentials.
  users: UserConfig[];
  defaultPermissions: UserPermissions | null;
  noAuthUser: string;

  // Client TLS (top-level tls {} or --tls/--tlsverify/--tlscert/--tlskey/--tlscacert).
  tls: boolean;
  tlsVerify: boolean;
  tlsCert: string;
  tlsKey: string;
  tlsCaCert: string;
  tlsTimeout: number; // ms
  tlsInsecure: boolean;

  cluster: ClusterOptions;
}

// One allow/deny pair; an empty list means "no rule" on that side.
export interface SubjectPermission {
  allow: string[];
  deny: string[];
}

export interface ResponsePermission {
  maxMsgs: number; // nats-server default 1
  expires: number; // ms; 0 = no expiry
}

export interface UserPermissions {
  publish: SubjectPermission | null;
  subscribe: SubjectPermission | null;
  response: ResponsePermission | null; // allow_responses
}

export interface UserConfig {
  username: string;
  password: string; // may be a bcrypt hash ("$2a$...")
  permissions: UserPermissions | null;
}

export interface TlsConfig {
  certFile: string;
  keyFile: string;
  caFile: string;
  verify: boolean;
  insecure: boolean;
  timeout: number; // ms
}

// The cluster block. port 0 means "no cluster listener"; -1 asks for a random port (as nats-server).
export interface ClusterOptions {
  name: string;
  host: string;
  port: number;
  advertise: string;
  noAdvertise: boolean;
  connectRetries: number;
  routes: string[]; // URLs as written, e.g. nats://user:pass@host:6222
  username: string;
  password: string;
  authTimeout: number; // ms
  tls: TlsConfig | null;
}

export const DEFAULT_CLUSTER_PORT = 6222;

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
    traceVerbose: false,
    logSizeLimit: 0,
    maxTracedMsgLen: 0,
    users: [],
    defaultPermissions: null,
    noAuthUser: "",
    tls: false,
    tlsVerify: false,
    tlsCert: "",
    tlsKey: "",
    tlsCaCert: "",
    tlsTimeout: 2000,
    tlsInsecure: false,
    cluster: defaultClusterOptions(),
  };
}

export function defaultClusterOptions(): ClusterOptions {
  return {
    name: "",
    host: "",
    port: 0,
    advertise: "",
    noAdvertise: false,
    connectRetries: 0,
    routes: [],
    username: "",
    password: "",
    authTimeout: 2000,
    tls: null,
  };
}
