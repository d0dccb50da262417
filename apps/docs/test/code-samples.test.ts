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
      `const api = createClient({`,
      `  baseUrl: "http://127.0.0.1:8080",`,
      `  token: process.env.TOKEN,`,
      `});`,
      `const { data, error, response } = await api.PATCH("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}", {`,
      `  params: { path: { namespace: "kube-test", name: "tfjob-test" } },`,
      `  body: { metadata: { labels: { app: "test" } } },`,
      `});`,
      `console.log(response.status, error ?? data);`,
    ].join("\n"),
  );
  expect(sample(patch, "curl")).toBe(
    [
      `curl -X PATCH \\`,
      `  'http://127.0.0.1:8080/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/tfjob-test' \\`,
      `  -H "Authorization: Bearer $TOKEN" \\`,
      `  -H 'Content-Type: application/merge-patch+json' \\`,
      `  -d '{"metadata":{"labels":{"app":"test"}}}'`,
    ].join("\n"),
  );
  expect(sample(patch, "kubectl")).toBe(
    [
      `kubectl patch tfjob tfjob-test -n kube-test --type merge \\`,
      `  -p '{"metadata":{"labels":{"app":"test"}}}'`,
    ].join("\n"),
  );
});

test("a replace reads the object, changes it and sends it back with its resourceVersion", () => {
  const put = doc.paths["/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}"]!.put!;
  const url = "'http://127.0.0.1:8080/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/tfjob-test'";
  const edit = [
    `python3 -c '`,
    `import json, sys`,
    `o = json.load(sys.stdin)`,
    `o["metadata"]["labels"] = {"app": "test"}`,
    `json.dump(o, sys.stdout)`,
    `' |`,
  ];
  expect(sample(put, "curl")).toBe(
    [
      `curl -s \\`,
      `  ${url} \\`,
      `  -H "Authorization: Bearer $TOKEN" |`,
      ...edit,
      `curl -X PUT \\`,
      `  ${url} \\`,
      `  -H "Authorization: Bearer $TOKEN" \\`,
      `  -H 'Content-Type: application/json' \\`,
      `  -d @-`,
    ].join("\n"),
  );
  expect(sample(put, "kubectl")).toBe(
    [`kubectl get tfjob tfjob-test -n kube-test -o json |`, ...edit, `kubectl replace --validate=false -f -`].join(
      "\n",
    ),
  );
});

const kubernetes = (path: string) => /^\/apis?(\/|$)/.test(path);

describe("every operation has a curl and a TypeScript sample, and a kubectl one if Kubernetes-style", () => {
  test("there are operations", () => expect(operations.length).toBeGreaterThanOrEqual(58));

  test.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))(
    "%s",
    (_name, { path, method, op }) => {
      expect(op["x-codeSamples"]?.map((s) => s.lang)).toEqual(
        kubernetes(path) ? ["curl", "TypeScript", "kubectl"] : ["curl", "TypeScript"],
      );

      const curl = sample(op, "curl");
      expect(curl).toMatch(
        new RegExp(`^curl (-s|-X ${method.toUpperCase()}) (\\\\\n  )?'http://127\\.0\\.0\\.1:8080/`),
      );
      expect(curl).toContain(`-X ${method.toUpperCase()}`);
      expect(curl.match(/'http[^']*'/g)?.join(" "), "every path parameter is filled in").not.toMatch(/[{}]/);
      const needsToken = !(Array.isArray(op.security) && op.security.length === 0);
      expect(curl.includes(`-H "Authorization: Bearer $TOKEN"`)).toBe(needsToken);
      if (method === "patch") expect(curl).toContain(`-H 'Content-Type: application/merge-patch+json'`);
      if (op.requestBody) expect(curl).toMatch(/-d ('[[{]|@-$)/);
      // Continuation lines stay within the panel, but for a URL or a JSON line that cannot break.
      for (const line of curl.split("\n"))
        if (!/'http|^\s*"/.test(line)) expect(line.length, line).toBeLessThanOrEqual(80);

      const ts = sample(op, "TypeScript");
      expect(ts).toMatch(/^import \{ createClient \} from "@trainjobs\/client";\n/);
      expect(ts).toContain(
        `const { data, error, response } = await api.${method.toUpperCase()}(${JSON.stringify(path)}`,
      );
      if (path.includes("{")) expect(ts).toMatch(/params: \{ path(: \{| \})/);
      expect(ts).toMatch(/\nconsole\.log\(response\.status, error \?\? data\);$/);
    },
  );
});
