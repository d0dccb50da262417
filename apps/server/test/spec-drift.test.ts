// An operation added to the spec before its handler exists: the server still starts, serves the
// new operation in /openapi.json, and answers it with 501 (the type check is what fails).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { afterAll, expect, test } from "vitest";
import { createServer } from "../src/app.js";
import { TokenTable } from "../src/http/auth.js";
import { openStore } from "../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "trainjobs-spec-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a new operation without a handler is served in the spec and answers 501", async () => {
  const bundle = JSON.parse(
    readFileSync(createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json"), "utf8"),
  );
  bundle.paths["/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}/log"] = {
    get: {
      operationId: "readNamespacedTFJobLog",
      parameters: [
        { name: "namespace", in: "path", required: true, schema: { type: "string" } },
        { name: "name", in: "path", required: true, schema: { type: "string" } },
      ],
      responses: { "200": { description: "The log.", content: { "text/plain": { schema: { type: "string" } } } } },
    },
  };
  const documentPath = join(dir, "openapi.json");
  writeFileSync(documentPath, JSON.stringify(bundle));
  const store = await openStore("sqlite::memory:");
  const app = createServer({
    store,
    documentPath,
    tokens: new TokenTable().add("t", { name: "admin", uid: "a", groups: ["system:masters"] }),
  });
  const served = await request(app).get("/openapi.json");
  expect(Object.keys(served.body.paths)).toContain("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}/log");
  const res = await request(app)
    .get("/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/x/log")
    .set("Authorization", "Bearer t");
  expect(res.status).toBe(501);
  expect(res.body).toMatchObject({ kind: "Status", reason: "NotImplemented", code: 501 });
  expect(res.body.message).toContain("readNamespacedTFJobLog");
  await store.close();
});
