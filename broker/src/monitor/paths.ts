// The monitoring endpoints, in one place. The names are nats-server's, plus /metrics.

export const MonitorPath = {
  ROOT: "/",
  VARZ: "/varz",
  CONNZ: "/connz",
  ROUTEZ: "/routez",
  SUBSZ: "/subsz",
  /** nats-server's older name for /subsz; its requests count under /subsz. */
  SUBSCRIPTIONSZ: "/subscriptionsz",
  HEALTHZ: "/healthz",
  ACCOUNTZ: "/accountz",
  ACCSTATZ: "/accstatz",
  JSZ: "/jsz",
  LEAFZ: "/leafz",
  GATEWAYZ: "/gatewayz",
  /** Prometheus metrics named as the standard NATS exporter names them. */
  METRICS: "/metrics",
} as const;
export type MonitorPath = (typeof MonitorPath)[keyof typeof MonitorPath];
