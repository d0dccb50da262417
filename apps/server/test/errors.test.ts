// Every error under /api and /apis is a Kubernetes Status with the HTTP status as its code: what
// the validator refuses, malformed JSON, oversized bodies, unknown paths and methods, wrong patch
// types. Never HTML, never a stack trace. And `pretty`, as the apiserver prints.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Response } from "supertest";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compileObjectValidator } from "../src/resources/validation.js";
import { seedObject, tfJob, unique } from "./builders.js";
import { type TestServer, testServer } from "./helpers.js";
import { mergePatch } from "./seeds.js";

const document = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json"), "utf8"),
) as object;
const schemaErrors = compileObjectValidator(document, ["Status"]);

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

const tfjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";
const mxjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/mxjobs";
const jobs = "/apis/batch/v1/namespaces/kube-test/jobs";

async function createTfJob(name = unique("tf")) {
  const res = await s.api.post(tfjobs).send(tfJob(name));
  expect(res.status).toBe(201);
  return res.body as { metadata: { name: string; resourceVersion: string } };
}

/** A JSON Status body: no HTML, no stack trace, the code equal to the HTTP status, the spec's shape. */
function expectStatus(res: Response, code: number, reason: string): Record<string, any> {
  expect({ status: res.status, reason: res.body?.reason }).toEqual({ status: code, reason });
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(res.text).not.toMatch(/<html|<!DOCTYPE|<pre>/i);
  expect(res.text).not.toMatch(/\n\s+at |\bat .+\.(js|ts):\d+/);
  expect(res.body).toMatchObject({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason, code });
  expect(typeof res.body.message).toBe("string");
  expect(res.body.message.length).toBeGreaterThan(0);
  const allowed = ["kind", "apiVersion", "metadata", "status", "message", "reason", "details", "code"];
  expect(Object.keys(res.body).filter((k) => !allowed.includes(k))).toEqual([]);
  expect(schemaErrors("Status", res.body)).toEqual([]);
  return res.body;
}

describe("malformed JSON: 400 BadRequest", () => {
  test.each([
    ["create", "post", tfjobs, "application/json"],
    ["replace", "put", `${tfjobs}/NAME`, "application/json"],
    ["patch", "patch", `${tfjobs}/NAME`, mergePatch],
    ["status replace", "put", `${tfjobs}/NAME/status`, "application/json"],
    ["status patch", "patch", `${tfjobs}/NAME/status`, mergePatch],
    ["Job create", "post", jobs, "application/json"],
  ] as const)("%s", async (_, method, path, contentType) => {
    const { metadata } = await createTfJob();
    for (const text of ['{"metadata": {', "{not json}", "[1, 2", "tru"]) {
      const res = await s.api[method](path.replace("NAME", metadata.name)).set("Content-Type", contentType).send(text);
      expectStatus(res, 400, "BadRequest");
    }
    // Nothing changed.
    expect((await s.api.get(`${tfjobs}/${metadata.name}`)).body.metadata.resourceVersion).toBe(
      metadata.resourceVersion,
    );
  });
});

describe("JSON that is not an object: 400 naming the type, not a decoding error", () => {
  test.each(["null", '"x"', "42", "true"])("%s", async (text) => {
    const { metadata } = await createTfJob();
    const patch = await s.api.patch(`${tfjobs}/${metadata.name}`).set("Content-Type", mergePatch).send(text);
    expectStatus(patch, 400, "BadRequest");
    expect(patch.body.message).toContain("must be object");
    const create = await s.api.post(tfjobs).set("Content-Type", "application/json").send(text);
    expectStatus(create, 400, "BadRequest");
    expect(create.body.message).not.toContain("decoding");
    expect((await s.api.get(`${tfjobs}/${metadata.name}`)).body.metadata.resourceVersion).toBe(
      metadata.resourceVersion,
    );
  });
});

describe("a POST or PUT without a Content-Type is read as JSON, as the apiserver does", () => {
  test("create and replace", async () => {
    const name = `no-ct-${Date.now().toString(36)}`;
    const text = JSON.stringify(tfJob(name));
    const created = await s.api.post(tfjobs).unset("Content-Type").send(Buffer.from(text));
    expect(created.status).toBe(201);
    const body = JSON.stringify({ ...created.body, metadata: { ...created.body.metadata, labels: { ct: "none" } } });
    const replaced = await s.api.put(`${tfjobs}/${name}`).unset("Content-Type").send(Buffer.from(body));
    expect(replaced.status).toBe(200);
    expect(replaced.body.metadata.labels).toEqual({ ct: "none" });
  });
});

