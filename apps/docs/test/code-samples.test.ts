// Every operation of the bundle carries its generated code samples (openapi/plugins/code-samples.mjs):
// a curl command and a @trainjobs/client call, filled in from the spec. `npm run typecheck`
// type-checks the TypeScript ones; this checks their shape and the seed operation's exact text.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { operations as operationsOf } from "@trainjobs/openapi/document";
import { describe, expect, test } from "vitest";

interface CodeSample {
  lang: string;
  label?: string;
  source: string;
}
interface Operation {
  operationId?: string;
  security?: unknown[];
  requestBody?: unknown;
  "x-codeSamples"?: CodeSample[];
}

const require = createRequire(import.meta.url);
const doc = JSON.parse(readFileSync(require.resolve("@trainjobs/openapi/openapi.json"), "utf8")) as {
  paths: Record<string, Record<string, Operation>>;
};
const operations = operationsOf<Operation>(doc).map(({ path, method, operation }) => ({ path, method, op: operation }));
const sample = (op: Operation, lang: string) => op["x-codeSamples"]?.find((s) => s.lang === lang)?.source ?? "";

test("the seed PATCH operation's samples, exactly", () => {
  const patch = doc.paths["/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}"]!.patch!;
  expect(patch.operationId).toBe("patchNamespacedTFJob");
  expect(sample(patch, "TypeScript")).toBe(
    [
      `import { createClient } from "@trainjobs/client";`,
      `const api = createClient({ baseUrl: "http://127.0.0.1:8080", token: process.env.TRAINJOBS_TOKEN });`,
      `const { data, error } = await api.PATCH("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}", {`,
      `  params: { path: { namespace: "kube-test", name: "tfjob-test" } },`,
      `  body: { metadata: { labels: { app: "test" } } },`,
      `});`,
    ].join("\n"),
  );
  expect(sample(patch, "curl")).toBe(
    [
      `curl -X PATCH 'http://127.0.0.1:8080/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/tfjob-test' \\`,
      `  -H "Authorization: Bearer $TOKEN" \\`,
      `  -H 'Content-Type: application/merge-patch+json' \\`,
      `  -d '{"metadata":{"labels":{"app":"test"}}}'`,
    ].join("\n"),
  );
});

describe("every operation has a curl and a TypeScript sample", () => {
  test("there are operations", () => expect(operations.length).toBeGreaterThanOrEqual(58));

  test.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))(
    "%s",
    (_name, { path, method, op }) => {
      expect(op["x-codeSamples"]?.map((s) => s.lang)).toEqual(["curl", "TypeScript"]);

      const curl = sample(op, "curl");
      expect(curl).toMatch(new RegExp(`^curl -X ${method.toUpperCase()} 'http://127\\.0\\.0\\.1:8080/`));
      expect(curl.split("\n")[0], "every path parameter is filled in").not.toMatch(/[{}]/);
      const needsToken = !(Array.isArray(op.security) && op.security.length === 0);
      expect(curl.includes(`-H "Authorization: Bearer $TOKEN"`)).toBe(needsToken);
      if (method === "patch") expect(curl).toContain(`-H 'Content-Type: application/merge-patch+json'`);
      if (op.requestBody) expect(curl).toMatch(/-d '[[{]/);

      const ts = sample(op, "TypeScript");
      expect(ts).toMatch(/^import \{ createClient \} from "@trainjobs\/client";\n/);
      expect(ts).toContain(`const { data, error } = await api.${method.toUpperCase()}(${JSON.stringify(path)}`);
      if (path.includes("{")) expect(ts).toContain("params: { path: {");
    },
  );
});
