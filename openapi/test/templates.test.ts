// The Kubeflow kinds' path items come from one template each (paths/kubeflow/), instantiated per
// kind of paths/kubeflow/kinds.yaml: every kind has the same four paths and eleven operations.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import YAML from "yaml";
import { sourceDir } from "../scripts/instantiate.mjs";
import { type JsonObject, loadBundle, operations } from "./load.js";

const doc = loadBundle();
const kinds = YAML.parse(readFileSync(new URL("../paths/kubeflow/kinds.yaml", import.meta.url), "utf8")) as {
  Kind: string;
  plural: string;
}[];

test("the kinds are TFJob, PyTorchJob and MXJob", () => {
  expect(kinds.map((k) => k.Kind)).toEqual(["TFJob", "PyTorchJob", "MXJob"]);
});

describe.each(kinds)("$Kind", ({ Kind, plural }) => {
  const base = "/apis/kubeflow.org/v1";
  const ns = `${base}/namespaces/{namespace}/${plural}`;
  const ops = operations(doc).filter((o) => o.path === `${base}/${plural}` || o.path.startsWith(ns));

  test("has the four paths and their eleven operations, tagged with the kind", () => {
    expect(Object.fromEntries(ops.map((o) => [o.operation.operationId, `${o.method} ${o.path}`]))).toEqual({
      [`listNamespaced${Kind}`]: `get ${ns}`,
      [`createNamespaced${Kind}`]: `post ${ns}`,
      [`deleteCollectionNamespaced${Kind}`]: `delete ${ns}`,
      [`readNamespaced${Kind}`]: `get ${ns}/{name}`,
      [`replaceNamespaced${Kind}`]: `put ${ns}/{name}`,
      [`patchNamespaced${Kind}`]: `patch ${ns}/{name}`,
      [`deleteNamespaced${Kind}`]: `delete ${ns}/{name}`,
      [`readNamespaced${Kind}Status`]: `get ${ns}/{name}/status`,
      [`replaceNamespaced${Kind}Status`]: `put ${ns}/{name}/status`,
      [`patchNamespaced${Kind}Status`]: `patch ${ns}/{name}/status`,
      [`list${Kind}ForAllNamespaces`]: `get ${base}/${plural}`,
    });
    for (const { operation } of ops) expect(operation.tags).toEqual([Kind]);
  });

  test("its objects are its own: schemas and examples of the kind", () => {
    const text = JSON.stringify(ops.map((o) => o.operation as JsonObject));
    const others = kinds.filter((k) => k.Kind !== Kind);
    for (const other of others) expect(text).not.toMatch(new RegExp(`\\b${other.Kind}|/${other.plural}\\b`));
    expect(text).toContain(`#/components/schemas/${Kind}"`);
    expect(text).toContain(`#/components/examples/${Kind}Seed"`);
  });
});

test("an instance keeps its template's line numbers", () => {
  for (const template of ["collection", "item", "status"]) {
    const text = readFileSync(new URL(`../paths/kubeflow/${template}.yaml`, import.meta.url), "utf8");
    const lines = text.trimEnd().split("\n");
    const name = `apis_kubeflow.org_v1_namespaces_{namespace}_tfjobs${{ collection: "", item: "_{name}", status: "_{name}_status" }[template]}.yaml`;
    const instance = readFileSync(`${sourceDir}/paths/${name}`, "utf8").split("\n");
    lines.forEach((line, i) => {
      if (!line.includes("{{") && !line.includes("$ref")) expect(instance[i], `${template}.yaml:${i + 1}`).toBe(line);
    });
  }
});
