// Numbers in query strings are decimal digits only (no 0x10, 1e400, 1.0 or spaces), and a
// resourceVersion precondition is compared as the apiserver compares it: as a string, so that
// "000<rv>" is stale (409), never the same version.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, testServer } from "../helpers.js";
import { creatable, mergePatch } from "../seeds.js";

let s: TestServer;
beforeAll(async () => {
  s = await testServer();
  for (let i = 0; i < 20; i++) {
    const obj = creatable("TFJobSeed");
    obj.metadata = { name: `n-${String(i).padStart(2, "0")}` };
    expect((await s.api.post(collection).send(obj)).status).toBe(201);
  }
});
afterAll(() => s.close());

const collection = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";

describe("integer query parameters", () => {
  test.each(["0x10", "1e400", "1e1", "16.0", " 16", "+16", "16 ", "", "١٦", "99999999999999999999"])(
    "limit=%j is 400 BadRequest",
    async (limit) => {
      const res = await s.api.get(`${collection}?limit=${encodeURIComponent(limit)}`);
      expect(res.status, res.text).toBe(400);
      expect(res.body).toMatchObject({ kind: "Status", reason: "BadRequest" });
    },
  );

  test("limit=16 and limit=016 list 16", async () => {
    for (const limit of ["16", "016"]) {
      const res = await s.api.get(`${collection}?limit=${limit}`);
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(16);
    }
  });

  test.each(["per_page=0x10", "page=1e0", "per_page=1e400"])("ModelArts %s is 400 in its format", async (q) => {
    const res = await s.api.get(`/v1/proj-a/training-jobs?${q}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ is_success: false, error_code: "ModelArts.0101" });
  });
});

describe("resourceVersion preconditions compare as strings", () => {
  const read = async (name: string) => (await s.api.get(`${collection}/${name}`)).body as Record<string, any>;

  test('PUT with "000<rv>" is 409 and nothing is stored', async () => {
    const obj = await read("n-00");
    const res = await s.api.put(`${collection}/n-00`).send({
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: `000${obj.metadata.resourceVersion}`, labels: { a: "b" } },
    });
    expect(res.status, res.text).toBe(409);
    expect(res.body.reason).toBe("Conflict");
    expect(await read("n-00")).toEqual(obj);
  });

  test('PATCH with "0<rv>" is 409', async () => {
    const obj = await read("n-01");
    const res = await s.api
      .patch(`${collection}/n-01`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ metadata: { resourceVersion: `0${obj.metadata.resourceVersion}`, labels: { a: "b" } } }));
    expect(res.status, res.text).toBe(409);
  });

  test('DELETE with a precondition "0<rv>" is 409', async () => {
    const obj = await read("n-02");
    const res = await s.api
      .delete(`${collection}/n-02`)
      .send({ preconditions: { resourceVersion: `0${obj.metadata.resourceVersion}` } });
    expect(res.status, res.text).toBe(409);
    expect((await s.api.get(`${collection}/n-02`)).status).toBe(200);
  });

  test("the exact resourceVersion still passes", async () => {
    const obj = await read("n-03");
    const res = await s.api
      .patch(`${collection}/n-03`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ metadata: { resourceVersion: obj.metadata.resourceVersion, labels: { a: "b" } } }));
    expect(res.status).toBe(200);
  });
});
