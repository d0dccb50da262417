// The seeds' own requests, sent as the seeds show them, give the seeds' answers.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, testServer } from "./helpers.js";
import { creatable, example, kubeflowKinds, mergePatch } from "./seeds.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

/** The seed answer, with the fields only the seed's own server could have set left open. */
function answer(seed: Record<string, any>) {
  return {
    ...seed,
    metadata: {
      ...seed.metadata,
      uid: expect.any(String),
      creationTimestamp: expect.any(String),
      resourceVersion: expect.any(String),
    },
  };
}

describe.each(kubeflowKinds)("PATCH $plural (seed)", ({ plural, seed }) => {
  test("the seed's label patch answers the seed's object", async () => {
    const object = example(seed);
    const { namespace, name } = object.metadata;
    const base = `/apis/kubeflow.org/v1/namespaces/${namespace}/${plural}`;
    const created = creatable(seed);
    delete created.metadata.labels;
    expect((await s.api.post(base).send(created)).status).toBe(201);
    // The operator writes the status the seed shows; the seed's patch comes after.
    const current = (await s.api.get(`${base}/${name}`)).body;
    const status = await s.api.put(`${base}/${name}/status`).send({ ...current, status: object.status });
    expect(status.status).toBe(200);

    const res = await s.api
      .patch(`${base}/${name}`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify(example("KubeflowJobPatchLabels")));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(answer(object));
    expect(res.body.metadata.generation).toBe(1);
  });
});

test("PUT /apis/batch/v1/namespaces/{namespace}/jobs/{name}/status (seed) answers the seed's Job", async () => {
  const request = example("JobStatusReplaceRequest");
  const { namespace, name } = request.metadata;
  const base = `/apis/batch/v1/namespaces/${namespace}/jobs`;
  const created = await s.api.post(base).send(creatable("JobSeed"));
  expect(created.status).toBe(201);
  // The seed's body names its own object by uid and resourceVersion: preconditions that refer to
  // the seed's server. Against ours they are stale (409); with this object's values the rest of
  // the body, as the seed shows it, gives the seed's answer.
  expect((await s.api.put(`${base}/${name}/status`).send(request)).status).toBe(409);
  const { uid, resourceVersion, creationTimestamp } = created.body.metadata;
  const body = { ...request, metadata: { ...request.metadata, uid, resourceVersion, creationTimestamp } };
  const res = await s.api.put(`${base}/${name}/status`).send(body);
  expect(res.status).toBe(200);
  // The seed's Kubernetes 1.7 shows no generation on Jobs; this server sets it on every object.
  const seedMeta = example("JobSeed").metadata as Record<string, unknown>;
  expect(res.body).toEqual({
    ...example("JobSeed"),
    metadata: { ...seedMeta, uid, creationTimestamp, generation: 1, resourceVersion: expect.any(String) },
  });
  expect(Number(res.body.metadata.resourceVersion)).toBeGreaterThan(Number(resourceVersion));
});

test("PUT /v1/{project_id}/training-jobs/10 (seed) answers is_success", async () => {
  const project = "proj-a";
  for (let i = 1; i <= 10; i++) {
    const res = await s.api
      .post(`/v1/${project}/training-jobs`)
      .send({ ...example<Record<string, unknown>>("CreateTrainingJobRequest"), job_name: `job-${i}` });
    expect(res.body.job_id).toBe(i);
  }
  const res = await s.api
    .put(`/v1/${project}/training-jobs/10`)
    .set("X-Auth-Token", "admin-token")
    .send(example("UpdateTrainingJobDescriptionRequest"));
  expect(res.status).toBe(200);
  expect(res.body).toEqual(example("ModelArtsSuccess"));
  const versions = await s.api.get(`/v1/${project}/training-jobs/10/versions`);
  expect(versions.body.job_desc).toBe("This is a ModelArts job");
});