describe("413 RequestEntityTooLarge", () => {
  const limit = 3 * 1024 * 1024;

  test("a body over 3 MiB, whatever the operation", async () => {
    const { metadata } = await createTfJob();
    const huge = (name: string) => ({ ...tfJob(name), metadata: { name, annotations: { big: "a".repeat(limit) } } });
    const name = unique("huge");
    for (const res of [
      await s.api.post(tfjobs).send(huge(name)),
      await s.api.put(`${tfjobs}/${metadata.name}`).send(huge(metadata.name)),
      await s.api
        .patch(`${tfjobs}/${metadata.name}`)
        .set("Content-Type", mergePatch)
        .send(JSON.stringify({ metadata: { annotations: { big: "a".repeat(limit) } } })),
      await s.api.post(jobs).send({ big: "a".repeat(limit) }),
    ]) {
      const body = expectStatus(res, 413, "RequestEntityTooLarge");
      expect(body.message).toBe("Request entity too large: limit is 3145728");
    }
    expect((await s.api.get(`${tfjobs}/${name}`)).status).toBe(404);
  });

  test("a body just under 3 MiB is parsed, and then judged by the object limits", async () => {
    const name = unique("large");
    const obj = tfJob(name);
    obj.metadata.annotations = { big: "a".repeat(limit - 8 * 1024) };
    const res = await s.api.post(tfjobs).send(obj);
    // Not the parser's 413: annotations are limited to 256 KiB (see test/reliability/limits.test.ts).
    const body = expectStatus(res, 422, "Invalid");
    expect(body.details.causes).toEqual([expect.objectContaining({ field: "metadata.annotations" })]);
  });
});

describe("404 for unknown paths: a Status, as the apiserver's", () => {
  test.each([
    "/apis/kubeflow.org/v1/namespaces/kube-test/nothings",
    "/apis/kubeflow.org/v2/namespaces/kube-test/tfjobs",
    "/apis/example.com/v1/things",
    "/api/v1/pods",
    "/api/v1/namespaces/kube-test/pods/p",
    "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/x/scale",
    "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/x/status/y",
    "/not-an-api",
  ])("GET %s", async (path) => {
    const body = expectStatus(await s.api.get(path), 404, "NotFound");
    expect(body.message).toBe("the server could not find the requested resource");
  });

  test("an object that does not exist names it", async () => {
    const body = expectStatus(await s.api.get(`${tfjobs}/absent`), 404, "NotFound");
    expect(body).toMatchObject({
      message: 'tfjobs.kubeflow.org "absent" not found',
      details: { name: "absent", group: "kubeflow.org", kind: "tfjobs" },
    });
  });
});

describe("405 for a method a known path does not have", () => {
  test.each([
    ["POST", "post", `${tfjobs}/NAME`],
    ["PUT on a collection", "put", tfjobs],
    ["PATCH on a collection", "patch", tfjobs],
    ["POST on /status", "post", `${tfjobs}/NAME/status`],
    ["DELETE on /status", "delete", `${tfjobs}/NAME/status`],
    ["POST across all namespaces", "post", "/apis/kubeflow.org/v1/tfjobs"],
    ["DELETE on discovery", "delete", "/apis"],
  ] as const)("%s", async (_, method, path) => {
    const { metadata } = await createTfJob();
    const res = await s.api[method](path.replace("NAME", metadata.name))
      .set("Content-Type", "application/json")
      .send(tfJob(metadata.name));
    const body = expectStatus(res, 405, "MethodNotAllowed");
    expect(body.message).toBe("the server does not allow this method on the requested resource");
    expect((await s.api.get(`${tfjobs}/${metadata.name}`)).body.metadata.resourceVersion).toBe(
      metadata.resourceVersion,
    );
  });
});

