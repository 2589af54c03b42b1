// The exact texts nats-server 2.9 puts on the wire and in /connz, in one place.

export const PROTO = {
  OK: Buffer.from("+OK\r\n"),
  PING: Buffer.from("PING\r\n"),
  PONG: Buffer.from("PONG\r\n"),
} as const;

/** -ERR texts, sent as `-ERR '<text>'`. */
export const ERR = {
  UNKNOWN_OP: "Unknown Protocol Operation",
  AUTH_VIOLATION: "Authorization Violation",
  AUTH_VIOLATION_LOG: "Authorization Error",
  AUTH_TIMEOUT: "Authentication Timeout",
  BAD_PROTOCOL: "invalid client protocol",
  NO_RESPONDERS_NEEDS_HEADERS: "no responders requires headers support",
  INVALID_SUBJECT: "Invalid Subject",
  INVALID_PUB_SUBJECT: "Invalid Publish Subject",
  MAX_SUBS: "maximum subscriptions exceeded",
  MAX_PAYLOAD: "Maximum Payload Violation",
  MAX_CONTROL_LINE: "maximum control line exceeded",
  MAX_CONNECTIONS: "maximum connections exceeded",
  STALE: "Stale Connection",
} as const;

/** Why a connection closed, as /connz reports it. */
export const CloseReason = {
  CLIENT_CLOSED: "Client Closed",
  AUTH_TIMEOUT: "Authentication Timeout",
  AUTH_VIOLATION: "Authentication Failure",
  SLOW_CONSUMER_PENDING: "Slow Consumer (Pending Bytes)",
  SLOW_CONSUMER_DEADLINE: "Slow Consumer (Write Deadline)",
  WRITE_ERROR: "Write Error",
  READ_ERROR: "Read Error",
  PARSE_ERROR: "Parse Error",
  STALE: "Stale Connection",
  PROTOCOL_VIOLATION: "Protocol Violation",
  MAX_CONNECTIONS: "Maximum Connections Exceeded",
  MAX_PAYLOAD: "Maximum Message Payload Exceeded",
  MAX_CONTROL_LINE: "maximum control line exceeded",
  SERVER_SHUTDOWN: "Server Shutdown",
  TLS_HANDSHAKE: "TLS Handshake Failure",
  WRONG_PORT: "Incorrect Port",
  DUPLICATE_ROUTE: "Duplicate Route",
  ROUTE_REMOVED: "Route Removed",
  ROUTE_TO_SELF: "Duplicate Route",
  CLUSTER_NAME_CONFLICT: "Cluster Name Conflict",
} as const;
