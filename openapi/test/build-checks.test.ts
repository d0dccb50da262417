// The build lints first: a spec that lint rejects never becomes a bundle, and the failure is a few
// `file:line:col rule message` lines, never a Node stack. Each case breaks a copy of the spec.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { copySpec, type SpecCopy } from "./support/spec-copy.js";

let copy: SpecCopy | undefined;
afterEach(() => copy?.remove());

function buildFails(spec: SpecCopy): string {
  const { status, output } = spec.run("bundle.mjs");
  expect(status, output).toBe(1);
  expect(existsSync(join(spec.root, "dist", "openapi.json")), "no bundle is written").toBe(false);
  // No Node stack: no `    at fn (file:line)` frames, no `node:internal`.
  expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(output).not.toContain("node:internal");
  // No Redocly banner either.
  expect(output).not.toContain("╔");
  return output;
}

test("a schema with `type: integr` fails the build at its file and line", () => {
  copy = copySpec();
  copy.edit(
    "components/schemas/ContainerPort.yaml",
    "containerPort:\n    type: integer",
    "containerPort:\n    type: integr",
  );
  const output = buildFails(copy);
  expect(output.split("\n")[1]).toMatch(
    /openapi\/components\/schemas\/ContainerPort\.yaml:9:11 +struct +`type` can be/,
  );
});

test("a duplicate operationId fails the build", () => {
  copy = copySpec();
  copy.edit("paths/readyz.yaml", "operationId: getReadiness", "operationId: getHealth");
  expect(buildFails(copy)).toMatch(/openapi\/paths\/readyz\.yaml:\d+:\d+ +operation-operationId-unique/);
});

test("a broken $ref fails the build with Redocly's message and no stack", () => {
  copy = copySpec();
  copy.edit("components/schemas/JobSpec.yaml", "$ref: ./LabelSelector.yaml", "$ref: ./LabelSelectr.yaml");
  expect(buildFails(copy)).toMatch(
    /openapi\/components\/schemas\/JobSpec\.yaml:\d+:\d+ +no-unresolved-refs +Can't resolve \$ref.*LabelSelectr\.yaml/,
  );
});

test("a broken $ref in a template fails the build naming it, without a stack", () => {
  copy = copySpec();
  copy.edit(
    "paths/kubeflow/item.yaml",
    "../../components/schemas/{{Kind}}.yaml",
    "../../components/schemas/{{Kind}}s.yaml",
  );
  expect(buildFails(copy)).toMatch(
    /could not be instantiated:\n.*\$ref \.\.\/\.\.\/\.\.\/components\/schemas\/TFJobs\.yaml designates no file/,
  );
});

test("a path file that openapi.yaml does not reference fails the build naming it", () => {
  copy = copySpec();
  copy.write("paths/v1_{project_id}_models.yaml", copy.read("paths/healthz.yaml"));
  expect(buildFails(copy)).toContain(
    "openapi/paths/v1_{project_id}_models.yaml  unreferenced-path-file  no $ref of openapi.yaml reaches it",
  );
});

test("the unbroken copy builds", () => {
  copy = copySpec();
  const { status, output } = copy.run("bundle.mjs");
  expect(status, output).toBe(0);
  expect(output).toMatch(/openapi\/dist\/openapi\.json: bundled \d+ paths/);
});
