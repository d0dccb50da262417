// What kubectl reads and sends, over HTTP with the responses validated against the spec: the
// OpenAPI v3 documents derived from the spec, Table answers, and a Job's strategic merge patches
// and JSON Patches (validation, preconditions, dryRun, errors).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { objectWith, unique } from "./builders.js";
import { type TestServer, testServer } from "./helpers.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

const jobs = "/apis/batch/v1/namespaces/kube-test/jobs";
const tfjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";
const tableAccept =
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

async function createJob(): Promise<Record<string, any>> {
  const obj = objectWith("JobSeed", { name: unique("job"), labels: { app: "pi" } });
  const res = await s.api.post(jobs).send(obj);
  expect(res.status).toBe(201);
  return res.body;
}

async function createTfJob(): Promise<Record<string, any>> {
  const res = await s.api.post(tfjobs).send(objectWith("TFJobSeed", { name: unique("tf") }));
  expect(res.status).toBe(201);
  return res.body;
}

describe("/openapi/v3", () => {
  test("names a document per group-version, with a hash; public", async () => {
    const res = await s.anonymous.get("/openapi/v3");
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(["apis/batch/v1", "apis/kubeflow.org/v1"]);
    for (const [key, { serverRelativeURL }] of Object.entries<{ serverRelativeURL: string }>(res.body.paths))
      expect(serverRelativeURL).toMatch(
        new RegExp(`^/${key.replace(".", "\\.")}`.replace("/apis", "/openapi/v3/apis") + "\\?hash=[0-9A-F]{64}$"),
      );
  });

  test("a group-version's document: its paths with the GVK and action kubectl looks for, its schemas in 3.0", async () => {
    const discovery = await s.anonymous.get("/openapi/v3");
    const url = discovery.body.paths["apis/batch/v1"].serverRelativeURL as string;
    const res = await s.anonymous.get(url);
    expect(res.status).toBe(200);
    expect(res.headers["cache-control"]).toBe("public, immutable");
    const doc = res.body;
    expect(doc.openapi).toBe("3.0.0");
    expect(Object.keys(doc.paths).every((p) => p.startsWith("/apis/batch/v1"))).toBe(true);
    const patch = doc.paths["/apis/batch/v1/namespaces/{namespace}/jobs/{name}"].patch;
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "batch", version: "v1", kind: "Job" });
    expect(patch["x-kubernetes-action"]).toBe("patch");
    // kubectl finds fieldValidation among the PATCH operation's own parameters.
    expect(patch.parameters).toContainEqual(expect.objectContaining({ name: "fieldValidation", in: "query" }));
    expect(patch.parameters).toContainEqual(expect.objectContaining({ name: "name", in: "path" }));
    expect(Object.keys(patch.requestBody.content)).toContain("application/strategic-merge-patch+json");
    expect(doc.paths["/apis/batch/v1/namespaces/{namespace}/jobs"].get["x-kubernetes-action"]).toBe("list");
    const schemas = doc.components.schemas;
    expect(schemas.Job["x-kubernetes-group-version-kind"]).toEqual([{ group: "batch", version: "v1", kind: "Job" }]);
    expect(schemas.JobList["x-kubernetes-group-version-kind"]).toEqual([
      { group: "batch", version: "v1", kind: "JobList" },
    ]);
    expect(schemas.Job.properties.kind).toMatchObject({ type: "string", enum: ["Job"] });
    expect(schemas.PodSpec.properties.containers).toMatchObject({
      "x-kubernetes-patch-strategy": "merge",
      "x-kubernetes-patch-merge-key": "name",
    });
    expect(JSON.stringify(doc)).not.toMatch(/"type":\[|"const":|x-codeSamples/);
    // Every $ref of the document resolves inside it.
    for (const [, section, name] of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/([^/]+)\/([^"]+)"/g))
      expect(doc.components[section!]?.[name!], `${section}/${name}`).toBeDefined();
    expect((await s.anonymous.get("/openapi/v3/apis/batch/v1?hash=stale")).headers["cache-control"]).toBe(
      "no-cache, private",
    );
  });

  test("the Kubeflow group's kinds are marked; an unknown group-version is a 404 Status", async () => {
    const doc = (await s.anonymous.get("/openapi/v3/apis/kubeflow.org/v1")).body;
    for (const kind of ["TFJob", "PyTorchJob", "MXJob"])
      expect(doc.components.schemas[kind]["x-kubernetes-group-version-kind"]).toEqual([
        { group: "kubeflow.org", version: "v1", kind },
      ]);
    const missing = await s.anonymous.get("/openapi/v3/apis/apps/v1");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ kind: "Status", reason: "NotFound", code: 404 });
  });
});

