// The HTML page at the monitoring root: the server's version and a link to each endpoint.

import { PROTOCOL_VERSION } from "../info.js";
import { MonitorPath } from "./paths.js";

// nats-server's links in its order, then /metrics.
const LINKS: readonly (readonly [string, string])[] = [
  [MonitorPath.VARZ, "General"],
  [MonitorPath.JSZ, "JetStream"],
  [MonitorPath.CONNZ, "Connections"],
  [MonitorPath.ACCOUNTZ, "Accounts"],
  [MonitorPath.ACCSTATZ, "Account Stats"],
  [MonitorPath.SUBSZ, "Subscriptions"],
  [MonitorPath.ROUTEZ, "Routes"],
  [MonitorPath.LEAFZ, "LeafNodes"],
  [MonitorPath.GATEWAYZ, "Gateways"],
  [MonitorPath.HEALTHZ, "Health Probe"],
  [MonitorPath.METRICS, "Prometheus Metrics"],
];

export function indexPage(): string {
  const links = LINKS.map(([path, title], i) =>
    `    <a href=.${path}${i === LINKS.length - 1 ? " class=last" : ""}>${title}</a>`).join("\n");
  return `<html lang="en">
  <head>
    <title>NATS Server Monitoring</title>
    <style type="text/css">
      body { font-family: system-ui, sans-serif; margin-left: 32px }
      a { display: block; margin-left: 8px; padding-bottom: 6px; color: #48485c; text-decoration: none }
      a:hover { font-weight: 600; color: #3b32ca }
      a.last { padding-bottom: 16px }
      .version { font-size: 14px; color: #555 }
    </style>
  </head>
  <body>
    <h2>NATS Server Monitoring</h2>
    <div class="version">v${PROTOCOL_VERSION}</div>
    <br/>
${links}
    <a href=https://docs.nats.io/running-a-nats-service/nats_admin/monitoring class="help">Help</a>
  </body>
</html>`;
}