describe("PATCH content types: only application/merge-patch+json for the Kubeflow kinds", () => {
  const message =
    "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json";
  const patch = JSON.stringify({ metadata: { labels: { patched: "yes" } } });

  test.each([
    ["application/json", patch],
    ["application/strategic-merge-patch+json", patch],
    ["application/json-patch+json", JSON.stringify([{ op: "add", path: "/metadata/labels/patched", value: "yes" }])],
    ["application/apply-patch+yaml", "metadata:\n  labels:\n    patched: yes\n"],
    ["text/plain", patch],
    [undefined, undefined],
  ])("%s: 415 UnsupportedMediaType with the apiserver's message, nothing stored", async (contentType, text) => {
    const { metadata } = await createTfJob();
    for (const path of [`${tfjobs}/${metadata.name}`, `${tfjobs}/${metadata.name}/status`]) {
      let req = s.api.patch(path);
      if (contentType) req = req.set("Content-Type", contentType);
      const res = text === undefined ? await req : await req.send(text);
      const body = expectStatus(res, 415, "UnsupportedMediaType");
      expect(body.message).toBe(message);
    }
    const after = await s.api.get(`${tfjobs}/${metadata.name}`);
    expect(after.body.metadata.resourceVersion).toBe(metadata.resourceVersion);
    expect(after.body.metadata.labels).toEqual({ app: "test" });
  });

  test("batch Jobs accept strategic merge patch and JSON Patch too, and nothing else", async () => {
    const job = seedObject("JobSeed", unique("job"));
    expect((await s.api.post(jobs).send(job)).status).toBe(201);
    for (const contentType of ["application/json", "application/apply-patch+yaml", "text/plain"]) {
      const res = await s.api
        .patch(`${jobs}/${job.metadata.name}`)
        .set("Content-Type", contentType)
        .send(JSON.stringify({ spec: { parallelism: 2 } }));
      expect(expectStatus(res, 415, "UnsupportedMediaType").message).toBe(
        "the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json",
      );
    }
  });

  test("merge-patch+json with a charset parameter is a merge patch", async () => {
    const { metadata } = await createTfJob();
    const res = await s.api
      .patch(`${tfjobs}/${metadata.name}`)
      .set("Content-Type", `${mergePatch}; charset=utf-8`)
      .send(patch);
    expect(res.status).toBe(200);
    expect(res.body.metadata.labels).toEqual({ app: "test", patched: "yes" });
  });
});

describe("400 for bad query parameters", () => {
  test.each([
    ["an unknown parameter", "foo=bar", "foo"],
    ["a misspelt one", "labelselector=a%3Db", "labelselector"],
    ["limit that is not a number", "limit=ten", "limit"],
    ["a negative limit", "limit=-1", "limit"],
    ["pretty that is not a boolean", "pretty=yes", "pretty"],
  ])("%s", async (_, query, field) => {
    const body = expectStatus(await s.api.get(`${tfjobs}?${query}`), 400, "BadRequest");
    expect(body.message).toContain(field);
    expect(body.details.causes).toEqual([expect.objectContaining({ field })]);
  });

  test("on writes too, and nothing is stored", async () => {
    const name = unique("query");
    expectStatus(await s.api.post(`${tfjobs}?dryrun=All`).send(tfJob(name)), 400, "BadRequest");
    expect((await s.api.get(`${tfjobs}/${name}`)).status).toBe(404);
  });

  test("an invalid percent-encoding in the path is 400 and names no field", async () => {
    const body = expectStatus(
      await s.api.get("/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/%E0%A4%A"),
      400,
      "BadRequest",
    );
    expect(body.message).toMatch(/malformed URI/);
    expect(JSON.stringify(body.details ?? {})).not.toContain("apis.kubeflow.org");
  });
});

