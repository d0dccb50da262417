// Authentication by a Kubernetes static token file (Bearer or X-Auth-Token) and authorization by
// group, with the apiserver's 401 and 403 bodies.
import type { Response } from "supertest";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TokenTable, tokenOf } from "../src/http/auth.js";
import { seedObject, tfJob, unique } from "./builders.js";
import { type TestServer, testServer, tokens } from "./helpers.js";
import { mergePatch } from "./seeds.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

const tfjobs = (namespace: string) => `/apis/kubeflow.org/v1/namespaces/${namespace}/tfjobs`;
const batchJobs = (namespace: string) => `/apis/batch/v1/namespaces/${namespace}/jobs`;

/** Creates a TFJob as the admin. */
async function createTfJob(namespace: string, name = unique("tf")) {
  const res = await s.api.post(tfjobs(namespace)).send(tfJob(name, namespace));
  expect(res.status).toBe(201);
  return name;
}

/** The body kube-apiserver's authentication filter answers, byte for byte. */
const unauthorizedText =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}';

function expectUnauthorized(res: Response): void {
  expect(res.status).toBe(401);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(res.text).toBe(unauthorizedText);
}

function expectForbidden(res: Response, message: string, details: Record<string, string>): void {
  expect(res.status).toBe(403);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(res.body).toEqual({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: "Forbidden",
    details,
    code: 403,
  });
}

describe("TokenTable.fromCsv (the static token file)", () => {
  test("reads token,user,uid and a quoted group list", () => {
    const table = TokenTable.fromCsv('t1,alice,u-1,"namespace:a,project:p,system:authenticated"\n');
    expect(table.authenticate("t1")).toEqual({
      name: "alice",
      uid: "u-1",
      groups: ["namespace:a", "project:p", "system:authenticated"],
    });
  });

  test("a single unquoted group, and no groups at all", () => {
    const table = TokenTable.fromCsv("t1,alice,u-1,system:masters\nt2,bob,u-2\n");
    expect(table.authenticate("t1")?.groups).toEqual(["system:masters"]);
    expect(table.authenticate("t2")).toEqual({ name: "bob", uid: "u-2", groups: [] });
  });

  test("skips comment lines and blank lines, and trims fields and groups", () => {
    const text = [
      "# the tokens of the test cluster",
      "",
      "   ",
      't1 , alice , u-1 , "namespace:a , , project:p"',
      "  # indented comment",
      "t2,bob,u-2",
      "",
    ].join("\n");
    const table = TokenTable.fromCsv(text);
    expect(table.authenticate("t1")).toEqual({ name: "alice", uid: "u-1", groups: ["namespace:a", "project:p"] });
    expect(table.authenticate("t2")?.name).toBe("bob");
    expect(table.authenticate("# the tokens of the test cluster")).toBeUndefined();
  });

  test("a # inside a line is data, not a comment", () => {
    const table = TokenTable.fromCsv('t#1,alice,u-1,"namespace:a#b"\n');
    expect(table.authenticate("t#1")?.groups).toEqual(["namespace:a#b"]);
    expect(table.authenticate("t")).toBeUndefined();
  });

  test("Windows line ends", () => {
    const table = TokenTable.fromCsv('t1,alice,u-1,"namespace:a"\r\nt2,bob,u-2\r\n');
    expect(table.authenticate("t1")?.groups).toEqual(["namespace:a"]);
    expect(table.authenticate("t2")?.uid).toBe("u-2");
  });

  test.each([
    ["a line with two columns", "t1,alice,u-1\nt2,bob\n", /line 2/],
    ["a line with one column", "# header\n\nt1\n", /line 3/],
    ["an empty token", ",alice,u-1\n", /line 1/],
    ["an empty uid", "t1,alice,\n", /line 1/],
  ])("%s is an error that names the file's line", (_, text, line) => {
    expect(() => TokenTable.fromCsv(text)).toThrow(line);
  });

  test("an unterminated quote is an error", () => {
    expect(() => TokenTable.fromCsv('t1,alice,u-1,"namespace:a\n')).toThrow();
  });

  test("no token, or an empty one, authenticates no one", () => {
    const table = TokenTable.fromCsv("t1,alice,u-1\n");
    expect(table.authenticate(undefined)).toBeUndefined();
    expect(table.authenticate("")).toBeUndefined();
    expect(table.authenticate("T1")).toBeUndefined();
  });
});

