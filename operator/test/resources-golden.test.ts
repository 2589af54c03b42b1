// Golden tests: the children built for fixed NatsClusters (the deploy samples and variants), as YAML,
// must equal the files in operator/test/golden/. UPDATE_GOLDEN=1 rewrites the files instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import type { NatsCluster } from "../src/api/types.js";
import { buildChildren, type Children, type Credentials } from "../src/resources/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const goldenDir = join(here, "golden");
const samplesDir = join(here, "..", "deploy", "samples");
const update = process.env.UPDATE_GOLDEN === "1";

const credentials: Credentials = {
  routeUser: "routegolden",
  routePassword: "PgoldenRoutePassword000000000000",
  clientUser: "clientgolden",
  clientPassword: "PgoldenClientPassword00000000000",
};

function sample(file: string): NatsCluster {
  const nc = parse(readFileSync(join(samplesDir, file), "utf8")) as NatsCluster;
  nc.metadata = { ...nc.metadata, namespace: "messaging", uid: "6f1c2a8e-0000-4000-8000-000000000001", generation: 1 };
  return nc;
}

function fixtures(): Record<string, NatsCluster> {
  const minimal = sample("natscluster-minimal.yaml");
  const full = sample("natscluster-full.yaml");
  const generatedAuth = sample("natscluster-minimal.yaml");
  generatedAuth.metadata.name = "authgen";
  generatedAuth.spec = {
    size: 2,
    auth: { clientsAuthTimeout: 5 },
    natsConfig: { debug: true, write_deadline: "3s", maxPayload: 65536 },
    extraRoutes: [{ cluster: "peer" }, { route: "nats-route://user:pw@remote.example.com:6222" }],
    pod: { labels: { "app.kubernetes.io/name": "not-ours", tier: "edge" } },
  };
  const empty = sample("natscluster-minimal.yaml");
  empty.metadata.name = "empty";
  empty.spec = { size: 0, noAdvertise: true };
  return { minimal, full, "generated-auth": generatedAuth, "size-zero": empty };
}

function goldenFiles(children: Children): Record<string, string> {
  const yaml = (o: unknown) => stringify(o, { aliasDuplicateObjects: false, lineWidth: 0 });
  const routes = children.credentialsSecret.data?.["routes.conf"];
  return {
    "configmap.yaml": yaml(children.configMap),
    "skein.conf": children.configMap.data?.["skein.conf"] ?? "",
    "secret.yaml": yaml(children.credentialsSecret),
    "routes.conf": routes === undefined ? "" : Buffer.from(routes, "base64").toString("utf8"),
    "service-headless.yaml": yaml(children.headlessService),
    "service-client.yaml": yaml(children.clientService),
    "statefulset.yaml": yaml(children.statefulSet),
    "pdb.yaml": yaml(children.podDisruptionBudget),
  };
}

for (const [name, nc] of Object.entries(fixtures())) {
  test(`golden children for fixture ${name}`, () => {
    const files = goldenFiles(buildChildren(nc, { defaultImage: "ghcr.io/example/skein:0.1.0", credentials }));
    const dir = join(goldenDir, name);
    for (const [file, actual] of Object.entries(files)) {
      const path = join(dir, file);
      if (update) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(path, actual);
        continue;
      }
      assert.ok(existsSync(path), `missing golden file ${path}; run with UPDATE_GOLDEN=1 to create it`);
      assert.equal(actual, readFileSync(path, "utf8"), `${name}/${file} differs from its golden file (UPDATE_GOLDEN=1 rewrites it)`);
    }
  });
}

test("the builders are deterministic and do not share objects with their input", () => {
  const nc = fixtures().full!;
  const before = JSON.stringify(nc);
  const a = buildChildren(nc, { defaultImage: "img:1", credentials });
  const b = buildChildren(nc, { defaultImage: "img:1", credentials });
  assert.deepEqual(a, b);
  a.statefulSet.spec!.template.spec!.tolerations!.push({ key: "mutated" });
  a.statefulSet.spec!.template.metadata!.labels!["mutated"] = "yes";
  assert.equal(JSON.stringify(nc), before, "changing a built child changed the NatsCluster");
  assert.notDeepEqual(a.statefulSet, b.statefulSet);
});
