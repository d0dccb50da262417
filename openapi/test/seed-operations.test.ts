// The five seed operations exist exactly as the seed pages describe them.
import { describe, expect, test } from "vitest";
import { deref, type JsonObject, loadBundle } from "./load.js";

const doc = loadBundle();
const paths = doc.paths as JsonObject;

const seeds = [
  {
    method: "patch",
    path: "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}",
    operationId: "patchNamespacedTFJob",
    media: "application/merge-patch+json",
    codes: ["200", "400", "401", "403", "409", "500"],
    params: ["namespace", "name", "pretty"],
  },
  {
    method: "patch",
    path: "/apis/kubeflow.org/v1/namespaces/{namespace}/pytorchjobs/{name}",
    operationId: "patchNamespacedPyTorchJob",
    media: "application/merge-patch+json",
    codes: ["200", "400", "401", "403", "409", "500"],
    params: ["namespace", "name", "pretty"],
  },
  {
    method: "patch",
    path: "/apis/kubeflow.org/v1/namespaces/{namespace}/mxjobs/{name}",
    operationId: "patchNamespacedMXJob",
    media: "application/merge-patch+json",
    codes: ["200", "400", "401", "403", "409", "500"],
    params: ["namespace", "name", "pretty"],
  },
  {
    method: "put",
    path: "/apis/batch/v1/namespaces/{namespace}/jobs/{name}/status",
    operationId: "replaceNamespacedJobStatus",
    media: "application/json",
    codes: ["200"],
    params: ["namespace", "name", "pretty"],
  },
  {
    method: "put",
    path: "/v1/{project_id}/training-jobs/{job_id}",
    operationId: "updateTrainingJobDescription",
    media: "application/json",
    codes: ["200"],
    params: ["project_id", "job_id"],
  },
] as const;

describe.each(seeds)("$method $path", (seed) => {
  const item = deref(doc, paths[seed.path]) as JsonObject;
  const op = item?.[seed.method] as JsonObject;

  test("exists with its operationId", () => {
    expect(op).toBeTruthy();
    expect(op.operationId).toBe(seed.operationId);
  });

  test("takes the seed's parameters", () => {
    const params = [...((item.parameters as JsonObject[]) ?? []), ...((op.parameters as JsonObject[]) ?? [])].map(
      (p) => (deref(doc, p) as JsonObject).name,
    );
    for (const name of seed.params) expect(params).toContain(name);
  });

  test("accepts exactly the seed's request media type", () => {
    const body = deref(doc, op.requestBody) as JsonObject;
    expect(Object.keys(body.content as JsonObject)).toEqual([seed.media]);
  });

  test("documents the seed's status codes", () => {
    const codes = Object.keys(op.responses as JsonObject);
    for (const code of seed.codes) expect(codes).toContain(code);
  });
});

test("the ModelArts description is 0 to 256 characters and job_id is an int64", () => {
  const op = (deref(doc, paths["/v1/{project_id}/training-jobs/{job_id}"]) as JsonObject).put as JsonObject;
  const schema = deref(
    doc,
    ((deref(doc, op.requestBody) as JsonObject).content as JsonObject)["application/json"]!,
  ) as JsonObject;
  const body = deref(doc, schema.schema) as JsonObject;
  const desc = deref(doc, (body.properties as JsonObject).job_desc) as JsonObject;
  expect([desc.minLength, desc.maxLength]).toEqual([0, 256]);
  const jobId = (deref(doc, paths["/v1/{project_id}/training-jobs/{job_id}"]) as JsonObject).parameters as JsonObject[];
  const param = jobId.map((p) => deref(doc, p) as JsonObject).find((p) => p.name === "job_id")!;
  expect(deref(doc, param.schema)).toMatchObject({ type: "integer", format: "int64" });
});