describe("tokenOf (the token of a request)", () => {
  test.each([
    ["Bearer abc", undefined, "abc"],
    ["bearer abc", undefined, "abc"],
    ["Bearer   abc  ", undefined, "abc"],
    [undefined, "abc", "abc"],
    [undefined, "  abc ", "abc"],
    ["Basic YWxpY2U6cHc=", "abc", "abc"],
    ["Basic YWxpY2U6cHc=", undefined, undefined],
    ["Bearer", undefined, undefined],
    ["Bearer a b", undefined, undefined],
    [undefined, "", undefined],
    [undefined, undefined, undefined],
  ])("Authorization %j, X-Auth-Token %j: %j", (authorization, xAuthToken, expected) => {
    expect(tokenOf(authorization, xAuthToken)).toBe(expected);
  });
});

describe("401", () => {
  test("no token: the apiserver's Status, byte for byte", async () => {
    expectUnauthorized(await s.anonymous.get(tfjobs("kube-test")));
    expectUnauthorized(await s.anonymous.post(tfjobs("kube-test")).send(tfJob(unique("anon"), "kube-test")));
    expectUnauthorized(await s.anonymous.get("/apis/kubeflow.org/v1/tfjobs"));
    expectUnauthorized(await s.anonymous.get(batchJobs("kube-test")));
  });

  test("an unknown token, as Bearer or X-Auth-Token", async () => {
    expectUnauthorized(await s.anonymous.get(tfjobs("kube-test")).set("Authorization", "Bearer not-a-token"));
    expectUnauthorized(await s.anonymous.get(tfjobs("kube-test")).set("X-Auth-Token", "not-a-token"));
  });

  test("another scheme than Bearer is no token", async () => {
    expectUnauthorized(
      await s.anonymous
        .get(tfjobs("kube-test"))
        .set("Authorization", `Basic ${Buffer.from("alice:pw").toString("base64")}`),
    );
    expectUnauthorized(await s.anonymous.get(tfjobs("kube-test")).set("Authorization", tokens.alice));
  });

  test("comes before everything else: an unknown path, a bad body, a forbidden namespace", async () => {
    expectUnauthorized(await s.anonymous.get("/apis/kubeflow.org/v1/namespaces/kube-test/nothings"));
    expectUnauthorized(
      await s.anonymous.post(tfjobs("kube-test")).set("Content-Type", "application/json").send("{not json"),
    );
    expectUnauthorized(await s.anonymous.get(tfjobs("team-b")).set("X-Auth-Token", "not-a-token"));
  });

  test("nothing is stored by an unauthenticated request", async () => {
    const name = unique("anon-create");
    expectUnauthorized(await s.anonymous.post(tfjobs("kube-test")).send(tfJob(name, "kube-test")));
    expect((await s.api.get(`${tfjobs("kube-test")}/${name}`)).status).toBe(404);
  });
});

describe("Bearer and X-Auth-Token", () => {
  test("the same token gives the same answer either way", async () => {
    const name = await createTfJob("kube-test");
    const viaBearer = await s.anonymous
      .get(`${tfjobs("kube-test")}/${name}`)
      .set("Authorization", `Bearer ${tokens.alice}`);
    const viaHeader = await s.anonymous.get(`${tfjobs("kube-test")}/${name}`).set("X-Auth-Token", tokens.alice);
    expect(viaBearer.status).toBe(200);
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toEqual(viaBearer.body);
  });

  test("X-Auth-Token writes too, with the same grants", async () => {
    const name = unique("xauth");
    const created = await s.anonymous
      .post(tfjobs("kube-test"))
      .set("X-Auth-Token", tokens.alice)
      .send(tfJob(name, "kube-test"));
    expect(created.status).toBe(201);
    const refused = await s.anonymous
      .post(tfjobs("team-b"))
      .set("X-Auth-Token", tokens.alice)
      .send(tfJob(name, "team-b"));
    expect(refused.status).toBe(403);
  });
});

