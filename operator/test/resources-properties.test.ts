// Properties every set of children must have, checked over many NatsCluster variants.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1ObjectMeta } from "@kubernetes/client-node";
import type { NatsCluster, NatsClusterSpec } from "../src/api/types.js";
import { validateNatsCluster } from "../src/api/validate.js";
import {
  CONFIG_HASH_ANNOTATION,
  brokerConfig,
  buildChildren,
  childNames,
  configHash,
  credentialsFromSecret,
  generateCredentials,
  routeUrls,
  selectorLabels,
  selectorString,
  type Children,
  type Credentials,
} from "../src/resources/index.js";

function cluster(spec: NatsClusterSpec, name = "orders", namespace = "shop"): NatsCluster {
  return {
    apiVersion: "skein.dev/v1alpha1",
    kind: "NatsCluster",
    metadata: { name, namespace, uid: `uid-${name}`, generation: 1 },
    spec,
  };
}

function build(nc: NatsCluster, creds?: Credentials): Children {
  return buildChildren(nc, { defaultImage: "skein:test", credentials: creds ?? generateCredentials(nc.spec) });
}

function allChildren(c: Children): Array<{ kind: string; metadata: V1ObjectMeta }> {
  return [c.configMap, c.credentialsSecret, c.headlessService, c.clientService, c.statefulSet, c.podDisruptionBudget].map(
    (o) => ({ kind: o.kind ?? "?", metadata: o.metadata ?? {} }),
  );
}

function skeinConf(c: Children): string {
  const text = c.configMap.data?.["skein.conf"];
  assert.ok(text, "ConfigMap has no skein.conf");
  return text;
}

function routesConf(c: Children): string {
  const b64 = c.credentialsSecret.data?.["routes.conf"];
  assert.ok(b64, "Secret has no routes.conf");
  return Buffer.from(b64, "base64").toString("utf8");
}

function podTemplateHash(c: Children): string | undefined {
  return c.statefulSet.spec?.template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
}

const variants: NatsClusterSpec[] = [
  {},
  { size: 1 },
  { size: 0, paused: true },
  { size: 7, version: "2.9.11", serverImage: "example.com/skein", noAdvertise: true },
  { auth: {}, natsConfig: { debug: true, trace: true, maxPayload: 1024, maxPending: 2048 } },
  { auth: { clientsAuthSecret: "mine", clientsAuthSecretUserKey: "u", clientsAuthSecretPasswordKey: "p" } },
  { tls: { serverSecret: "srv", routesSecret: "rt", verify: true }, lameDuckDurationSeconds: 120 },
  { pod: { labels: { "app.kubernetes.io/instance": "evil", x: "y" }, antiAffinity: true } },
  { extraRoutes: [{ cluster: "other" }, { route: "nats-route://u:secretpw@far.example.com:6222" }] },
];

test("every child carries the controller ownerReference and the app.kubernetes.io labels", () => {
  for (const spec of variants) {
    const nc = cluster(spec);
    for (const child of allChildren(build(nc))) {
      const where = `${child.kind} for ${JSON.stringify(spec)}`;
      assert.equal(child.metadata.namespace, "shop", where);
      const refs = child.metadata.ownerReferences ?? [];
      assert.equal(refs.length, 1, where);
      assert.deepEqual(refs[0], {
        apiVersion: "skein.dev/v1alpha1",
        kind: "NatsCluster",
        name: "orders",
        uid: "uid-orders",
        controller: true,
        blockOwnerDeletion: true,
      }, where);
      const labels = child.metadata.labels ?? {};
      assert.equal(labels["app.kubernetes.io/name"], "skein", where);
      assert.equal(labels["app.kubernetes.io/instance"], "orders", where);
      assert.equal(labels["app.kubernetes.io/component"], "broker", where);
      assert.equal(labels["app.kubernetes.io/managed-by"], "skein-operator", where);
      assert.equal(labels["app.kubernetes.io/version"], spec.version ?? "2.9.10", where);
    }
  }
});

