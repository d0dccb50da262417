// Strategic merge patch, as apimachinery's strategicpatch applies it, over the patch meta of the
// spec's own Job schema (the x-kubernetes-patch-* markers of the bundled document): merge keys,
// lists of primitives, and each directive kubectl emits.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, test } from "vitest";
import type { JsonObject, JsonValue } from "../src/resources/object.js";
import {
  applyStrategicMergePatch,
  noPatchMeta,
  StrategicMergePatchError,
  schemaPatchMeta,
} from "../src/resources/strategic-merge-patch.js";

const document = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json"), "utf8"),
) as unknown;
const jobMeta = schemaPatchMeta(document, { $ref: "#/components/schemas/Job" });

function job(): JsonObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", labels: { app: "pi" }, finalizers: ["a", "b"] },
    spec: {
      parallelism: 1,
      template: {
        spec: {
          containers: [
            {
              name: "main",
              image: "perl:5.34",
              env: [
                { name: "A", value: "1" },
                { name: "B", value: "2" },
              ],
              ports: [{ containerPort: 80, name: "http" }],
              volumeMounts: [{ name: "data", mountPath: "/data" }],
              args: ["x", "y"],
            },
            { name: "sidecar", image: "busybox" },
          ],
          volumes: [{ name: "data", emptyDir: {} }],
          imagePullSecrets: [{ name: "pull" }],
          tolerations: [{ key: "a", operator: "Exists" }],
        },
      },
    },
    status: { conditions: [{ type: "Complete", status: "False" }] },
  };
}

const patch = (p: JsonValue, original: JsonObject = job()) => applyStrategicMergePatch(original, p, jobMeta);
const podSpec = (obj: JsonObject) => ((obj.spec as JsonObject).template as JsonObject).spec as JsonObject;
const containers = (obj: JsonObject) => podSpec(obj).containers as JsonObject[];
const pod = (spec: JsonObject) => ({ spec: { template: { spec } } });

describe("merge keys from the spec's schemas", () => {
  test("containers merge by name: one field of one container changes, the rest stays", () => {
    const result = patch(pod({ containers: [{ name: "main", image: "perl:5.36" }] }));
    expect(containers(result).map((c) => [c.name, c.image])).toEqual([
      ["main", "perl:5.36"],
      ["sidecar", "busybox"],
    ]);
    expect(containers(result)[0]!.env).toEqual(job().spec && containers(job())[0]!.env);
  });

  test("a new container is appended; env by name, ports by containerPort, volumeMounts by mountPath", () => {
    const result = patch(
      pod({
        containers: [
          {
            name: "main",
            env: [
              { name: "B", value: "20" },
              { name: "C", value: "3" },
            ],
            ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 443 }],
            volumeMounts: [{ mountPath: "/data", readOnly: true }],
          },
          { name: "third", image: "alpine" },
        ],
      }),
    );
    const main = containers(result)[0]!;
    expect(main.env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "20" },
      { name: "C", value: "3" },
    ]);
    expect(main.ports).toEqual([{ containerPort: 80, name: "http", protocol: "TCP" }, { containerPort: 443 }]);
    expect(main.volumeMounts).toEqual([{ name: "data", mountPath: "/data", readOnly: true }]);
    expect(containers(result).map((c) => c.name)).toEqual(["main", "sidecar", "third"]);
  });

  test("imagePullSecrets by name, initContainers by name, status conditions by type", () => {
    const result = patch({
      spec: {
        template: { spec: { imagePullSecrets: [{ name: "other" }], initContainers: [{ name: "init", image: "x" }] } },
      },
      status: {
        conditions: [
          { type: "Complete", status: "True" },
          { type: "Failed", status: "False" },
        ],
      },
    });
    expect(podSpec(result).imagePullSecrets).toEqual([{ name: "pull" }, { name: "other" }]);
    expect(podSpec(result).initContainers).toEqual([{ name: "init", image: "x" }]);
    expect((result.status as JsonObject).conditions).toEqual([
      { type: "Complete", status: "True" },
      { type: "Failed", status: "False" },
    ]);
  });

  test("lists without a merge strategy are replaced whole (args, tolerations), as in a merge patch", () => {
    const result = patch(
      pod({ containers: [{ name: "main", args: ["z"] }], tolerations: [{ key: "b", operator: "Exists" }] }),
    );
    expect(containers(result)[0]!.args).toEqual(["z"]);
    expect(podSpec(result).tolerations).toEqual([{ key: "b", operator: "Exists" }]);
  });

  test("a list of primitives with strategy merge (finalizers) merges as a set", () => {
    const result = patch({ metadata: { finalizers: ["b", "c"] } });
    expect((result.metadata as JsonObject).finalizers).toEqual(["a", "b", "c"]);
  });

  test("maps merge and null deletes, as in a merge patch", () => {
    const result = patch({ metadata: { labels: { app: null, tier: "batch" } }, spec: { parallelism: null } });
    expect((result.metadata as JsonObject).labels).toEqual({ tier: "batch" });
    expect(Object.hasOwn(result.spec as JsonObject, "parallelism")).toBe(false);
  });

  test("an item without its merge key is refused", () => {
    expect(() => patch(pod({ containers: [{ image: "x" }] }))).toThrow(StrategicMergePatchError);
    expect(() => patch(pod({ containers: [{ image: "x" }] }))).toThrow(/does not contain declared merge key: name/);
  });

  test("without patch meta (no schema), lists are replaced", () => {
    const result = applyStrategicMergePatch(job(), pod({ containers: [{ name: "main" }] }), noPatchMeta);
    expect(containers(result)).toEqual([{ name: "main" }]);
  });
});

