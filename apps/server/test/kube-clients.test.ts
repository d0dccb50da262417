// What Kubernetes clients send and expect, request by request: the query strings they encode,
// the parameters the apiserver accepts on each verb, /version, namespaces, /apis/{group}, bodies
// without apiVersion and kind, what a delete answers, YAML and 406, and an expired continue token.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SqliteStore } from "../src/store/sqlite.js";
import { objectWith, unique } from "./builders.js";
import { type TestServer, testServer, tokens } from "./helpers.js";
import { kinds } from "./seeds.js";
import { httpTestServer } from "./watch-stream.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

const tfjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";
const jobs = "/apis/batch/v1/namespaces/kube-test/jobs";

describe("set-based selectors, as each client encodes them", () => {
  beforeAll(async () => {
    for (const [name, team] of [
      ["sel-a", "t0"],
      ["sel-b", "t1"],
      ["sel-c", "t2"],
    ]) {
      expect(
        (await s.api.post(tfjobs).send(objectWith("TFJobSeed", { name, labels: { team, sel: "yes" } }))).status,
      ).toBe(201);
    }
  });

  test.each([
    // client-go (kubectl), client-node (URLSearchParams) and Python (urlencode) all send this.
    ["+ for spaces, %-encoded parentheses and comma", "labelSelector=team+in+%28t0%2Ct2%29"],
    ["%20 for spaces", "labelSelector=team%20in%20%28t0%2Ct2%29"],
    ["raw parentheses and comma", "labelSelector=team+in+(t0,t2)"],
  ])("labelSelector with %s", async (_, query) => {
    const res = await s.api.get(`${tfjobs}?${query}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: any) => i.metadata.name)).toEqual(["sel-a", "sel-c"]);
  });

  test("notin and exists, on the all-namespaces list", async () => {
    const res = await s.api.get("/apis/kubeflow.org/v1/tfjobs?labelSelector=sel%2Cteam+notin+%28t0%2Ct2%29");
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: any) => i.metadata.name)).toEqual(["sel-b"]);
  });

  test("fieldSelector with reserved characters, as clients encode it", async () => {
    for (const query of [
      "fieldSelector=metadata.name%3Dsel-b",
      "fieldSelector=metadata.name=sel-b",
      "fieldSelector=metadata.name%3D%3Dsel-b",
    ]) {
      const res = await s.api.get(`${tfjobs}?${query}`);
      expect(res.status, query).toBe(200);
      expect(res.body.items.map((i: any) => i.metadata.name)).toEqual(["sel-b"]);
    }
  });

  test("a broken set-based selector is still a 400 Status", async () => {
    const res = await s.api.get(`${tfjobs}?labelSelector=team+in+%28t0`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ kind: "Status", reason: "BadRequest" });
  });
});

describe("the parameters the apiserver accepts on each verb", () => {
  test.each(kinds)("$kind: every verb takes what kubectl and client libraries send", async ({ plural, seed, base }) => {
    const collection = `${base}/namespaces/kube-test/${plural}`;
    const name = unique("params");
    const created = await s.api
      .post(`${collection}?fieldManager=kubectl-create&fieldValidation=Strict&dryRun=All`)
      .send(objectWith(seed, { name }));
    expect(created.status).toBe(201);
    const real = await s.api
      .post(`${collection}?fieldManager=kubectl-create&fieldValidation=Strict`)
      .send(objectWith(seed, { name }));
    expect(real.status).toBe(201);
    const list = await s.api.get(
      `${collection}?resourceVersion=0&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&sendInitialEvents=false&watch=false&timeoutSeconds=5&limit=0`,
    );
    expect(list.status).toBe(200);
    const all = await s.api.get(`${base}/${plural}?watch=0&resourceVersionMatch=NotOlderThan&resourceVersion=0`);
    expect(all.status).toBe(200);
    const read = await s.api.get(`${collection}/${name}?resourceVersion=0`);
    expect(read.status).toBe(200);
    const readStatus = await s.api.get(`${collection}/${name}/status?resourceVersion=0`);
    expect(readStatus.status).toBe(200);
    const replacedStatus = await s.api
      .put(`${collection}/${name}/status?fieldValidation=Strict&fieldManager=kubectl-edit`)
      .send(read.body);
    expect(replacedStatus.status).toBe(200);
    const patchedStatus = await s.api
      .patch(`${collection}/${name}/status?fieldValidation=Strict&force=false`)
      .set("Content-Type", "application/merge-patch+json")
      .send({ metadata: {} });
    expect(patchedStatus.status).toBe(200);
    const deleted = await s.api.delete(
      `${collection}/${name}?gracePeriodSeconds=0&propagationPolicy=Background&orphanDependents=false`,
    );
    expect(deleted.status).toBe(200);
    const collectionDeleted = await s.api.delete(
      `${collection}?labelSelector=none%3Dnone&gracePeriodSeconds=0&propagationPolicy=Foreground&orphanDependents=false&timeoutSeconds=5&resourceVersionMatch=NotOlderThan`,
    );
    expect(collectionDeleted.status).toBe(200);
  });

  test("an unknown parameter is still refused, and a bad value of a known one", async () => {
    expect((await s.api.get(`${tfjobs}?bogus=1`)).status).toBe(400);
    expect((await s.api.get(`${tfjobs}?watch=maybe`)).status).toBe(400);
    expect((await s.api.get(`${tfjobs}?resourceVersionMatch=Latest`)).status).toBe(400);
  });
});

describe("/version", () => {
  test("answers as the apiserver, without a token", async () => {
    const res = await s.anonymous.get("/version?timeout=32s");
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        "buildDate",
        "compiler",
        "gitCommit",
        "gitTreeState",
        "gitVersion",
        "goVersion",
        "major",
        "minor",
        "platform",
      ].sort(),
    );
    expect(res.body).toMatchObject({ major: "1", minor: "32", gitTreeState: "clean", compiler: "gc" });
    expect(res.body.gitVersion).toMatch(/^v1\.32\.\d+/);
  });
});

describe("namespaces, read-only in core v1", () => {
  test("/api names v1, and /api/v1 the namespaces resource", async () => {
    expect((await s.api.get("/api")).body.versions).toEqual(["v1"]);
    const res = await s.api.get("/api/v1");
    expect(res.status).toBe(200);
    expect(res.body.resources).toEqual([
      {
        name: "namespaces",
        singularName: "namespace",
        namespaced: false,
        kind: "Namespace",
        verbs: ["get", "list"],
        shortNames: ["ns"],
      },
    ]);
  });

  test("any DNS-1123 label is an Active namespace; another name is 404 NotFound", async () => {
    const res = await s.api.get("/api/v1/namespaces/never-used-ns");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "never-used-ns", labels: { "kubernetes.io/metadata.name": "never-used-ns" } },
      status: { phase: "Active" },
    });
    expect((await s.api.get("/api/v1/namespaces/never-used-ns")).body.metadata.uid).toBe(res.body.metadata.uid);
    const bad = await s.api.get("/api/v1/namespaces/Not_A_Label");
    expect(bad.status).toBe(404);
    expect(bad.body).toMatchObject({ reason: "NotFound", message: 'namespaces "Not_A_Label" not found' });
  });

  test("the list: default and the namespaces that hold objects, for an admin; the granted ones otherwise", async () => {
    await s.api.post("/apis/batch/v1/namespaces/ns-with-job/jobs").send(objectWith("JobSeed", { name: "j" }));
    const names = (await s.api.get("/api/v1/namespaces")).body.items.map((n: any) => n.metadata.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["default", "kube-test", "ns-with-job"]));
    const bob = await s.as("bob").get("/api/v1/namespaces");
    expect(bob.body.items.map((n: any) => n.metadata.name)).toEqual(["team-b"]);
    const one = await s.api.get("/api/v1/namespaces?fieldSelector=metadata.name%3Dns-with-job");
    expect(one.body.items.map((n: any) => n.metadata.name)).toEqual(["ns-with-job"]);
  });
});

describe("/apis/{group}", () => {
  test.each([
    ["kubeflow.org", "kubeflow.org/v1"],
    ["batch", "batch/v1"],
  ])("%s: its APIGroup", async (group, groupVersion) => {
    const res = await s.api.get(`/apis/${group}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      kind: "APIGroup",
      apiVersion: "v1",
      name: group,
      versions: [{ groupVersion, version: "v1" }],
      preferredVersion: { groupVersion, version: "v1" },
    });
  });
});

