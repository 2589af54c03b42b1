// Unknown fields of built-in kinds: dropped with a warning by default, refused with fieldValidation=Strict,
// dropped silently with Ignore; and the operator's golden children use only known fields.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { pruneBuiltin } from "../fake-apiserver/known-fields.js";
import { harness, raw, type Harness } from "./fake-apiserver-helpers.js";

let h: Harness;
before(async () => { h = await harness(); });
after(async () => { await h.srv.stop(); });

const GOLDEN = fileURLToPath(new URL("../../operator/test/golden/", import.meta.url));
const KEYS: Record<string, string> = {
  "v1/ConfigMap": "|configmaps", "v1/Secret": "|secrets", "v1/Service": "|services",
  "apps/v1/StatefulSet": "apps|statefulsets", "policy/v1/PodDisruptionBudget": "policy|poddisruptionbudgets",
};

test("the operator's golden children use only fields the API server knows", () => {
  let checked = 0;
  for (const dir of readdirSync(GOLDEN)) {
    for (const file of readdirSync(join(GOLDEN, dir)).filter((f) => f.endsWith(".yaml"))) {
      for (const doc of parseAllDocuments(readFileSync(join(GOLDEN, dir, file), "utf8"))) {
        const o = doc.toJS() as Record<string, unknown> | null;
        if (!o) continue;
        const key = KEYS[`${String(o.apiVersion)}/${String(o.kind)}`];
        assert.ok(key, `${dir}/${file}: unexpected kind ${String(o.kind)}`);
        assert.deepEqual(pruneBuiltin(key, o), [], `${dir}/${file}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 5, `checked ${checked} objects`);
});

const sts = {
  apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "typo" },
  spec: { replica: 3, serviceName: "typo", selector: { matchLabels: { a: "b" } },
    template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i:1", imagePolicy: "Always" }] } } },
};

test("unknown fields are dropped with a Warning header by default", async () => {
  const r = await raw(h.srv, "POST", "/apis/apps/v1/namespaces/default/statefulsets", sts);
  assert.equal(r.status, 201);
  assert.equal(r.headers.get("warning"), '299 - "unknown field \\"spec.replica\\"", 299 - "unknown field \\"spec.template.spec.containers[0].imagePolicy\\""');
  const spec = r.json.spec as Record<string, unknown>;
  assert.equal(spec.replica, undefined);
  assert.equal(spec.replicas, 1, "the default applies instead");
});

test("fieldValidation=Strict refuses unknown fields; Ignore drops them silently", async () => {
  const strict = await raw(h.srv, "POST", "/apis/apps/v1/namespaces/default/statefulsets?fieldValidation=Strict", { ...sts, metadata: { name: "strict" } });
  assert.equal(strict.status, 400);
  assert.equal(strict.json.message, 'StatefulSet in version "v1" cannot be handled as a StatefulSet: strict decoding error: unknown field "spec.replica", unknown field "spec.template.spec.containers[0].imagePolicy"');
  const ignore = await raw(h.srv, "POST", "/apis/apps/v1/namespaces/default/statefulsets?fieldValidation=Ignore", { ...sts, metadata: { name: "ignored" } });
  assert.equal(ignore.status, 201);
  assert.equal(ignore.headers.get("warning"), null);
});