describe("directives", () => {
  test("$patch: delete on a list item removes the item with that key", () => {
    const result = patch(pod({ containers: [{ name: "sidecar", $patch: "delete" }] }));
    expect(containers(result).map((c) => c.name)).toEqual(["main"]);
  });

  test("$patch: delete on a map removes the map", () => {
    const result = patch({ metadata: { labels: { $patch: "delete" } } });
    expect(Object.hasOwn(result.metadata as JsonObject, "labels")).toBe(false);
  });

  test("$patch: replace on a map replaces it whole", () => {
    const result = patch({ metadata: { labels: { $patch: "replace", only: "this" } } });
    expect((result.metadata as JsonObject).labels).toEqual({ only: "this" });
  });

  test("$patch: replace in a list replaces the list with the patch's items", () => {
    const result = patch(pod({ containers: [{ name: "new", image: "x" }, { $patch: "replace" }] }));
    expect(containers(result)).toEqual([{ name: "new", image: "x" }]);
  });

  test("$patch: merge is the default; an unknown $patch is refused", () => {
    expect((patch({ metadata: { labels: { $patch: "merge", x: "y" } } }).metadata as JsonObject).labels).toEqual({
      app: "pi",
      x: "y",
    });
    expect(() => patch({ metadata: { labels: { $patch: "explode" } } })).toThrow(/Unknown patch type: explode/);
  });

  test("$setElementOrder orders a merged list (what kubectl sends beside a changed list)", () => {
    const result = patch(
      pod({
        "$setElementOrder/containers": [{ name: "sidecar" }, { name: "main" }],
        containers: [{ name: "main", image: "perl:5.36" }],
      }),
    );
    expect(containers(result).map((c) => [c.name, c.image])).toEqual([
      ["sidecar", "busybox"],
      ["main", "perl:5.36"],
    ]);
    const env = patch(
      pod({
        containers: [
          {
            name: "main",
            "$setElementOrder/env": [{ name: "B" }, { name: "A" }],
          },
        ],
      }),
    );
    expect((containers(env)[0]!.env as JsonObject[]).map((e) => e.name)).toEqual(["B", "A"]);
  });

  test("$setElementOrder of a list of primitives, and $deleteFromPrimitiveList", () => {
    const ordered = patch({ metadata: { "$setElementOrder/finalizers": ["c", "b", "a"], finalizers: ["c"] } });
    expect((ordered.metadata as JsonObject).finalizers).toEqual(["c", "b", "a"]);
    const deleted = patch({ metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] } });
    expect((deleted.metadata as JsonObject).finalizers).toEqual(["b"]);
  });

  test("$retainKeys keeps only the named keys of the map (volumes: merge,retainKeys)", () => {
    const result = patch(
      pod({ volumes: [{ name: "data", $retainKeys: ["name", "hostPath"], hostPath: { path: "/mnt" } }] }),
    );
    expect(podSpec(result).volumes).toEqual([{ name: "data", hostPath: { path: "/mnt" } }]);
  });

  test("directives never reach the stored object, even in a new item", () => {
    const result = patch(
      pod({ containers: [{ name: "new", env: [{ name: "X", value: "1" }], "$setElementOrder/env": [{ name: "X" }] }] }),
    );
    expect(JSON.stringify(result)).not.toContain("$");
  });

  test("a patch that is not an object is refused", () => {
    expect(() => patch([1] as JsonValue)).toThrow(StrategicMergePatchError);
  });
});

test("every key is data: __proto__ in a patch is a member, never the prototype", () => {
  const result = patch(JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}') as JsonValue);
  const labels = (result.metadata as JsonObject).labels as JsonObject;
  expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  expect(Object.keys(labels)).toEqual(["app", "__proto__"]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