describe("403: the apiserver's message form", () => {
  // bob holds namespace:team-b only; the objects live in kube-test.
  let name: string;
  let jobName: string;
  beforeAll(async () => {
    name = await createTfJob("kube-test");
    jobName = unique("job");
    const job = seedObject("JobSeed", jobName);
    expect((await s.api.post(batchJobs("kube-test")).send(job)).status).toBe(201);
  });

  const msg = (subject: string, verb: string, resource: string, group = "kubeflow.org") =>
    `${subject} is forbidden: User "bob" cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "kube-test"`;
  const onItem = (n: string) => ({ name: n, group: "kubeflow.org", kind: "tfjobs" });
  const onCollection = { group: "kubeflow.org", kind: "tfjobs" };

  test("get, update, patch and delete of an object", async () => {
    const bob = () => s.as("bob");
    const item = `${tfjobs("kube-test")}/${name}`;
    expectForbidden(await bob().get(item), msg(`tfjobs.kubeflow.org "${name}"`, "get", "tfjobs"), onItem(name));
    expectForbidden(
      await bob().put(item).send(tfJob(name, "kube-test")),
      msg(`tfjobs.kubeflow.org "${name}"`, "update", "tfjobs"),
      onItem(name),
    );
    expectForbidden(
      await bob()
        .patch(item)
        .set("Content-Type", mergePatch)
        .send(JSON.stringify({ metadata: { labels: { by: "bob" } } })),
      msg(`tfjobs.kubeflow.org "${name}"`, "patch", "tfjobs"),
      onItem(name),
    );
    expectForbidden(await bob().delete(item), msg(`tfjobs.kubeflow.org "${name}"`, "delete", "tfjobs"), onItem(name));
    // Nothing changed.
    const after = await s.api.get(item);
    expect(after.status).toBe(200);
    expect(after.body.metadata.labels).toEqual({ app: "test" });
  });

  test("list, create and deletecollection name no object", async () => {
    const bob = () => s.as("bob");
    const collection = tfjobs("kube-test");
    expectForbidden(await bob().get(collection), msg("tfjobs.kubeflow.org", "list", "tfjobs"), onCollection);
    const intruder = unique("intruder");
    expectForbidden(
      await bob().post(collection).send(tfJob(intruder, "kube-test")),
      msg("tfjobs.kubeflow.org", "create", "tfjobs"),
      onCollection,
    );
    expectForbidden(
      await bob().delete(collection),
      msg("tfjobs.kubeflow.org", "deletecollection", "tfjobs"),
      onCollection,
    );
    expect((await s.api.get(`${collection}/${intruder}`)).status).toBe(404);
    expect((await s.api.get(`${collection}/${name}`)).status).toBe(200);
  });

  test("the /status subresource is named resource/status", async () => {
    const bob = () => s.as("bob");
    const status = `${tfjobs("kube-test")}/${name}/status`;
    const subject = `tfjobs.kubeflow.org "${name}"`;
    expectForbidden(
      await bob()
        .patch(status)
        .set("Content-Type", mergePatch)
        .send(JSON.stringify({ status: { conditions: [] } })),
      msg(subject, "patch", "tfjobs/status"),
      onItem(name),
    );
    expectForbidden(
      await bob().put(status).send(tfJob(name, "kube-test")),
      msg(subject, "update", "tfjobs/status"),
      onItem(name),
    );
    expectForbidden(await bob().get(status), msg(subject, "get", "tfjobs/status"), onItem(name));
  });

  test("the exact message of the issue", async () => {
    const res = await s
      .as("bob")
      .patch(`${tfjobs("kube-test")}/x/status`)
      .set("Content-Type", mergePatch)
      .send("{}");
    expect(res.body.message).toBe(
      'tfjobs.kubeflow.org "x" is forbidden: User "bob" cannot patch resource "tfjobs/status" in API group "kubeflow.org" in the namespace "kube-test"',
    );
  });

  test("batch Jobs are jobs.batch in API group batch", async () => {
    const res = await s.as("bob").get(`${batchJobs("kube-test")}/${jobName}`);
    expectForbidden(res, msg(`jobs.batch "${jobName}"`, "get", "jobs", "batch"), {
      name: jobName,
      group: "batch",
      kind: "jobs",
    });
    expectForbidden(
      await s
        .as("bob")
        .put(`${batchJobs("kube-test")}/${jobName}/status`)
        .send({}),
      msg(`jobs.batch "${jobName}"`, "update", "jobs/status", "batch"),
      { name: jobName, group: "batch", kind: "jobs" },
    );
  });

  test("the other kinds by their plural", async () => {
    for (const plural of ["pytorchjobs", "mxjobs"]) {
      const res = await s.as("bob").delete(`/apis/kubeflow.org/v1/namespaces/kube-test/${plural}/p`);
      expectForbidden(res, msg(`${plural}.kubeflow.org "p"`, "delete", plural), {
        name: "p",
        group: "kubeflow.org",
        kind: plural,
      });
    }
  });

  test("a write across all namespaces is refused at the cluster scope", async () => {
    const res = await s.as("bob").delete("/apis/kubeflow.org/v1/tfjobs");
    expectForbidden(
      res,
      'tfjobs.kubeflow.org is forbidden: User "bob" cannot deletecollection resource "tfjobs" in API group "kubeflow.org" at the cluster scope',
      onCollection,
    );
  });
});

