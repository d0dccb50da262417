// PUT on the object: resourceVersion rules, the URL owns name and namespace, status is ignored,
// the Kubeflow updatable-field rule, and GET-then-PUT round trips.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { objectWith, unique } from "./builders.js";
import { type TestServer, testServer } from "./helpers.js";
import { kinds } from "./seeds.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

describe.each(kinds)("$kind", ({ kind, plural, group, seed, base }) => {
  const collection = `${base}/namespaces/kube-test/${plural}`;
  const kubeflow = group === "kubeflow.org";
  const create = async () => {
    const obj = objectWith(seed, { name: unique("put"), labels: { app: "one" } });
    const res = await s.api.post(collection).send(obj);
    expect(res.status).toBe(201);
    return res.body as Record<string, any>;
  };
  const put = (obj: Record<string, any>) => s.api.put(`${collection}/${obj.metadata.name}`).send(obj);

  test("an object read with GET and sent back unchanged succeeds, and writes nothing", async () => {
    const obj = await create();
    const read = (await s.api.get(`${collection}/${obj.metadata.name}`)).body;
    const res = await put(read);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(read);
  });

  test("labels change; a stale resourceVersion is 409 and changes nothing", async () => {
    const obj = await create();
    const res = await put({ ...obj, metadata: { ...obj.metadata, labels: { app: "two" } } });
    expect(res.status).toBe(200);
    expect(res.body.metadata.labels).toEqual({ app: "two" });
    expect(res.body.metadata.generation).toBe(1);
    const stale = await put({ ...obj, metadata: { ...obj.metadata, labels: { app: "three" } } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe("Conflict");
    expect((await s.api.get(`${collection}/${obj.metadata.name}`)).body.metadata.labels).toEqual({ app: "two" });
  });

  test(kubeflow ? "resourceVersion is required (422)" : "resourceVersion may be omitted", async () => {
    const obj = await create();
    const { resourceVersion: _, ...meta } = obj.metadata;
    const res = await put({ ...obj, metadata: { ...meta, labels: { app: "norv" } } });
    if (kubeflow) {
      expect(res.status).toBe(422);
      expect(res.body.details.causes).toEqual([expect.objectContaining({ field: "metadata.resourceVersion" })]);
      expect(res.body.message).toContain("must be specified for an update");
    } else {
      expect(res.status).toBe(200);
      expect(res.body.metadata.labels).toEqual({ app: "norv" });
    }
  });

  test("name and namespace in the body must match the URL (400)", async () => {
    const obj = await create();
    const wrongName = await s.api
      .put(`${collection}/${obj.metadata.name}`)
      .send({ ...obj, metadata: { ...obj.metadata, name: "other" } });
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.message).toBe(
      `the name of the object (other) does not match the name on the URL (${obj.metadata.name})`,
    );
    const wrongNs = await put({ ...obj, metadata: { ...obj.metadata, namespace: "elsewhere" } });
    expect(wrongNs.status).toBe(400);
  });

  test("status in the body is ignored; server-owned metadata is kept", async () => {
    const obj = await create();
    const res = await put({
      ...obj,
      metadata: { ...obj.metadata, creationTimestamp: "2000-01-01T00:00:00Z", generation: 42 },
      status: { startTime: "2020-01-01T00:00:00Z" },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual(obj.status);
    expect(res.body.metadata.creationTimestamp).toBe(obj.metadata.creationTimestamp);
    expect(res.body.metadata.generation).toBe(1);
  });

  test("a different uid is a failed precondition (409)", async () => {
    const obj = await create();
    const res = await put({ ...obj, metadata: { ...obj.metadata, uid: "00000000-0000-0000-0000-000000000000" } });
    expect(res.status).toBe(409);
  });

  test("a missing object is 404", async () => {
    const obj = await create();
    const res = await s.api.put(`${collection}/absent`).send({ ...obj, metadata: { ...obj.metadata, name: "absent" } });
    expect(res.status).toBe(404);
  });

  if (kubeflow) {
    test("the updatable-field rule holds for replace: 400 with causes, nothing stored", async () => {
      const obj = await create();
      const changed = structuredClone(obj);
      changed.spec.backoffLimit = 9;
      changed.spec.ttlSecondsAfterFinished = 30;
      const res = await put(changed);
      expect(res.status).toBe(400);
      expect(res.body.details.causes).toEqual([
        expect.objectContaining({ field: "spec.backoffLimit", reason: "FieldValueForbidden" }),
      ]);
      expect((await s.api.get(`${collection}/${obj.metadata.name}`)).body).toEqual(obj);
      delete changed.spec.backoffLimit;
      changed.spec.backoffLimit = obj.spec.backoffLimit;
      if (obj.spec.backoffLimit === undefined) delete changed.spec.backoffLimit;
      const ok = await put(changed);
      expect(ok.status).toBe(200);
      expect(ok.body.spec.ttlSecondsAfterFinished).toBe(30);
      expect(ok.body.metadata.generation).toBe(2);
    });
  }
});
