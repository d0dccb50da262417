// Numbers that JSON.parse cannot keep exactly (integers beyond ±(2^53−1), such as an int64 of
// 2^63−1, and numbers beyond the double range, such as 1e400) are refused with 400 in the
// family's format rather than stored changed.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, testServer } from "../helpers.js";
import { creatable, mergePatch } from "../seeds.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

const jobs = "/v1/proj-a/training-jobs";
const config = (extra: string) => `{"worker_server_num":1,"app_url":"/b/c/","boot_file_url":"/b/c/x.py"${extra}}`;
let counter = 0;

describe("ModelArts create", () => {
  test.each([
    ['"spec_id":9223372036854775807'],
    ['"spec_id":9007199254740993'],
    ['"engine_id":-9223372036854775808'],
    ['"custom":1e400'],
    ['"custom":-1e400'],
    ['"custom":[1,{"deep":123456789012345678901234567890}]'],
    ['"custom":1.5e300'],
  ])("%s is refused with 400 ModelArts.0101 and nothing is created", async (field) => {
    const name = `num-${++counter}`;
    const res = await s.api
      .post(jobs)
      .type("application/json")
      .send(`{"job_name":"${name}","config":${config(`,${field}`)}}`);
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ is_success: false, error_code: "ModelArts.0101" });
    const list = await s.api.get(jobs);
    expect(list.body.jobs.map((j: { job_name: string }) => j.job_name)).not.toContain(name);
  });

  test("the largest exact integers and ordinary fractions are kept as sent", async () => {
    const name = `num-${++counter}`;
    const res = await s.api
      .post(jobs)
      .type("application/json")
      .send(
        `{"job_name":"${name}","config":${config(',"spec_id":9007199254740991,"custom":[-9007199254740991,0.1,2.5e-300]')}}`,
      );
    expect(res.status, res.text).toBe(200);
    const versions = await s.api.get(`${jobs}/${res.body.job_id}/versions`);
    expect(versions.body.versions[0].config).toMatchObject({
      spec_id: 9007199254740991,
      custom: [-9007199254740991, 0.1, 2.5e-300],
    });
  });
});

describe("Kubernetes writes", () => {
  test("a patch with 1e400 is 400 BadRequest, not a null stored", async () => {
    const obj = creatable("JobSeed");
    obj.metadata = { name: "numbers" };
    expect((await s.api.post("/apis/batch/v1/namespaces/kube-test/jobs").send(obj)).status).toBe(201);
    const res = await s.api
      .patch("/apis/batch/v1/namespaces/kube-test/jobs/numbers")
      .set("Content-Type", mergePatch)
      .send('{"spec":{"activeDeadlineSeconds":1e400}}');
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ kind: "Status", reason: "BadRequest" });
  });
});
