// A spec edit flows into the generated types: copy the spec to a temporary folder, add a path,
// bundle and generate there, and the new path appears in the declarations (and nowhere before).
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, test } from "vitest";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
// Inside node_modules/.cache so that the copy resolves the repo's installed tools.
const cache = join(repo, "node_modules", ".cache");
mkdirSync(cache, { recursive: true });
const work = mkdtempSync(join(cache, "trainjobs-drift-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

test("adding a path to the spec changes the generated types", () => {
  const spec = join(work, "openapi");
  cpSync(join(repo, "openapi"), spec, {
    recursive: true,
    filter: (src) => !src.includes("node_modules") && !src.endsWith("/dist"),
  });
  writeFileSync(
    join(spec, "paths", "apis_kubeflow.org_v1_namespaces_{namespace}_tfjobs_{name}_log.yaml"),
    [
      "get:",
      "  tags: [TFJob]",
      "  summary: Read the log of a TFJob",
      "  operationId: readNamespacedTFJobLog",
      "  parameters:",
      "    - $ref: ../components/parameters/Namespace.yaml",
      "    - $ref: ../components/parameters/Name.yaml",
      "  responses:",
      "    '200':",
      "      description: The log.",
      "      content:",
      "        text/plain:",
      "          schema:",
      "            type: string",
      "          examples:",
      "            log:",
      "              value: step 1",
      "    '404':",
      "      $ref: ../components/responses/NotFound.yaml",
      "",
    ].join("\n"),
  );
  const root = readFileSync(join(spec, "openapi.yaml"), "utf8").replace(
    "\npaths:\n",
    "\npaths:\n  /apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}/log:\n    $ref: paths/apis_kubeflow.org_v1_namespaces_{namespace}_tfjobs_{name}_log.yaml\n",
  );
  expect(root, "openapi.yaml has no `paths:` line to add the path under").toContain("/tfjobs/{name}/log:");
  writeFileSync(join(spec, "openapi.yaml"), root);

  execFileSync(process.execPath, [join(spec, "scripts", "bundle.mjs")], { cwd: spec, stdio: "pipe" });
  const out = join(work, "schema.ts");
  const bin = join(repo, "node_modules", "openapi-typescript", "bin", "cli.js");
  execFileSync(process.execPath, [bin, join(spec, "dist", "openapi.json"), "-o", out], { stdio: "pipe" });

  const before = readFileSync(join(repo, "packages", "types", "src", "generated", "schema.ts"), "utf8");
  const after = readFileSync(out, "utf8");
  expect(before).not.toContain("readNamespacedTFJobLog");
  expect(after).toContain('"/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}/log"');
  expect(after).toContain("readNamespacedTFJobLog");
}, 60_000);
