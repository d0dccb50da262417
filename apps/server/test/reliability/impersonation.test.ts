// Impersonation (kubectl --as, --as-group, --as-uid): a system:masters caller acts as the named
// user and groups, authorised as them; anyone else sending the headers is refused with 403 in the
// family's format; an unauthenticated caller still gets 401.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, testServer } from "../helpers.js";
import { creatable } from "../seeds.js";

let s: TestServer;
beforeAll(async () => {
  s = await testServer();
  for (const ns of ["kube-test", "team-b"]) {
    const obj = creatable("TFJobSeed");
    obj.metadata = { name: `in-${ns}` };
    expect((await s.api.post(`/apis/kubeflow.org/v1/namespaces/${ns}/tfjobs`).send(obj)).status).toBe(201);
  }
});
afterAll(() => s.close());

const tfjobs = (ns: string) => `/apis/kubeflow.org/v1/namespaces/${ns}/tfjobs`;

describe("a system:masters caller impersonating", () => {
  test("a user of the token table gets that user's view (alice: kube-test and proj-a only)", async () => {
    const as = (path: string) => s.api.get(path).set("Impersonate-User", "alice");
    expect((await as(tfjobs("kube-test"))).status).toBe(200);
    const denied = await as(tfjobs("team-b"));
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ kind: "Status", reason: "Forbidden" });
    expect(denied.body.message).toContain('User "alice"');
    const all = await as("/apis/kubeflow.org/v1/tfjobs");
    expect(all.status).toBe(200);
    expect(all.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["in-kube-test"]);
    expect((await as("/v1/proj-a/training-jobs")).status).toBe(200);
    const other = await as("/v1/proj-b/training-jobs");
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ is_success: false, error_code: "ModelArts.0105" });
  });

  // Two Impersonate-Group header lines (Node sends an array as repeated headers).
  const twoGroups = ["namespace:team-b", "project:proj-z"] as unknown as string;

  test("groups given with Impersonate-Group are the groups authorised, repeated headers included", async () => {
    const res = await s.api.get(tfjobs("team-b")).set("Impersonate-User", "carol").set("Impersonate-Group", twoGroups);
    expect(res.status).toBe(200);
    const modelarts = await s.api
      .get("/v1/proj-z/training-jobs")
      .set("Impersonate-User", "carol")
      .set("Impersonate-Group", twoGroups);
    expect(modelarts.status).toBe(200);
    const nope = await s.api
      .get(tfjobs("kube-test"))
      .set("Impersonate-User", "carol")
      .set("Impersonate-Group", "namespace:team-b");
    expect(nope.status).toBe(403);
    // An unknown user with no groups may do nothing but discovery.
    expect((await s.api.get(tfjobs("kube-test")).set("Impersonate-User", "nobody")).status).toBe(403);
    expect((await s.api.get("/apis").set("Impersonate-User", "nobody")).status).toBe(200);
  });

  test("Impersonate-Uid is accepted with a user", async () => {
    const res = await s.api.get(tfjobs("kube-test")).set("Impersonate-User", "alice").set("Impersonate-Uid", "u-1");
    expect(res.status).toBe(200);
  });

  test("Impersonate-Group or Impersonate-Uid without Impersonate-User is 400", async () => {
    const res = await s.api.get(tfjobs("kube-test")).set("Impersonate-Group", "system:masters");
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ kind: "Status", reason: "BadRequest" });
    const ma = await s.api.get("/v1/proj-a/training-jobs").set("Impersonate-Uid", "x");
    expect(ma.status).toBe(400);
    expect(ma.body).toMatchObject({ is_success: false, error_code: "ModelArts.0101" });
  });
});

describe("a caller not allowed to impersonate", () => {
  test.each([
    ["Impersonate-User", "admin"],
    ["Impersonate-Group", "system:masters"],
    ["Impersonate-Uid", "u-admin"],
    ["Impersonate-Extra-Scopes", "x"],
  ])("sending %s is 403 in the family's format, even on what it may do", async (header, value) => {
    const kube = await s.as("alice").get(tfjobs("kube-test")).set(header, value);
    expect(kube.status).toBe(403);
    expect(kube.body).toMatchObject({ kind: "Status", reason: "Forbidden" });
    expect(kube.body.message).toContain("impersonate");
    const ma = await s.as("alice").get("/v1/proj-a/training-jobs").set(header, value);
    expect(ma.status).toBe(403);
    expect(ma.body).toMatchObject({ is_success: false, error_code: "ModelArts.0105" });
  });

  test("an anonymous caller is 401, headers or not", async () => {
    expect((await s.anonymous.get(tfjobs("kube-test")).set("Impersonate-User", "admin")).status).toBe(401);
    expect((await s.anonymous.get("/v1/proj-a/training-jobs").set("Impersonate-User", "admin")).status).toBe(401);
  });

  test("public endpoints ignore the headers", async () => {
    expect((await s.anonymous.get("/healthz").set("Impersonate-User", "admin")).status).toBe(200);
  });
});
