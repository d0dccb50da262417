// Deeply nested JSON is refused right after parsing with a 400 in the family's format, before
// validation or any recursive walk could overflow the stack; shallow enough bodies pass.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { jsonDepth, maxJsonDepth } from "../../src/http/json-depth.js";
import { type TestServer, testServer } from "../helpers.js";
import { creatable, kinds, mergePatch } from "../seeds.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

const nested = (depth: number, leaf = "1") => `${'{"a":'.repeat(depth)}${leaf}${"}".repeat(depth)}`;
const arrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

test("jsonDepth counts objects and arrays without recursion", () => {
  expect(jsonDepth(1)).toBe(0);
  expect(jsonDepth({})).toBe(1);
  expect(jsonDepth({ a: [{}] })).toBe(3);
  expect(jsonDepth(JSON.parse(arrays(1_000_000)))).toBe(1_000_000);
});

describe.each(kinds)("$kind", ({ plural, seed, base }) => {
  const collection = `${base}/namespaces/kube-test/${plural}`;
  let name: string;
  beforeAll(async () => {
    const obj = creatable(seed);
    obj.metadata = { name: `deep-${plural}` };
    const res = await s.api.post(collection).send(obj);
    expect(res.status).toBe(201);
    name = res.body.metadata.name;
  });
  // A valid object but for an unknown field of spec, where the validator walks into the depth.
  const deepBody = (depth: number, as = name) => {
    const obj = creatable(seed);
    obj.metadata = { name: as };
    return JSON.stringify(obj).replace('"spec":{', `"spec":{"zz":${nested(depth - 2)},`);
  };
  const requests = (depth: number) =>
    [
      [
        "create",
        () =>
          s.api
            .post(collection)
            .type("application/json")
            .send(deepBody(depth, `${name}-${depth}`)),
      ],
      ["replace", () => s.api.put(`${collection}/${name}`).type("application/json").send(deepBody(depth))],
      [
        "replace status",
        () => s.api.put(`${collection}/${name}/status`).type("application/json").send(deepBody(depth)),
      ],
      ["patch", () => s.api.patch(`${collection}/${name}`).set("Content-Type", mergePatch).send(deepBody(depth))],
      [
        "patch status",
        () => s.api.patch(`${collection}/${name}/status`).set("Content-Type", mergePatch).send(deepBody(depth)),
      ],
      ["delete", () => s.api.delete(`${collection}/${name}-nope`).type("application/json").send(nested(depth))],
    ] as const;

  test.each([10_000, 4_097, maxJsonDepth + 1])("depth %i: every write is 400 BadRequest", async (depth) => {
    for (const [what, send] of requests(depth)) {
      const res = await send();
      expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBe(400);
      expect(res.body).toMatchObject({ kind: "Status", reason: "BadRequest", code: 400 });
      expect(res.body.message).toContain("nested");
    }
    expect((await s.api.get(`${collection}/${name}`)).status).toBe(200);
  });
});

test("ModelArts create 10,000 levels deep is a 400 in the ModelArts format", async () => {
  const res = await s.api
    .post("/v1/proj-a/training-jobs")
    .type("application/json")
    .send(`{"job_name":"deep","config":${nested(10_000)}}`);
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ is_success: false, error_code: "ModelArts.0101" });
});

test("a body just within the limit is not refused for its depth", async () => {
  // A label selector-free patch whose depth is exactly the limit: metadata.annotations hold strings,
  // so the schema refuses it (422), not the depth check.
  const depth = maxJsonDepth;
  const body = `{"metadata":{"annotations":${nested(depth - 2, '"x"')}}}`;
  const res = await s.api
    .patch("/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/deep-tfjobs")
    .set("Content-Type", mergePatch)
    .send(body);
  expect(res.status).toBe(422);
});