test("selectors match the pod template, and user pod labels cannot take over a selector label", () => {
  for (const spec of variants) {
    const c = build(cluster(spec));
    const podLabels = c.statefulSet.spec?.template.metadata?.labels ?? {};
    const selector = selectorLabels(cluster(spec));
    for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v, `${k} on the pod template`);
    assert.deepEqual(c.statefulSet.spec?.selector.matchLabels, selector);
    assert.deepEqual(c.headlessService.spec?.selector, selector);
    assert.deepEqual(c.clientService.spec?.selector, selector);
    assert.deepEqual(c.podDisruptionBudget.spec?.selector?.matchLabels, selector);
  }
  assert.equal(selectorString(cluster({})),
    "app.kubernetes.io/name=skein,app.kubernetes.io/instance=orders,app.kubernetes.io/component=broker");
  const withUserLabels = build(cluster({ pod: { labels: { "app.kubernetes.io/instance": "evil", x: "y" } } }));
  assert.equal(withUserLabels.statefulSet.spec?.template.metadata?.labels?.["x"], "y");
});

test("the route list has one URL per ordinal on the headless Service, then the extra routes", () => {
  for (let size = 0; size <= 9; size++) {
    const nc = cluster({ size, extraRoutes: [{ route: "nats-route://far.example.com:6222" }] });
    const c = build(nc);
    const urls = routeUrls(nc);
    assert.equal(urls.length, size + 1);
    for (let i = 0; i < size; i++) {
      assert.equal(urls[i], `nats-route://orders-${i}.${c.headlessService.metadata?.name}.shop.svc:6222`);
    }
    assert.equal(urls[size], "nats-route://far.example.com:6222");
    const conf = routesConf(c);
    const creds = credentialsFromSecret(c.credentialsSecret);
    assert.ok(creds);
    const listed = [...conf.matchAll(/"(nats-route:\/\/[^"]+)"/g)].map((m) => m[1]);
    assert.equal(listed.length, size + 1, conf);
    for (let i = 0; i < size; i++) {
      assert.equal(listed[i], `nats-route://${creds.routeUser}:${creds.routePassword}@orders-${i}.orders-headless.shop.svc:6222`);
    }
    for (const url of urls) assert.ok(skeinConf(c).includes(url), `skein.conf lists ${url}`);
  }
});