describe("apiVersion and kind of a body", () => {
  test("a Job without them gets them from the URL, as typed clients send it", async () => {
    const body = objectWith("JobSeed", { name: unique("typed") });
    delete body.apiVersion;
    delete body.kind;
    const res = await s.api.post(jobs).send(body);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).slice(0, 2)).toEqual(["apiVersion", "kind"]);
    expect(res.body).toMatchObject({ apiVersion: "batch/v1", kind: "Job" });
    const { apiVersion: _, kind: __, ...untyped } = res.body;
    const replaced = await s.api
      .put(`${jobs}/${res.body.metadata.name}/status`)
      .send({ ...untyped, status: { active: 1 } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.status.active).toBe(1);
  });

  test("a Job naming another version or kind is 400", async () => {
    const body = objectWith("JobSeed", { name: unique("typed") });
    const v2 = await s.api.post(jobs).send({ ...body, apiVersion: "batch/v2" });
    expect(v2.status).toBe(400);
    expect(v2.body.message).toBe(
      "the API version in the data (batch/v2) does not match the expected API version (batch/v1)",
    );
    const cron = await s.api.post(jobs).send({ ...body, kind: "CronJob" });
    expect(cron.status).toBe(400);
  });

  test("a custom resource must name its kind and apiVersion (unstructured decoding): 400", async () => {
    const body = objectWith("TFJobSeed", { name: unique("untyped") });
    delete body.kind;
    const res = await s.api.post(tfjobs).send(body);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^Object 'Kind' is missing in '/);
    const other = await s.api
      .post(tfjobs)
      .send({ ...objectWith("TFJobSeed", { name: unique("untyped") }), kind: "PyTorchJob" });
    expect(other.status).toBe(400);
  });
});

