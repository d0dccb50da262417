// The authorization matrix over every operation of the spec: no token or an unknown one is 401;
// a user granted another namespace or project is 403; the right grant passes (whatever the
// operation then answers, it is not 401 or 403); errors are in the family's format.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, testServer } from "../helpers.js";
import { creatable, kinds } from "../seeds.js";

const document = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json"), "utf8"),
) as { paths: Record<string, Record<string, { operationId: string; security?: unknown[]; requestBody?: unknown }>> };

let s: TestServer;
beforeAll(async () => {
  s = await testServer();
  for (const k of kinds) {
    const obj = creatable(k.seed);
    obj.metadata = { name: "m" };
    expect((await s.api.post(`${k.base}/namespaces/kube-test/${k.plural}`).send(obj)).status).toBe(201);
  }
});
afterAll(() => s.close());

const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  (["get", "put", "post", "delete", "patch"] as const)
    .filter((m) => item[m])
    .map((method) => ({ method, path, op: item[method]! })),
);

const fill = (path: string, ns: string, project: string) =>
  path
    .replace("{namespace}", ns)
    .replace("{name}", "m")
    .replace("{project_id}", project)
    .replace("{job_id}", "1")
    .replace("{version_id}", "1");

function bodyOf(path: string, method: string): unknown {
  if (method === "delete") return undefined;
  const kind = kinds.find((k) => path.includes(`/${k.plural}`));
  if (kind) {
    if (method === "patch") return { metadata: { labels: { a: "b" } } };
    const obj = creatable(kind.seed);
    obj.metadata = { name: "m" };
    return obj;
  }
  return { job_name: "x", job_desc: "d", config: { worker_server_num: 1 } };
}

function request(
  who: "admin" | "alice" | "bob" | "anonymous" | "unknown",
  method: string,
  path: string,
  body: unknown,
) {
  const agent = who === "anonymous" || who === "unknown" ? s.anonymous : s.as(who);
  let r = (agent as any)[method](path);
  if (who === "unknown") r = r.set("Authorization", "Bearer unknown-token");
  if (method === "patch") r = r.set("Content-Type", "application/merge-patch+json");
  return body === undefined
    ? r
    : r
        .send(JSON.stringify(body))
        .set("Content-Type", method === "patch" ? "application/merge-patch+json" : "application/json");
}

const isModelArts = (path: string) => path.startsWith("/v1/");
const family = (path: string, body: any) =>
  isModelArts(path)
    ? expect(body).toMatchObject({ is_success: false })
    : expect(body).toMatchObject({ kind: "Status" });

describe.each(operations)("$method $path", ({ method, path, op }) => {
  const isPublic = Array.isArray(op.security) && op.security.length === 0;
  const scoped = path.includes("{namespace}") || path.includes("{project_id}");
  const body = bodyOf(path, method);

  test.runIf(!isPublic)("anonymous and unknown tokens: 401", async () => {
    for (const who of ["anonymous", "unknown"] as const) {
      const res = await request(who, method, fill(path, "kube-test", "proj-a"), body);
      expect(res.status).toBe(401);
      family(path, res.body);
    }
  });

  test.runIf(scoped)("a grant of another namespace or project: 403; the right grant passes", async () => {
    const denied = await request("bob", method, fill(path, "kube-test", "proj-a"), body);
    expect(denied.status).toBe(403);
    family(path, denied.body);
    const allowed = await request("alice", method, fill(path, "kube-test", "proj-a"), body);
    expect([401, 403]).not.toContain(allowed.status);
    // alice has kube-test and proj-a only.
    const elsewhere = await request("alice", method, fill(path, "team-b", "proj-b"), body);
    expect(elsewhere.status).toBe(403);
  });

  test.runIf(!scoped)("any authenticated user passes (lists across namespaces are filtered)", async () => {
    for (const who of ["alice", "bob", "admin"] as const) {
      const res = await request(who, method, fill(path, "kube-test", "proj-a"), body);
      expect([401, 403]).not.toContain(res.status);
    }
  });
});