describe("422 Invalid: one cause per field", () => {
  test("several schema violations in a create body", async () => {
    const name = unique("invalid");
    const obj = tfJob(name);
    obj.spec.tfReplicaSpecs.Worker.replicas = "two";
    obj.spec.tfReplicaSpecs.Ps.replicas = -1;
    obj.spec.cleanPodPolicy = "Sometimes";
    obj.spec.backoffLimit = "6";
    obj.spec.tfReplicaSpecs.Worker.template.spec.containers[0].image = 5;
    const body = expectStatus(await s.api.post(tfjobs).send(obj), 422, "Invalid");
    expect(body.details).toMatchObject({ name, group: "kubeflow.org", kind: "TFJob" });
    const causes = body.details.causes as { field: string; reason: string; message: string }[];
    expect(causes.map((c) => c.field).sort()).toEqual(
      [
        "spec.backoffLimit",
        "spec.cleanPodPolicy",
        "spec.tfReplicaSpecs.Ps.replicas",
        "spec.tfReplicaSpecs.Worker.replicas",
        "spec.tfReplicaSpecs.Worker.template.spec.containers.0.image",
      ].sort(),
    );
    const byField = Object.fromEntries(causes.map((c) => [c.field, c]));
    expect(byField["spec.tfReplicaSpecs.Worker.replicas"]!.reason).toBe("FieldValueTypeInvalid");
    expect(byField["spec.cleanPodPolicy"]!.reason).toBe("FieldValueNotSupported");
    expect(byField["spec.tfReplicaSpecs.Ps.replicas"]!.reason).toBe("FieldValueInvalid");
    expect(body.message).toMatch(new RegExp(`^TFJob\\.kubeflow\\.org "${name}" is invalid: `));
    for (const c of causes) expect(body.message).toContain(`${c.field}: ${c.message}`);
    expect((await s.api.get(`${tfjobs}/${name}`)).status).toBe(404);
  });

  test("a missing required field is named once", async () => {
    const name = unique("required");
    const obj = tfJob(name);
    delete obj.spec.tfReplicaSpecs;
    const body = expectStatus(await s.api.post(tfjobs).send(obj), 422, "Invalid");
    expect(body.details.causes).toEqual([
      { reason: "FieldValueRequired", message: "Required value", field: "spec.tfReplicaSpecs" },
    ]);
  });

  test("a field the schema does not allow is named once, without a trailing dot", async () => {
    const mx = seedObject("MXJobSeed", unique("mx"));
    mx.spec.mxReplicaSpecs.Bogus = mx.spec.mxReplicaSpecs.Worker;
    const body = expectStatus(await s.api.post(mxjobs).send(mx), 422, "Invalid");
    expect(body.details).toMatchObject({ name: mx.metadata.name, kind: "MXJob" });
    expect(body.details.causes).toEqual([
      { reason: "FieldValueNotSupported", message: expect.any(String), field: "spec.mxReplicaSpecs.Bogus" },
    ]);
  });

  test("a replace body is checked the same way", async () => {
    const { metadata } = await createTfJob();
    const current = (await s.api.get(`${tfjobs}/${metadata.name}`)).body;
    current.spec.tfReplicaSpecs.Worker.replicas = "many";
    const body = expectStatus(await s.api.put(`${tfjobs}/${metadata.name}`).send(current), 422, "Invalid");
    expect(body.details.causes.map((c: { field: string }) => c.field)).toEqual(["spec.tfReplicaSpecs.Worker.replicas"]);
  });

  test("an invalid name is a cause on metadata.name", async () => {
    const body = expectStatus(await s.api.post(tfjobs).send(tfJob("Not_A_DNS_Name")), 422, "Invalid");
    expect(body.details.causes.map((c: { field: string }) => c.field)).toEqual(["metadata.name"]);
  });
});