describe("Accept", () => {
  test("application/yaml gets YAML, errors included", async () => {
    const res = await s.api.get("/apis/batch").set("Accept", "application/yaml");
    expect(res.status).toBe(200);
    expect(res.get("content-type")).toMatch(/^application\/yaml/);
    expect(res.text).toContain("name: batch\n");
    const missing = await s.api.get(`${tfjobs}/none`).set("Accept", "application/yaml");
    expect(missing.status).toBe(404);
    expect(missing.text).toContain("reason: NotFound");
  });

  test("kubectl's Table-or-JSON Accept gets JSON; Protobuf alone is 406", async () => {
    const table = await s.api
      .get("/api/v1/namespaces/default")
      .set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
    expect(table.status).toBe(200);
    expect(table.get("content-type")).toMatch(/^application\/json/);
    const proto = await s.api.get("/apis/batch/v1").set("Accept", "application/vnd.kubernetes.protobuf");
    expect(proto.status).toBe(406);
    expect(proto.body).toMatchObject({ kind: "Status", reason: "NotAcceptable", code: 406 });
    const withFallback = await s.api.get("/apis/batch/v1").set("Accept", "application/vnd.kubernetes.protobuf, */*");
    expect(withFallback.status).toBe(200);
  });

  test("a Protobuf body (kubectl create job --image) is out of scope: 415", async () => {
    const res = await s.api
      .post(jobs)
      .set("Content-Type", "application/vnd.kubernetes.protobuf")
      .send(Buffer.from([0x6b, 0x38, 0x73, 0x00]));
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ kind: "Status", reason: "UnsupportedMediaType" });
  });
});

test("an expired continue token is 410 Expired", async () => {
  const store = SqliteStore.open(":memory:", { historyLimit: 2 });
  const small = await httpTestServer({ store });
  const post = (name: string) =>
    fetch(`${small.url}${tfjobs}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${tokens.admin}`, "Content-Type": "application/json" },
      body: JSON.stringify(objectWith("TFJobSeed", { name })),
    });
  try {
    await post("page-a");
    await post("page-b");
    const page = (await (
      await fetch(`${small.url}${tfjobs}?limit=1`, { headers: { Authorization: `Bearer ${tokens.admin}` } })
    ).json()) as any;
    expect(page.metadata.continue).toBeTruthy();
    // A fresh token still works.
    const next = await fetch(`${small.url}${tfjobs}?limit=1&continue=${page.metadata.continue}`, {
      headers: { Authorization: `Bearer ${tokens.admin}` },
    });
    expect(next.status).toBe(200);
    for (let i = 0; i < 10; i++) await post(`page-more-${i}`);
    const res = await fetch(`${small.url}${tfjobs}?limit=1&continue=${page.metadata.continue}`, {
      headers: { Authorization: `Bearer ${tokens.admin}` },
    });
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "Expired", code: 410 });
  } finally {
    await small.close();
  }
});
