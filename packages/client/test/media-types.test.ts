// The client's Content-Type rule ("PATCH is a JSON Merge Patch, every other body is JSON") checked
// against the bundled spec, the document the server validates against: every PATCH declares merge
// patch first (Job's also accept kubectl's strategic merge patch and JSON Patch, which this client
// never sends); if an operation ever declares another request media type, this fails and the rule
// in src/media-types.ts must change.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { deref, operations as operationsOf } from "@trainjobs/openapi/document";
import { expect, test } from "vitest";
import { mergePatch } from "../src/index.js";
import { observedClient } from "./observe.js";

interface Op {
  operationId: string;
  requestBody?: { content: Record<string, unknown> };
}
const spec = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json"), "utf8"),
) as { paths: Record<string, Record<string, Op>> };

// Request bodies may be shared ($ref to components/requestBodies): resolved here.
const operations = operationsOf<Op>(spec).map(({ path, method, operation }) => ({
  path,
  method: method.toUpperCase(),
  op: { ...operation, requestBody: deref(spec, operation.requestBody) as Op["requestBody"] },
}));

test("every PATCH operation accepts JSON Merge Patch first; only batch/v1 Job's also strategic merge patch and JSON Patch", () => {
  const patches = operations.filter((o) => o.method === "PATCH");
  expect(patches.length).toBeGreaterThanOrEqual(8); // 3 Kubeflow kinds and batch/v1 Job, each object and /status
  for (const { path, op } of patches) {
    // A built-in kind accepts what kube-apiserver accepts for it; custom resources merge patch only.
    const expected = path.startsWith("/apis/batch/v1/")
      ? [mergePatch, "application/strategic-merge-patch+json", "application/json-patch+json"]
      : [mergePatch];
    expect([op.operationId, Object.keys(op.requestBody?.content ?? {})]).toEqual([op.operationId, expected]);
  }
});

test("every other operation with a body accepts exactly application/json", () => {
  const others = operations.filter((o) => o.method !== "PATCH" && o.op.requestBody);
  expect(others.length).toBeGreaterThan(0);
  for (const { op } of others)
    expect([op.operationId, Object.keys(op.requestBody!.content)]).toEqual([op.operationId, ["application/json"]]);
});

test("the client sends each operation's declared media type, for every operation of the spec with a body", async () => {
  const { api, seen } = observedClient(() => Response.json({}));
  const call = api.request as unknown as (method: string, path: string, init: object) => Promise<unknown>;
  const withBody = operations.filter((o) => o.op.requestBody);
  for (const { path, method } of withBody) {
    const params = Object.fromEntries(
      [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name!, name === "job_id" ? 1 : "x"]),
    );
    await call(method, path, { params: { path: params }, body: {} });
  }
  expect(seen).toHaveLength(withBody.length);
  seen.forEach((s, i) => {
    const declared = Object.keys(withBody[i]!.op.requestBody!.content)[0];
    expect([s.method, s.url.pathname, s.headers.get("content-type")]).toEqual([
      withBody[i]!.method,
      s.url.pathname,
      declared,
    ]);
  });
});
