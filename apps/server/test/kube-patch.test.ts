// JSON Merge Patch on the main resource: RFC 7386 semantics, the seeds' updatable-field rule for
// the Kubeflow kinds, resourceVersion preconditions, no lost updates, generation.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { objectWith, unique } from "./builders.js";
import { type TestServer, testServer } from "./helpers.js";
import { kubeflowKinds, mergePatch } from "./seeds.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

describe.each(kubeflowKinds)("$kind", ({ plural, seed }) => {
  const collection = `/apis/kubeflow.org/v1/namespaces/kube-test/${plural}`;
  const create = async (extra: Record<string, unknown> = {}) => {
    const obj = objectWith(seed, {
      name: unique("patch"),
      labels: { app: "one", keep: "yes" },
      annotations: { owner: "ml-team" },
    });
    Object.assign(obj.spec, extra);
    const res = await s.api.post(collection).send(obj);
    expect(res.status).toBe(201);
    return res.body as Record<string, any>;
  };
  const patch = (name: string, body: unknown, type = mergePatch) =>
    s.api.patch(`${collection}/${name}`).set("Content-Type", type).send(JSON.stringify(body));

  test("labels and annotations merge; null deletes a key", async () => {
    const obj = await create();
    const res = await patch(obj.metadata.name, {
      metadata: { labels: { app: "two", keep: null, added: "x" }, annotations: { owner: null } },
    });
    expect(res.status).toBe(200);
    expect(res.body.metadata.labels).toEqual({ app: "two", added: "x" });
    expect(res.body.metadata.annotations).toEqual({});
    expect(res.body.metadata.generation).toBe(1);
    expect(Number(res.body.metadata.resourceVersion)).toBeGreaterThan(Number(obj.metadata.resourceVersion));
    expect((await s.api.get(`${collection}/${obj.metadata.name}`)).body).toEqual(res.body);
  });

  test("the three updatable spec fields change, move the generation, and null removes them", async () => {
    const obj = await create({ ttlSecondsAfterFinished: 60 });
    const res = await patch(obj.metadata.name, {
      spec: { activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 120, cleanPodPolicy: "None" },
    });
    expect(res.status).toBe(200);
    expect(res.body.spec).toMatchObject({
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 120,
      cleanPodPolicy: "None",
    });
    expect(res.body.metadata.generation).toBe(2);
    const cleared = await patch(obj.metadata.name, { spec: { ttlSecondsAfterFinished: null } });
    expect(cleared.body.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(cleared.body.metadata.generation).toBe(3);
  });

  test("a change to any other field is 400 with one cause per field, and nothing is stored", async () => {
    const obj = await create();
    const replicaMap = Object.keys(obj.spec).find((k) => k.endsWith("ReplicaSpecs"))!;
    const replica = Object.keys(obj.spec[replicaMap])[0]!;
    const res = await patch(obj.metadata.name, {
      metadata: { labels: { app: "changed" }, finalizers: ["x"] },
      spec: { backoffLimit: 3, cleanPodPolicy: "All", [replicaMap]: { [replica]: { replicas: 5 } } },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ kind: "Status", status: "Failure", reason: "BadRequest", code: 400 });
    const fields = res.body.details.causes.map((c: { field: string }) => c.field).sort();
    expect(fields).toEqual(
      ["metadata.finalizers", "spec.backoffLimit", `spec.${replicaMap}.${replica}.replicas`].sort(),
    );
    for (const cause of res.body.details.causes) expect(cause.reason).toBe("FieldValueForbidden");
    expect((await s.api.get(`${collection}/${obj.metadata.name}`)).body).toEqual(obj);
  });

  test("setting a field to the value it already holds is no change, and writes nothing", async () => {
    const obj = await create();
    const res = await patch(obj.metadata.name, {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: { name: obj.metadata.name },
      spec: obj.spec,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(obj);
    // The whole object, as read, sent back as a patch: also no change.
    const whole = await patch(obj.metadata.name, obj);
    expect(whole.status).toBe(200);
    expect(whole.body.metadata.resourceVersion).toBe(obj.metadata.resourceVersion);
  });

  test("arrays are replaced whole, never merged", async () => {
    const obj = await create();
    const res = await patch(obj.metadata.name, { metadata: { finalizers: ["a"] } });
    expect(res.status).toBe(400);
    // Status arrays (conditions) through /status: replaced whole.
    const withStatus = await s.api
      .patch(`${collection}/${obj.metadata.name}/status`)
      .set("Content-Type", mergePatch)
      .send(
        JSON.stringify({
          status: {
            conditions: [
              { type: "Created", status: "True" },
              { type: "Running", status: "True" },
            ],
          },
        }),
      );
    expect(withStatus.status).toBe(200);
    const replaced = await s.api
      .patch(`${collection}/${obj.metadata.name}/status`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ status: { conditions: [{ type: "Succeeded", status: "True" }] } }));
    expect(replaced.body.status.conditions).toEqual([{ type: "Succeeded", status: "True" }]);
  });

  test("a resourceVersion in the patch is a precondition: stale is 409 Conflict", async () => {
    const obj = await create();
    const first = await patch(obj.metadata.name, {
      metadata: { labels: { v: "1" }, resourceVersion: obj.metadata.resourceVersion },
    });
    expect(first.status).toBe(200);
    const stale = await patch(obj.metadata.name, {
      metadata: { labels: { v: "2" }, resourceVersion: obj.metadata.resourceVersion },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      reason: "Conflict",
      message: `Operation cannot be fulfilled on ${plural}.kubeflow.org "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
    });
    expect((await s.api.get(`${collection}/${obj.metadata.name}`)).body.metadata.labels.v).toBe("1");
  });

  test("concurrent patches without a precondition never lose each other's changes", async () => {
    const obj = await create();
    const n = 25;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => patch(obj.metadata.name, { metadata: { labels: { [`k${i}`]: `v${i}` } } })),
    );
    for (const r of results) expect(r.status).toBe(200);
    const final = (await s.api.get(`${collection}/${obj.metadata.name}`)).body;
    for (let i = 0; i < n; i++) expect(final.metadata.labels[`k${i}`]).toBe(`v${i}`);
    const rvs = new Set(results.map((r) => r.body.metadata.resourceVersion));
    expect(rvs.size).toBe(n);
  });

  test("status in a patch of the main resource is ignored", async () => {
    const obj = await create();
    const res = await patch(obj.metadata.name, {
      status: { startTime: "2020-01-01T00:00:00Z" },
      metadata: { labels: { s: "1" } },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBeUndefined();
  });

  test("an invalid value for an updatable field is 422 with its cause", async () => {
    const obj = await create();
    const res = await patch(obj.metadata.name, { spec: { cleanPodPolicy: "Sometimes", activeDeadlineSeconds: 0 } });
    expect(res.status).toBe(422);
    expect(res.body.reason).toBe("Invalid");
    expect(res.body.details.causes.map((c: { field: string }) => c.field).sort()).toEqual([
      "spec.activeDeadlineSeconds",
      "spec.cleanPodPolicy",
    ]);
  });

  test("dryRun=All answers the patched object without storing it", async () => {
    const obj = await create();
    const res = await s.api
      .patch(`${collection}/${obj.metadata.name}?dryRun=All`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ metadata: { labels: { dry: "run" } } }));
    expect(res.status).toBe(200);
    expect(res.body.metadata.labels.dry).toBe("run");
    expect((await s.api.get(`${collection}/${obj.metadata.name}`)).body).toEqual(obj);
  });

  test("only application/merge-patch+json is accepted (415 otherwise), and nothing is stored", async () => {
    const obj = await create();
    for (const type of [
      "application/json",
      "application/strategic-merge-patch+json",
      "application/json-patch+json",
      "text/plain",
    ]) {
      const body =
        type === "application/json-patch+json"
          ? [{ op: "add", path: "/metadata/labels/x", value: "y" }]
          : { metadata: { labels: { x: "y" } } };
      const res = await patch(obj.metadata.name, body, type);
      expect(res.status, type).toBe(415);
      expect(res.body).toMatchObject({
        kind: "Status",
        reason: "UnsupportedMediaType",
        code: 415,
        message:
          "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json",
      });
    }
    expect((await s.api.get(`${collection}/${obj.metadata.name}`)).body).toEqual(obj);
  });

  test("a missing object is 404", async () => {
    const res = await patch("nobody", { metadata: { labels: { a: "b" } } });
    expect(res.status).toBe(404);
    expect(res.body.reason).toBe("NotFound");
  });

  test("pretty=true indents the answer", async () => {
    const obj = await create();
    const res = await s.api
      .patch(`${collection}/${obj.metadata.name}?pretty=true`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ metadata: { labels: { p: "1" } } }));
    expect(res.text).toContain('\n  "apiVersion"');
  });
});

describe("batch Job patch", () => {
  const collection = "/apis/batch/v1/namespaces/kube-test/jobs";
  const job = (name: string) => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "pi", image: "perl" }] } } },
  });

  test("any mutable spec field may change; generation moves on spec changes only", async () => {
    await s.api.post(collection).send(job("jp-1"));
    const res = await s.api
      .patch(`${collection}/jp-1`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ spec: { parallelism: 3, backoffLimit: 2 } }));
    expect(res.status).toBe(200);
    expect(res.body.spec).toMatchObject({ parallelism: 3, backoffLimit: 2 });
    expect(res.body.metadata.generation).toBe(2);
    const labels = await s.api
      .patch(`${collection}/jp-1`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ metadata: { labels: { a: "b" } } }));
    expect(labels.body.metadata.generation).toBe(2);
  });

  test("the pod template and the selector are immutable (422)", async () => {
    await s.api.post(collection).send(job("jp-2"));
    const res = await s.api
      .patch(`${collection}/jp-2`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ spec: { template: { spec: { containers: [{ name: "pi", image: "other" }] } } } }));
    expect(res.status).toBe(422);
    expect(res.body.details.causes).toEqual([
      expect.objectContaining({ field: "spec.template", message: "Invalid value: field is immutable" }),
    ]);
  });

  test("the patched object must be a valid Job (422)", async () => {
    await s.api.post(collection).send(job("jp-3"));
    const res = await s.api
      .patch(`${collection}/jp-3`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ spec: { parallelism: -1 } }));
    expect(res.status).toBe(422);
    expect(res.body.details.causes[0].field).toBe("spec.parallelism");
  });
});