describe("never HTML, never a stack trace, never a 500 for what the client sent", () => {
  test.each([
    [
      "a JSON body that is not an object",
      (r: TestServer["api"]) => r.post(tfjobs).set("Content-Type", "application/json").send("[1]"),
      400,
    ],
    [
      "a JSON string",
      (r: TestServer["api"]) => r.post(tfjobs).set("Content-Type", "application/json").send('"tfjob"'),
      400,
    ],
    [
      "deeply nested arrays",
      (r: TestServer["api"]) =>
        r
          .post(tfjobs)
          .set("Content-Type", "application/json")
          .send("[".repeat(5000) + "]".repeat(5000)),
      400,
    ],
    [
      "a gzip body that is not gzip",
      (r: TestServer["api"]) =>
        r.post(tfjobs).set("Content-Type", "application/json").set("Content-Encoding", "gzip").send("plain"),
      400,
    ],
    [
      "an unknown Content-Encoding",
      (r: TestServer["api"]) =>
        r.post(tfjobs).set("Content-Type", "application/json").set("Content-Encoding", "x-unknown").send("{}"),
      415,
    ],
    [
      "an unsupported charset",
      (r: TestServer["api"]) => r.post(tfjobs).set("Content-Type", "application/json; charset=latin1").send("{}"),
      415,
    ],
    // Without a Content-Type a POST is read as JSON (the apiserver's default): an empty object.
    // A custom resource must name its kind (the apiserver decodes it unstructured): 400.
    ["a create without a body", (r: TestServer["api"]) => r.post(tfjobs), 400],
    ["a form body", (r: TestServer["api"]) => r.post(tfjobs).type("form").send("a=b"), 415],
    [
      "a bad labelSelector",
      (r: TestServer["api"]) => r.get(`${tfjobs}?labelSelector=${encodeURIComponent("a in (")}`),
      400,
    ],
    [
      "an unknown fieldSelector",
      (r: TestServer["api"]) => r.get(`${tfjobs}?fieldSelector=${encodeURIComponent("spec.x=1")}`),
      400,
    ],
    ["a continue token of no list", (r: TestServer["api"]) => r.get(`${tfjobs}?continue=garbage`), 400],
    ["dryRun other than All", (r: TestServer["api"]) => r.post(`${tfjobs}?dryRun=Some`).send(tfJob("dry")), 400],
  ] as const)("%s: %s", async (_, send, code) => {
    const res = await send(s.api);
    expect(res.status).toBe(code);
    expectStatus(res, code, res.body.reason);
    expect(res.body.reason).not.toBe("InternalError");
  });
});

describe("pretty", () => {
  const isPretty = (text: string) => text.startsWith('{\n  "') && text.endsWith("}\n");
  const isCompact = (text: string) => !text.includes("\n");

  test("pretty=true indents objects, lists and errors; pretty=false does not", async () => {
    const { metadata } = await createTfJob();
    for (const path of [`${tfjobs}/${metadata.name}`, tfjobs, `${tfjobs}/absent`]) {
      const sep = path.includes("?") ? "&" : "?";
      const pretty = await s.api.get(`${path}${sep}pretty=true`);
      expect(isPretty(pretty.text)).toBe(true);
      expect(JSON.parse(pretty.text)).toEqual(pretty.body);
      expect(pretty.headers["content-type"]).toMatch(/^application\/json/);
      const compact = await s.api.get(`${path}${sep}pretty=false`);
      expect(isCompact(compact.text)).toBe(true);
      expect(compact.body).toEqual(pretty.body);
    }
  });

  test("pretty takes the apiserver's boolean spellings", async () => {
    const { metadata } = await createTfJob();
    for (const value of ["1", "t", "T", "TRUE", "True"])
      expect(isPretty((await s.api.get(`${tfjobs}/${metadata.name}?pretty=${value}`)).text)).toBe(true);
    for (const value of ["0", "f", "F", "FALSE", "False"])
      expect(isCompact((await s.api.get(`${tfjobs}/${metadata.name}?pretty=${value}`)).text)).toBe(true);
  });

  test("curl, Wget and browsers get pretty output by default, as from the apiserver", async () => {
    const { metadata } = await createTfJob();
    for (const agent of ["curl/8.5.0", "Wget/1.21.4", "Mozilla/5.0 (X11; Linux x86_64)"]) {
      expect(isPretty((await s.api.get(`${tfjobs}/${metadata.name}`).set("User-Agent", agent)).text)).toBe(true);
      expect(isPretty((await s.api.get(`${tfjobs}/absent`).set("User-Agent", agent)).text)).toBe(true);
      expect(
        isCompact((await s.api.get(`${tfjobs}/${metadata.name}?pretty=false`).set("User-Agent", agent)).text),
      ).toBe(true);
    }
    for (const agent of ["kubectl/v1.32.0 (linux/amd64) kubernetes/abc", "node-fetch", "python-requests/2.32"]) {
      expect(isCompact((await s.api.get(`${tfjobs}/${metadata.name}`).set("User-Agent", agent)).text)).toBe(true);
    }
  });

  test("a 401 is pretty for curl too", async () => {
    const res = await s.anonymous.get(tfjobs).set("User-Agent", "curl/8.5.0");
    expect(res.status).toBe(401);
    expect(isPretty(res.text)).toBe(true);
  });
});
