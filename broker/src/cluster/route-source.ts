// Presents the cluster's routes to the monitor (/routez, /varz) in the shape it reads.

import type { MonitoredRoute, RouteSource, RouteSub } from "../monitor/routez.js";
import type { Cluster } from "./cluster.js";
import type { Route } from "./route.js";

function monitored(r: Route): MonitoredRoute {
  return {
    rid: r.rid,
    remoteId: r.remoteId,
    didSolicit: r.solicited,
    isConfigured: r.explicit,
    ip: r.host,
    port: r.port,
    start: r.start,
    lastActivity: r.lastActivity,
    rtt: r.pinger.rtt,
    pending: r.socket.writableLength + r.out.pos,
    inMsgs: r.inMsgs,
    outMsgs: r.outMsgs,
    inBytes: r.inBytes,
    outBytes: r.outBytes,
    numSubs: r.subs.size,
    *subs(): Iterable<RouteSub> {
      // nats-server names a route's interest by its key: "$G subject [queue]".
      for (const [key, s] of r.subs) yield { subject: s.subject, queue: s.queue, sid: `$G ${key}`, delivered: s.delivered, max: 0 };
    },
  };
}

export function routeSource(cluster: Cluster): RouteSource {
  return {
    routes: () => [...cluster.routes.values()].map(monitored),
    clusterPort: () => cluster.port,
    clusterName: () => cluster.name,
    connectUrls: () => (cluster.routes.size > 0 ? cluster.clientConnectUrls() : []),
  };
}
