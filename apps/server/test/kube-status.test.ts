// The /status subresource: it writes status only, the main endpoints never touch status, and
// the two kinds of strategy (custom resources, batch Job) differ as in Kubernetes.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { objectWith, unique } from "./builders.js";
import { type TestServer, testServer } from "./helpers.js";
import { kubeflowKinds, mergePatch } from "./seeds.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

describe.each(kubeflowKinds)("$kind /status", ({ plural, seed }) => {
  const collection = `/apis/kubeflow.org/v1/namespaces/kube-test/${plural}`;
  const create = async () => {
    const obj = objectWith(seed, { name: unique("st"), labels: { app: "one" } });
    return (await s.api.post(collection).send(obj)).body as Record<string, any>;
  };
  const statusOf = (seedStatus: string) => ({
    conditions: [{ type: seedStatus, status: "True", reason: "Test" }],
    startTime: "2021-01-01T00:00:00Z",
  });

  test("PUT takes only status: labels and spec in the body are ignored; generation stays", async () => {
    const obj = await create();
    const body = structuredClone(obj);
    body.status = statusOf("Running");
    body.metadata.labels = { app: "ignored" };
    body.spec.backoffLimit = 99;
    const res = await s.api.put(`${collection}/${obj.metadata.name}/status`).send(body);
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual(statusOf("Running"));
    expect(res.body.metadata.labels).toEqual({ app: "one" });
    expect(res.body.spec).toEqual(obj.spec);
    expect(res.body.metadata.generation).toBe(1);
    const read = await s.api.get(`${collection}/${obj.metadata.name}/status`);
    expect(read.body).toEqual(res.body);
  });

  test("PUT needs a current resourceVersion", async () => {
    const obj = await create();
    const { resourceVersion: _, ...meta } = obj.metadata;
    expect(
      (
        await s.api
          .put(`${collection}/${obj.metadata.name}/status`)
          .send({ ...obj, metadata: meta, status: statusOf("Running") })
      ).status,
    ).toBe(422);
    await s.api
      .patch(`${collection}/${obj.metadata.name}`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ metadata: { labels: { b: "1" } } }));
    expect(
      (await s.api.put(`${collection}/${obj.metadata.name}/status`).send({ ...obj, status: statusOf("Running") }))
        .status,
    ).toBe(409);
  });

  test("PATCH merges into status; the main endpoints keep it", async () => {
    const obj = await create();
    const patched = await s.api
      .patch(`${collection}/${obj.metadata.name}/status`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ metadata: { labels: { no: "effect" } }, status: statusOf("Created") }));
    expect(patched.status).toBe(200);
    expect(patched.body.status).toEqual(statusOf("Created"));
    expect(patched.body.metadata.labels).toEqual({ app: "one" });
    const main = await s.api
      .patch(`${collection}/${obj.metadata.name}`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ metadata: { labels: { app: "two" } }, status: null }));
    expect(main.status).toBe(200);
    expect(main.body.status).toEqual(statusOf("Created"));
    const bad = await s.api
      .patch(`${collection}/${obj.metadata.name}/status`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ status: { conditions: [{ type: "Exploded", status: "True" }] } }));
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes[0].field).toBe("status.conditions.0.type");
  });
});

describe("batch Job /status", () => {
  const collection = "/apis/batch/v1/namespaces/kube-test/jobs";
  const create = async () => {
    const res = await s.api.post(collection).send({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: unique("jst"), labels: { app: "one" } },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "pi", image: "perl" }] } } },
    });
    return res.body as Record<string, any>;
  };

  test("PUT ignores spec, needs no resourceVersion, keeps generation", async () => {
    const obj = await create();
    const { resourceVersion: _, ...meta } = obj.metadata;
    const res = await s.api.put(`${collection}/${obj.metadata.name}/status`).send({
      ...obj,
      metadata: meta,
      spec: { ...obj.spec, parallelism: 7 },
      status: { active: 1, startTime: "2021-01-01T00:00:00Z" },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ active: 1, startTime: "2021-01-01T00:00:00Z" });
    expect(res.body.spec).toEqual(obj.spec);
    expect(res.body.metadata.generation).toBe(1);
  });

  test("counts must not be negative (422 with the field)", async () => {
    const obj = await create();
    const res = await s.api
      .put(`${collection}/${obj.metadata.name}/status`)
      .send({ ...obj, status: { active: -1, succeeded: 0 } });
    expect(res.status).toBe(422);
    expect(res.body.details.causes).toEqual([expect.objectContaining({ field: "status.active" })]);
    const patched = await s.api
      .patch(`${collection}/${obj.metadata.name}/status`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ status: { failed: -2 } }));
    expect(patched.status).toBe(422);
    expect((await s.api.get(`${collection}/${obj.metadata.name}`)).body.status).toEqual({});
  });

  test("a stale resourceVersion, when sent, is 409", async () => {
    const obj = await create();
    await s.api.put(`${collection}/${obj.metadata.name}/status`).send({ ...obj, status: { active: 1 } });
    const res = await s.api.put(`${collection}/${obj.metadata.name}/status`).send({ ...obj, status: { active: 2 } });
    expect(res.status).toBe(409);
  });

  test("status written through /status is kept by a main-resource PUT", async () => {
    const obj = await create();
    const withStatus = (
      await s.api.put(`${collection}/${obj.metadata.name}/status`).send({ ...obj, status: { succeeded: 1 } })
    ).body;
    const res = await s.api
      .put(`${collection}/${obj.metadata.name}`)
      .send({ ...withStatus, status: { succeeded: 5 }, metadata: { ...withStatus.metadata, labels: { app: "two" } } });
    expect(res.status).toBe(200);
    expect(res.body.status).toEqual({ succeeded: 1 });
  });
});
