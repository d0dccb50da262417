// The spec declares every status the server can send for each operation, by what the operation
// is: anything authenticated can be 400 (a bad query parameter, impersonation without a user),
// 401, 403 or 500; an item can be 404; a body can be 400, 413, 415 (and 422 for Kubernetes
// objects); public operations can be 400 (an unknown query parameter) and 500. The fuzz suite
// (fuzz.test.ts) checks the statuses the server actually sends against these declarations.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect, test } from "vitest";

interface Operation {
  operationId: string;
  security?: unknown[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}
const document = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json"), "utf8"),
) as { paths: Record<string, Record<string, Operation>>; components: { responses: Record<string, unknown> } };

export function requiredStatuses(path: string, op: Operation): string[] {
  const isPublic = Array.isArray(op.security) && op.security.length === 0;
  const required = new Set(isPublic ? ["400", "500"] : ["400", "401", "403", "500"]);
  if (/\{(name|job_id|version_id)\}/.test(path)) required.add("404");
  if (op.requestBody) {
    for (const s of ["400", "413", "415"]) required.add(s);
    if (path.startsWith("/apis/")) required.add("422");
  }
  return [...required].sort();
}

test("every operation declares every status the server can send it", () => {
  const missing: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== "object" || !op || !("responses" in op)) continue;
      const absent = requiredStatuses(path, op).filter((s) => !(s in op.responses));
      if (absent.length) missing.push(`${method.toUpperCase()} ${path} (${op.operationId}): ${absent.join(", ")}`);
    }
  }
  expect(missing).toEqual([]);
});

test("ModelArts operations answer errors in the ModelArts format, the others as a Status", () => {
  const wrong: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== "object" || !op || !("responses" in op)) continue;
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || status === "503") continue;
        const ref = (response as { $ref?: string }).$ref;
        const resolved = ref ? document.components.responses[ref.split("/").pop() ?? ""] : response;
        const schema = JSON.stringify((resolved as { content?: unknown } | undefined)?.content ?? {});
        const expected = path.startsWith("/v1/") ? "ModelArtsError" : "Status";
        if (!schema.includes(expected)) wrong.push(`${method.toUpperCase()} ${path} ${status}`);
      }
    }
  }
  expect(wrong).toEqual([]);
});