describe("Table answers", () => {
  test("a list of Jobs as kubectl asks for it: Name and the Job printer's columns, rows with metadata", async () => {
    const job = await createJob();
    const res = await s.api.get(`${jobs}?labelSelector=app%3Dpi`).set("Accept", tableAccept);
    expect(res.status).toBe(200);
    const [type, ...params] = (res.headers["content-type"] as string).split(";").map((p) => p.trim());
    expect([type, params.filter((p) => !p.startsWith("charset")).sort()]).toEqual([
      "application/json",
      ["as=Table", "g=meta.k8s.io", "v=v1"],
    ]);
    expect(res.body).toMatchObject({ kind: "Table", apiVersion: "meta.k8s.io/v1" });
    expect(res.body.columnDefinitions.map((c: { name: string; priority: number }) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Status", 0],
      ["Completions", 0],
      ["Duration", 0],
      ["Age", 0],
      ["Containers", 1],
      ["Images", 1],
      ["Selector", 1],
    ]);
    const row = res.body.rows.find((r: { cells: unknown[] }) => r.cells[0] === job.metadata.name);
    const container = job.spec.template.spec.containers[0];
    expect(row.cells).toEqual([
      job.metadata.name,
      "Running",
      "0/1",
      "",
      expect.stringMatching(/^\d+[smh]\S*$/),
      container.name,
      container.image,
      `controller-uid=${job.metadata.uid}`,
    ]);
    expect(row.object).toEqual({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: job.metadata });
    expect(res.body.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  test("includeObject=Object carries the object, None nothing; a single get is a one-row Table", async () => {
    const job = await createJob();
    const full = await s.api.get(`${jobs}/${job.metadata.name}?includeObject=Object`).set("Accept", tableAccept);
    expect(full.status).toBe(200);
    expect(full.body.rows).toHaveLength(1);
    expect(full.body.rows[0].object).toEqual(job);
    const none = await s.api.get(`${jobs}/${job.metadata.name}?includeObject=None`).set("Accept", tableAccept);
    expect(none.body.rows[0]).toEqual({ cells: expect.any(Array) });
  });

  test("a Kubeflow kind's State is its last condition's type (null without status)", async () => {
    const tf = await createTfJob();
    await s.api
      .put(`${tfjobs}/${tf.metadata.name}/status`)
      .send({
        ...tf,
        status: {
          conditions: [
            { type: "Created", status: "True" },
            { type: "Running", status: "True" },
          ],
        },
      })
      .expect(200);
    const plain = await createTfJob();
    const res = await s.api
      .get("/apis/kubeflow.org/v1/tfjobs")
      .set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io");
    expect(res.body.apiVersion).toBe("meta.k8s.io/v1");
    expect(res.body.columnDefinitions.map((c: { name: string; type: string }) => [c.name, c.type])).toEqual([
      ["Name", "string"],
      ["State", "string"],
      ["Age", "date"],
    ]);
    const cells = (name: string) => res.body.rows.find((r: { cells: unknown[] }) => r.cells[0] === name).cells;
    expect(cells(tf.metadata.name)).toEqual([tf.metadata.name, "Running", expect.stringMatching(/^\d+[smh]\S*$/)]);
    expect(cells(plain.metadata.name)).toEqual([plain.metadata.name, null, expect.stringMatching(/^\d+[smh]\S*$/)]);
  });

  test("plain JSON unless a Table comes first among the acceptable types", async () => {
    const res = await s.api.get(tfjobs).set("Accept", "application/json, application/json;as=Table;v=v1;g=meta.k8s.io");
    expect(res.body.kind).toBe("TFJobList");
    for (const accept of [
      "application/json;as=Table;v=v2;g=meta.k8s.io,*/*",
      "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
    ])
      expect((await s.api.get(tfjobs).set("Accept", accept)).body.kind).toBe("TFJobList");
  });
});

describe("Job patches", () => {
  const patch = (name: string, type: string, body: unknown, query = "") =>
    s.api.patch(`${jobs}/${name}${query}`).set("Content-Type", type).send(JSON.stringify(body));
  const smp = "application/strategic-merge-patch+json";
  const jsonPatch = "application/json-patch+json";

  test("a strategic merge patch merges; a stale resourceVersion in it is a 409; dryRun stores nothing", async () => {
    const job = await createJob();
    const res = await patch(job.metadata.name, smp, {
      metadata: { labels: { tier: "batch" } },
      spec: { activeDeadlineSeconds: 60 },
    });
    expect(res.status).toBe(200);
    expect(res.body.metadata.labels).toEqual({ app: "pi", tier: "batch" });
    expect(res.body.metadata.generation).toBe(2);
    const stale = await patch(job.metadata.name, smp, {
      metadata: { resourceVersion: job.metadata.resourceVersion, labels: { x: "y" } },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe("Conflict");
    const dry = await patch(job.metadata.name, smp, { metadata: { labels: { dry: "run" } } }, "?dryRun=All");
    expect(dry.body.metadata.labels.dry).toBe("run");
    expect((await s.api.get(`${jobs}/${job.metadata.name}`)).body).toEqual(res.body);
  });

  test("a strategic merge patch of the template is refused (immutable), an item without its merge key is 400", async () => {
    const job = await createJob();
    const name = job.spec.template.spec.containers[0].name;
    const immutable = await patch(job.metadata.name, smp, {
      spec: { template: { spec: { containers: [{ name, image: "x" }] } } },
    });
    expect(immutable.status).toBe(422);
    expect(immutable.body.details.causes).toEqual([
      { reason: "FieldValueInvalid", message: "Invalid value: field is immutable", field: "spec.template" },
    ]);
    const noKey = await patch(job.metadata.name, smp, {
      spec: { template: { spec: { containers: [{ image: "x" }] } } },
    });
    expect(noKey.status).toBe(400);
    expect(noKey.body.message).toContain("does not contain declared merge key: name");
    const bad = await patch(job.metadata.name, smp, { metadata: { labels: { $patch: "explode" } } });
    expect(bad.status).toBe(400);
  });

  test("the result is validated against the schema (422)", async () => {
    const job = await createJob();
    const res = await patch(job.metadata.name, smp, { spec: { parallelism: "two" } });
    expect(res.status).toBe(422);
    expect(res.body.reason).toBe("Invalid");
  });

  test("a JSON Patch applies in order; a failed test is 422 and nothing changes; a malformed one is 400", async () => {
    const job = await createJob();
    const ok = await patch(job.metadata.name, jsonPatch, [
      { op: "add", path: "/metadata/labels/tier", value: "batch" },
      { op: "replace", path: "/spec/parallelism", value: 2 },
    ]);
    expect(ok.status).toBe(200);
    expect(ok.body.metadata.labels.tier).toBe("batch");
    expect(ok.body.spec.parallelism).toBe(2);
    const failed = await patch(job.metadata.name, jsonPatch, [
      { op: "remove", path: "/metadata/labels/tier" },
      { op: "test", path: "/spec/parallelism", value: 3 },
    ]);
    expect(failed.status).toBe(422);
    expect(failed.body).toMatchObject({ kind: "Status", reason: "Invalid", code: 422 });
    expect(failed.body.message).toBe("testing value /spec/parallelism failed: test failed");
    expect((await s.api.get(`${jobs}/${job.metadata.name}`)).body).toEqual(ok.body);
    const missing = await patch(job.metadata.name, jsonPatch, [{ op: "remove", path: "/spec/nothing" }]);
    expect(missing.status).toBe(422);
    const malformed = await patch(job.metadata.name, jsonPatch, [{ op: "frobnicate", path: "/spec" }]);
    expect(malformed.status).toBe(400);
    expect(malformed.body.reason).toBe("BadRequest");
  });

  test("a JSON Patch that sets a stale resourceVersion is a 409; one on /status keeps spec as stored", async () => {
    const job = await createJob();
    await patch(job.metadata.name, smp, { metadata: { labels: { moved: "yes" } } }).expect(200);
    const stale = await patch(job.metadata.name, jsonPatch, [
      { op: "replace", path: "/metadata/resourceVersion", value: job.metadata.resourceVersion },
      { op: "add", path: "/metadata/labels/x", value: "y" },
    ]);
    expect(stale.status).toBe(409);
    const status = await patch(`${job.metadata.name}/status`, jsonPatch, [
      { op: "add", path: "/status/succeeded", value: 1 },
      { op: "replace", path: "/spec/parallelism", value: 5 },
    ]);
    expect(status.status).toBe(200);
    expect(status.body.status.succeeded).toBe(1);
    expect(status.body.spec.parallelism).toBe(job.spec.parallelism);
  });

  test("prototype keys in a JSON Patch are data", async () => {
    const job = await createJob();
    const res = await patch(job.metadata.name, jsonPatch, [
      { op: "add", path: "/metadata/annotations", value: {} },
      { op: "add", path: "/metadata/annotations/__proto__", value: "x" },
    ]);
    expect(res.status).toBe(200);
    expect(res.text).toContain('"annotations":{"__proto__":"x"}');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