test("no credential or password-like value appears anywhere in the ConfigMap", () => {
  for (const spec of variants) {
    const nc = cluster(spec);
    const creds = generateCredentials(spec);
    const c = build(nc, creds);
    const cm = JSON.stringify(c.configMap);
    const secrets = [creds.routeUser, creds.routePassword, creds.clientUser, creds.clientPassword, "secretpw"];
    for (const s of secrets) if (s) assert.ok(!cm.includes(s), `ConfigMap contains ${s} for ${JSON.stringify(spec)}`);
    // No userinfo in any URL and no literal password value: only $VARIABLE references.
    assert.doesNotMatch(cm, /:\/\/[^/"\s]*@/);
    for (const m of skeinConf(c).matchAll(/^\s*(user|password)\s*:\s*(\S+)/gm)) {
      assert.match(m[2] ?? "", /^\$[A-Z_]+$/, `${m[1]} must be a variable reference`);
    }
    // The Secret does hold them.
    const fromSecret = credentialsFromSecret(c.credentialsSecret);
    assert.equal(fromSecret?.routePassword, creds.routePassword);
  }
});

test("the config hash changes for changes a reload cannot apply, and only for those", () => {
  const base = brokerConfig(cluster({}));
  const portChanged = structuredClone(base);
  portChanged.static.clientPort = 4223;
  assert.notEqual(configHash(portChanged), configHash(base));
  const clusterPortChanged = structuredClone(base);
  clusterPortChanged.static.clusterPort = 7222;
  assert.notEqual(configHash(clusterPortChanged), configHash(base));
  const payloadChanged = structuredClone(base);
  payloadChanged.reloadable.maxPayload = 4096;
  assert.equal(configHash(payloadChanged), configHash(base));

  const c0 = build(cluster({ natsConfig: { maxPayload: 1048576 } }));
  const reloadable: NatsClusterSpec[] = [
    { natsConfig: { maxPayload: 2097152 } },
    { natsConfig: { maxPayload: 1048576, debug: true, trace: true, pingInterval: "30s", writeDeadline: "2s" } },
    { natsConfig: { maxPayload: 1048576, maxConnections: 5 } },
    { natsConfig: { maxPayload: 1048576 }, size: 5 },
    { natsConfig: { maxPayload: 1048576 }, extraRoutes: [{ route: "nats-route://x:6222" }] },
  ];
  for (const spec of reloadable) {
    const c = build(cluster(spec));
    assert.equal(podTemplateHash(c), podTemplateHash(c0), `hash changed for ${JSON.stringify(spec)}`);
    assert.notEqual(skeinConf(c), skeinConf(c0), `config unchanged for ${JSON.stringify(spec)}`);
  }
  const rolling: NatsClusterSpec[] = [
    { natsConfig: { maxPayload: 1048576 }, lameDuckDurationSeconds: 90 },
    { natsConfig: { maxPayload: 1048576 }, noAdvertise: true },
    { natsConfig: { maxPayload: 1048576 }, tls: { serverSecret: "srv" } },
  ];
  for (const spec of rolling) {
    const c = build(cluster(spec));
    assert.notEqual(podTemplateHash(c), podTemplateHash(c0), `hash unchanged for ${JSON.stringify(spec)}`);
  }
  assert.notEqual(podTemplateHash(build(cluster({}, "payments"))), podTemplateHash(build(cluster({}))),
    "the cluster name is part of the hash");
});

test("scaling changes the routes, the replicas and nothing that rolls the pods", () => {
  const creds = generateCredentials({});
  const three = build(cluster({ size: 3 }), creds);
  const five = build(cluster({ size: 5 }), creds);
  assert.equal(three.statefulSet.spec?.replicas, 3);
  assert.equal(five.statefulSet.spec?.replicas, 5);
  assert.deepEqual(five.statefulSet.spec?.template, three.statefulSet.spec?.template);
  assert.notEqual(skeinConf(five), skeinConf(three));
  assert.notEqual(routesConf(five), routesConf(three));
  assert.ok(routesConf(five).includes("orders-4.orders-headless.shop.svc:6222"));
  assert.ok(!routesConf(three).includes("orders-3."));
  const down = build(cluster({ size: 1 }), creds);
  assert.equal((routesConf(down).match(/nats-route:/g) ?? []).length, 1);
});

test("credentials: generated once, read back from the Secret, kept when filled up", () => {
  const spec: NatsClusterSpec = { auth: {} };
  const a = generateCredentials(spec);
  const b = generateCredentials(spec);
  assert.notEqual(a.routePassword, b.routePassword);
  for (const v of [a.routeUser, a.routePassword, a.clientUser, a.clientPassword]) {
    assert.match(v ?? "", /^[A-Za-z][A-Za-z0-9]{8,}$/);
  }
  const secret = build(cluster(spec), a).credentialsSecret;
  assert.deepEqual(credentialsFromSecret(secret), a);
  assert.equal(credentialsFromSecret(undefined), undefined);
  assert.equal(credentialsFromSecret({ data: {} }), undefined);
  // Turning auth on later keeps the route credentials and adds client ones.
  const routeOnly = generateCredentials({});
  assert.equal(routeOnly.clientUser, undefined);
  const filled = generateCredentials(spec, routeOnly);
  assert.equal(filled.routeUser, routeOnly.routeUser);
  assert.equal(filled.routePassword, routeOnly.routePassword);
  assert.ok(filled.clientUser && filled.clientPassword);
  assert.deepEqual(generateCredentials(spec, filled), filled);
  // A Secret of the user's own needs no generated client credentials.
  assert.equal(generateCredentials({ auth: { clientsAuthSecret: "mine" } }).clientUser, undefined);
  assert.throws(() => build(cluster(spec), routeOnly), /generateCredentials/);
});

test("the StatefulSet: Parallel, probes, non-root, lame duck within the grace period, env from the Secret", () => {
  const nc = cluster({ lameDuckDurationSeconds: 45, auth: { clientsAuthSecret: "mine" } });
  const c = build(nc);
  const sts = c.statefulSet.spec;
  assert.ok(sts);
  assert.equal(sts.podManagementPolicy, "Parallel");
  assert.equal(sts.serviceName, childNames(nc).headless);
  const pod = sts.template.spec;
  assert.ok(pod);
  assert.ok((pod.terminationGracePeriodSeconds ?? 0) > 45);
  assert.equal(pod.securityContext?.runAsNonRoot, true);
  const broker = pod.containers[0];
  assert.ok(broker);
  assert.deepEqual(broker.args, ["--config", "/etc/skein/skein.conf"]);
  assert.equal(broker.command, undefined);
  assert.deepEqual(broker.ports?.map((p) => p.containerPort), [4222, 6222, 8222]);
  assert.equal(broker.readinessProbe?.httpGet?.path, "/healthz");
  assert.equal(broker.readinessProbe?.httpGet?.port, 8222);
  assert.equal(broker.securityContext?.readOnlyRootFilesystem, true);
  assert.deepEqual(broker.securityContext?.capabilities?.drop, ["ALL"]);
  assert.match(broker.lifecycle?.preStop?.exec?.command?.join(" ") ?? "", /--signal ldm=\/var\/run\/skein\/skein\.pid/);
  const env = Object.fromEntries((broker.env ?? []).map((e) => [e.name, e.valueFrom]));
  assert.equal(env["POD_NAME"]?.fieldRef?.fieldPath, "metadata.name");
  assert.equal(env["ROUTE_PASSWORD"]?.secretKeyRef?.name, childNames(nc).secret);
  assert.deepEqual(env["CLIENT_USER"]?.secretKeyRef, { name: "mine", key: "user" });
  assert.deepEqual(env["CLIENT_PASSWORD"]?.secretKeyRef, { name: "mine", key: "password" });
  for (const e of broker.env ?? []) assert.equal(e.value, undefined, `${e.name} must not carry a literal value`);
  assert.equal(c.headlessService.spec?.clusterIP, "None");
  assert.equal(c.headlessService.spec?.publishNotReadyAddresses, true);
  assert.equal(c.podDisruptionBudget.spec?.maxUnavailable, 1);
  assert.equal(build(cluster({ serverImage: "reg.example:5000/skein", version: "2.9.12" })).statefulSet.spec?.template.spec?.containers[0]?.image,
    "reg.example:5000/skein:2.9.12");
});

test("validateNatsCluster reports what the schema cannot", () => {
  assert.deepEqual(validateNatsCluster(cluster({})), []);
  assert.deepEqual(validateNatsCluster(cluster(variants[8]!)), []);
  const bad = validateNatsCluster(cluster({
    natsConfig: { maxPayload: 2048, maxPending: 1024 },
    extraRoutes: [{}, { cluster: "orders" }],
    lameDuckDurationSeconds: 5,
  }));
  assert.equal(bad.length, 4, bad.join("\n"));
  assert.match(bad.join("\n"), /maxPayload \(2048\) cannot be higher than maxPending \(1024\)/);
  assert.match(validateNatsCluster(cluster({}, "x".repeat(53))).join(), /longer than 52/);
  assert.match(validateNatsCluster(cluster({}, "has.dots")).join(), /DNS label/);
});