describe("namespace grants", () => {
  test("namespace:<ns> allows every verb in that namespace", async () => {
    const name = unique("own");
    const alice = () => s.as("alice");
    const base = tfjobs("kube-test");
    expect((await alice().post(base).send(tfJob(name, "kube-test"))).status).toBe(201);
    expect((await alice().get(`${base}/${name}`)).status).toBe(200);
    expect((await alice().get(base)).status).toBe(200);
    const patched = await alice()
      .patch(`${base}/${name}`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ metadata: { labels: { by: "alice" } } }));
    expect(patched.status).toBe(200);
    expect((await alice().get(`${base}/${name}/status`)).status).toBe(200);
    expect((await alice().delete(`${base}/${name}`)).status).toBe(200);
    // bob, in his own namespace.
    const bobs = unique("bobs");
    expect((await s.as("bob").post(tfjobs("team-b")).send(tfJob(bobs, "team-b"))).status).toBe(201);
    expect((await s.as("bob").get(`${tfjobs("team-b")}/${bobs}`)).status).toBe(200);
  });

  test("a grant of one namespace is not a grant of another", async () => {
    const name = await createTfJob("team-b");
    expect((await s.as("alice").get(`${tfjobs("team-b")}/${name}`)).status).toBe(403);
    expect((await s.as("bob").get(`${tfjobs("team-b")}/${name}`)).status).toBe(200);
    // A project grant is no namespace grant.
    expect((await s.as("alice").get(tfjobs("proj-a"))).status).toBe(403);
  });

  test("system:masters may use any namespace", async () => {
    const name = await createTfJob(unique("anywhere"));
    expect(name).toMatch(/^tf-/);
  });
});

describe("lists across all namespaces", () => {
  test("are filtered to the caller's namespaces; masters see every one", async () => {
    const inKubeTest = await createTfJob("kube-test");
    const inTeamB = await createTfJob("team-b");
    const elsewhere = await createTfJob(unique("elsewhere"));
    const names = async (user: keyof typeof tokens) => {
      const res = await s.as(user).get("/apis/kubeflow.org/v1/tfjobs");
      expect(res.status).toBe(200);
      expect(res.body.kind).toBe("TFJobList");
      return (res.body.items as { metadata: { name: string; namespace: string } }[]).map((i) => i.metadata);
    };
    const alice = await names("alice");
    expect(alice.map((m) => m.name)).toContain(inKubeTest);
    expect(new Set(alice.map((m) => m.namespace))).toEqual(new Set(["kube-test"]));
    const bob = await names("bob");
    expect(bob.map((m) => m.name)).toContain(inTeamB);
    expect(new Set(bob.map((m) => m.namespace))).toEqual(new Set(["team-b"]));
    const admin = (await names("admin")).map((m) => m.name);
    expect(admin).toEqual(expect.arrayContaining([inKubeTest, inTeamB, elsewhere]));
  });

  test("for batch Jobs too", async () => {
    const job = seedObject("JobSeed", unique("job"), "team-b");
    expect((await s.api.post(batchJobs("team-b")).send(job)).status).toBe(201);
    const res = await s.as("alice").get("/apis/batch/v1/jobs");
    expect(res.status).toBe(200);
    expect(
      (res.body.items as { metadata: { namespace: string } }[]).every((i) => i.metadata.namespace === "kube-test"),
    ).toBe(true);
    const bob = await s.as("bob").get("/apis/batch/v1/jobs");
    expect((bob.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toContain(
      job.metadata.name,
    );
  });
});

describe("public and authenticated endpoints", () => {
  test.each(["/healthz", "/readyz", "/openapi.json", "/openapi.yaml"])(
    "%s needs no token (and ignores a bad one)",
    async (path) => {
      const res = await s.anonymous.get(path);
      expect(res.status).toBe(200);
      expect((await s.anonymous.get(path).set("Authorization", "Bearer not-a-token")).status).toBe(200);
    },
  );

  test("the operational answers", async () => {
    expect((await s.anonymous.get("/healthz")).text).toBe("ok");
    expect((await s.anonymous.get("/readyz")).text).toBe("ok");
    const json = await s.anonymous.get("/openapi.json");
    expect(json.headers["content-type"]).toMatch(/^application\/json/);
    expect(json.body.openapi).toMatch(/^3\.1\./);
    const yaml = await s.anonymous.get("/openapi.yaml");
    expect(yaml.headers["content-type"]).toMatch(/^application\/yaml/);
    expect(yaml.text).toMatch(/^openapi: 3\.1\./m);
  });

  test.each(["/api", "/apis", "/apis/kubeflow.org/v1", "/apis/batch/v1"])(
    "discovery %s needs a token, any valid one",
    async (path) => {
      expectUnauthorized(await s.anonymous.get(path));
      expectUnauthorized(await s.anonymous.get(path).set("X-Auth-Token", "not-a-token"));
      expect((await s.as("bob").get(path)).status).toBe(200);
      expect((await s.anonymous.get(path).set("X-Auth-Token", tokens.alice)).status).toBe(200);
    },
  );
});
