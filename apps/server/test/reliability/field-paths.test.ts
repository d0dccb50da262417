// The Kubeflow five-field rule compares structure, not spellings: a top-level key spelled like a
// field path (`"spec.activeDeadlineSeconds"`) is a change of a field that may not change.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { changedFields } from "../../src/resources/field-diff.js";
import { type TestServer, testServer } from "../helpers.js";
import { creatable, kubeflowKinds, mergePatch } from "../seeds.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

test("changedFields tells a dotted key from a nested path", () => {
  const ignore = new Set(["spec.activeDeadlineSeconds", "metadata.labels"]);
  expect(changedFields({ spec: {} }, { spec: { activeDeadlineSeconds: 1 } }, ignore)).toEqual([]);
  expect(changedFields({}, { "spec.activeDeadlineSeconds": 1 }, ignore)).toEqual(["spec.activeDeadlineSeconds"]);
  expect(changedFields({}, { "metadata.labels": { a: "b" } }, ignore)).toEqual(["metadata.labels"]);
  expect(changedFields({ metadata: {} }, { metadata: { "labels.x": "y" } }, ignore)).toEqual(["metadata.labels.x"]);
  // Prototype-named keys are read as own properties only.
  expect(changedFields({}, JSON.parse('{"__proto__":{"a":1}}'), ignore)).toEqual(["__proto__"]);
  expect(changedFields({ a: 1 }, { a: 1 }, ignore)).toEqual([]);
});

let counter = 0;
describe.each(kubeflowKinds)("$kind", ({ plural, seed }) => {
  const collection = `/apis/kubeflow.org/v1/namespaces/kube-test/${plural}`;
  const create = async () => {
    const obj = creatable(seed);
    obj.metadata = { name: `dotted-${++counter}` };
    const res = await s.api.post(collection).send(obj);
    expect(res.status).toBe(201);
    return res.body as Record<string, any>;
  };

  test.each([
    ['{"spec.activeDeadlineSeconds":{"x":1}}'],
    ['{"metadata.labels":{"a":"b"}}'],
    ['{"spec.cleanPodPolicy":"All"}'],
  ])("PATCH %s is refused and nothing is stored", async (patch) => {
    const obj = await create();
    const res = await s.api.patch(`${collection}/${obj.metadata.name}`).set("Content-Type", mergePatch).send(patch);
    expect([400, 422]).toContain(res.status);
    expect(res.body.kind).toBe("Status");
    const read = await s.api.get(`${collection}/${obj.metadata.name}`);
    expect(read.body).toEqual(obj);
  });

  test.each([["spec.activeDeadlineSeconds"], ["metadata.labels"]])(
    "PUT with a top-level key %s is refused and nothing is stored",
    async (key) => {
      const obj = await create();
      const res = await s.api.put(`${collection}/${obj.metadata.name}`).send({ ...obj, [key]: { a: "b" } });
      expect([400, 422]).toContain(res.status);
      expect(res.body.kind).toBe("Status");
      const read = await s.api.get(`${collection}/${obj.metadata.name}`);
      expect(read.body).toEqual(obj);
    },
  );
});
