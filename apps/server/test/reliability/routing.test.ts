// Error families and methods: everything under /v1/ answers in the ModelArts format, /V1/ is no
// ModelArts path, unknown paths are 404 in their family's format, HEAD works wherever GET does,
// a method a known path lacks is 405 with Allow, an operation without a handler is 501 (not 500),
// and a GET's body is ignored.
import express from "express";
import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { errorHandler } from "../../src/http/errors.js";
import { StatusError } from "../../src/resources/errors.js";
import { type TestServer, testServer } from "../helpers.js";
import { creatable } from "../seeds.js";

let s: TestServer;
beforeAll(async () => {
  s = await testServer();
  const obj = creatable("TFJobSeed");
  obj.metadata = { name: "routing" };
  expect((await s.api.post(tfjobs).send(obj)).status).toBe(201);
});
afterAll(() => s.close());

const tfjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";
const modelArtsFailure = { is_success: false, error_code: expect.stringMatching(/^ModelArts\.\d{4}$/) };

describe("families", () => {
  test.each(["/v1", "/v1/", "/v1/proj-a", "/v1/proj-a/nothing", "/v1/proj-a/training-jobs/1/nothing", "/v1/x/y/z/w/v"])(
    "unknown %s is 404 in the ModelArts format",
    async (path) => {
      const res = await s.api.get(path);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        ...modelArtsFailure,
        error_code: "ModelArts.0102",
        error_message: expect.any(String),
      });
    },
  );

  test.each([
    "/V1/proj-a/training-jobs",
    "/v1/proj-a/Training-Jobs",
    "/APIS/kubeflow.org/v1/namespaces/kube-test/tfjobs",
  ])("%s does not reach a handler: 404", async (path) => {
    const res = await s.api.get(path);
    expect(res.status).toBe(404);
    if (path.startsWith("/v1/")) expect(res.body).toMatchObject(modelArtsFailure);
    else expect(res.body).toMatchObject({ kind: "Status", code: 404, reason: "NotFound" });
  });

  test("unknown Kubernetes and other paths are 404 Status", async () => {
    for (const path of [
      "/apis/nope/v1/things",
      "/nothing",
      "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/a/b/c",
    ]) {
      const res = await s.api.get(path);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ kind: "Status", code: 404 });
    }
  });

  test("an operation without a handler under /v1/ is 501 in the ModelArts format", async () => {
    const app = express();
    app.get("/v1/:project/training-jobs", () => {
      throw new StatusError(501, "NotImplemented", "the operation listTrainingJobs is not implemented yet");
    });
    app.use(errorHandler(pino({ level: "silent" })));
    const res = await request(app).get("/v1/p/training-jobs");
    expect(res.status).toBe(501);
    expect(res.body).toMatchObject(modelArtsFailure);
  });
});

describe("methods", () => {
  test.each([
    "/healthz",
    "/readyz",
    "/openapi.json",
    "/apis",
    `${tfjobs}`,
    `${tfjobs}/routing`,
    "/v1/proj-a/training-jobs",
  ])("HEAD %s answers as GET does, without a body", async (path) => {
    const get = await s.api.get(path);
    const head = await s.api.head(path);
    expect(head.status).toBe(get.status);
    expect(head.headers["content-type"]).toBe(get.headers["content-type"]);
    expect(head.text ?? "").toBe("");
  });

  test.each([
    ["options", tfjobs, "GET, POST, DELETE, HEAD"],
    ["put", tfjobs, "GET, POST, DELETE, HEAD"],
    ["post", `${tfjobs}/routing`, "GET, PUT, DELETE, PATCH, HEAD"],
    ["delete", `${tfjobs}/routing/status`, "GET, PUT, PATCH, HEAD"],
    ["post", "/healthz", "GET, HEAD"],
    ["delete", "/apis", "GET, HEAD"],
  ] as const)("%s %s is 405 with Allow: %s", async (method, path, allow) => {
    const res = await s.api[method](path);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.body).toMatchObject({ kind: "Status", reason: "MethodNotAllowed", code: 405 });
  });

  test("a ModelArts path without the method is 404 ModelArts.0102", async () => {
    const res = await s.api.patch("/v1/proj-a/training-jobs").send({});
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ ...modelArtsFailure, error_code: "ModelArts.0102" });
  });

  test("a GET's body is ignored, even malformed or huge", async () => {
    const res = await s.api.get(`${tfjobs}/routing`).set("Content-Type", "application/json").send("{not json");
    expect(res.status).toBe(200);
  });
});
