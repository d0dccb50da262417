// The ModelArts-style training jobs under /v1/{project_id}/training-jobs: ids from sequences,
// paging and sorting, the description update of the seed, and every failure as the ModelArts v1
// body `{is_success: false, error_code, error_message}` with a real HTTP status and a code the
// spec documents.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Response } from "supertest";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compileObjectValidator } from "../src/resources/validation.js";
import { unique } from "./builders.js";
import { type TestServer, testServer, tokens } from "./helpers.js";

const document = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json"), "utf8"),
) as {
  components: { schemas: Record<string, { properties?: Record<string, { description?: string }> }> };
};
const schemaErrors = compileObjectValidator(document, ["ModelArtsError"]);
/** The codes the spec documents for ModelArtsError.error_code. */
const documentedCodes = new Set(
  document.components.schemas.ModelArtsError!.properties!.error_code!.description!.match(/ModelArts\.\d{4}/g),
);

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

const jobs = (project = "proj-a") => `/v1/${project}/training-jobs`;
const config = {
  worker_server_num: 1,
  app_url: "/bucket/code/",
  boot_file_url: "/bucket/code/train.py",
  spec_id: 1,
  engine_id: 1,
};

/** A ModelArts failure: the status, exactly the three keys, `is_success: false`, a documented code. */
function expectFailure(res: Response, status: number, code: string): void {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { error_code: code } });
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(Object.keys(res.body).sort()).toEqual(["error_code", "error_message", "is_success"]);
  expect(res.body.is_success).toBe(false);
  expect(typeof res.body.error_message).toBe("string");
  expect(res.body.error_message.length).toBeGreaterThan(0);
  expect(schemaErrors("ModelArtsError", res.body)).toEqual([]);
  expect(documentedCodes.has(res.body.error_code)).toBe(true);
  expect(res.text).not.toMatch(/\n\s+at /);
}

async function create(name: string, extra: Record<string, unknown> = {}, project = "proj-a") {
  const res = await s.api.post(jobs(project)).send({ job_name: name, config, ...extra });
  expect(res.status).toBe(200);
  return res.body as { job_id: number; version_id: number; job_name: string; create_time: number };
}

async function versionsOf(jobId: number, project = "proj-a") {
  const res = await s.api.get(`${jobs(project)}/${jobId}/versions`);
  expect(res.status).toBe(200);
  return res.body;
}

test("the documented codes are read from the spec", () => {
  expect([...documentedCodes].sort()).toEqual(
    [
      "ModelArts.0010",
      "ModelArts.0101",
      "ModelArts.0102",
      "ModelArts.0103",
      "ModelArts.0105",
      "ModelArts.0106",
      "ModelArts.0203",
      "ModelArts.4101",
    ].sort(),
  );
});

describe("create", () => {
  // First in the file: the server's first jobs take the first values of the sequences.
  test("job_id and version_id come from sequences 1, 2, 3; the first version is V0001", async () => {
    for (const n of [1, 2, 3]) {
      const before = Date.now();
      const res = await s
        .as("alice")
        .post(jobs())
        .send({ job_name: unique("seq"), job_desc: "first", config });
      const after = Date.now();
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        is_success: true,
        job_id: n,
        job_name: res.body.job_name,
        status: 1,
        create_time: expect.any(Number),
        version_id: n,
        version_name: "V0001",
        resource_id: expect.any(String),
      });
      expect(res.body.create_time).toBeGreaterThanOrEqual(before);
      expect(res.body.create_time).toBeLessThanOrEqual(after);
    }
  });

  test("a duplicate name is 409 ModelArts.0103, stores nothing and uses up no job_id", async () => {
    const name = unique("dup");
    const first = await create(name);
    const again = await s.api.post(jobs()).send({ job_name: name, job_desc: "second", config });
    expectFailure(again, 409, "ModelArts.0103");
    const listed = await s.api.get(`${jobs()}?search_content=${name}`);
    expect(listed.body.job_total_count).toBe(1);
    expect(listed.body.jobs[0]).toMatchObject({ job_id: first.job_id, job_desc: "" });
    const next = await create(unique("dup-next"));
    expect(next.job_id).toBe(first.job_id + 1);
    expect(next.version_id).toBe(first.version_id + 1);
  });

  test("the same name in another project is not a duplicate", async () => {
    const name = unique("twin");
    const a = await create(name, {}, "proj-a");
    const b = await create(name, {}, "proj-twin");
    expect(b.job_id).not.toBe(a.job_id);
    expect((await versionsOf(b.job_id, "proj-twin")).job_name).toBe(name);
  });

  test("job_desc defaults to the empty string; the config is kept as sent, unmodelled fields too", async () => {
    const sent = {
      ...config,
      worker_server_num: 2,
      parameter: [{ label: "lr", value: "0.1" }],
      custom_field: { kept: true },
    };
    const { job_id } = await create(unique("defaults"), { config: sent });
    const versions = await versionsOf(job_id);
    expect(versions.job_desc).toBe("");
    expect(versions.versions[0].config).toEqual(sent);
  });

  test.each([
    ["no job_name", { config }],
    ["an empty job_name", { job_name: "", config }],
    ["a job_name with a space", { job_name: "a b", config }],
    ["a job_name of 65 characters", { job_name: "n".repeat(65), config }],
    ["no config", { job_name: "no-config" }],
    ["worker_server_num 0", { job_name: "zero-workers", config: { ...config, worker_server_num: 0 } }],
    ["a job_desc of 257 characters", { job_name: "long-desc", job_desc: "d".repeat(257), config }],
    ["a job_desc that is not a string", { job_name: "num-desc", job_desc: 5, config }],
  ])("%s: 400 ModelArts.0101, nothing stored", async (_, body) => {
    const before = (await s.api.get(jobs())).body.job_total_count;
    expectFailure(await s.api.post(jobs()).send(body), 400, "ModelArts.0101");
    expect((await s.api.get(jobs())).body.job_total_count).toBe(before);
  });

  test("a job_name of 64 characters is accepted", async () => {
    const name = unique("n").padEnd(64, "n");
    expect(name).toHaveLength(64);
    expect((await create(name)).job_name).toBe(name);
  });

  test("the name is freed by delete and can be taken again", async () => {
    const name = unique("reuse");
    const first = await create(name);
    expect((await s.api.delete(`${jobs()}/${first.job_id}`)).status).toBe(200);
    const second = await create(name);
    expect(second.job_id).toBeGreaterThan(first.job_id);
  });
});

describe("list", () => {
  // A project of its own, so that totals and orders are this block's only.
  const project = "proj-list";
  const letters = "abcdefghijkl".split("");
  // Descriptions in another order than the names, to tell the sort keys apart.
  const descOf = (l: string) => `desc-${String.fromCharCode("z".charCodeAt(0) - letters.indexOf(l))}`;
  const created: { name: string; job_id: number; desc: string }[] = [];
  const list = (query: string) => s.api.get(`${jobs(project)}?${query}`);
  const names = (res: Response) => (res.body.jobs as { job_name: string }[]).map((j) => j.job_name);

  beforeAll(async () => {
    for (const l of letters) {
      const name = `ls-${l}`;
      const { job_id } = await create(name, { job_desc: descOf(l) }, project);
      created.push({ name, job_id, desc: descOf(l) });
    }
  });

  test("defaults: 10 per page, page 1, by job_name descending; the totals count every match", async () => {
    const res = await list("");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      is_success: true,
      job_total_count: 12,
      job_count_limit: res.body.quotas - 12,
      quotas: expect.any(Number),
      jobs: expect.any(Array),
    });
    expect(names(res)).toEqual(
      created
        .map((c) => c.name)
        .reverse()
        .slice(0, 10),
    );
    const first = res.body.jobs[0];
    const last = created[created.length - 1]!;
    expect(first).toEqual({
      job_id: last.job_id,
      job_name: last.name,
      version_id: expect.any(Number),
      status: 1,
      create_time: expect.any(Number),
      duration: 0,
      job_desc: last.desc,
      version_count: 1,
    });
  });

  test("per_page and page cut the sorted list into pages; past the end is empty", async () => {
    const pages = [];
    for (const page of [1, 2, 3, 4]) {
      const res = await list(`per_page=5&page=${page}&order=asc`);
      expect(res.status).toBe(200);
      expect(res.body.job_total_count).toBe(12);
      pages.push(names(res));
    }
    expect(pages.map((p) => p.length)).toEqual([5, 5, 2, 0]);
    expect(pages.flat()).toEqual(created.map((c) => c.name));
  });

  test("order=asc and order=desc by job_name", async () => {
    expect(names(await list("sortBy=job_name&order=asc&per_page=100"))).toEqual(created.map((c) => c.name));
    expect(names(await list("sortBy=job_name&order=desc&per_page=100"))).toEqual(created.map((c) => c.name).reverse());
  });

  test("sortBy=job_desc in both orders", async () => {
    const byDesc = [...created].sort((a, b) => (a.desc < b.desc ? -1 : 1)).map((c) => c.name);
    expect(byDesc).not.toEqual(created.map((c) => c.name));
    expect(names(await list("sortBy=job_desc&order=asc&per_page=100"))).toEqual(byDesc);
    expect(names(await list("sortBy=job_desc&order=desc&per_page=100"))).toEqual([...byDesc].reverse());
  });

  test("sortBy=create_time in both orders", async () => {
    const asc = (await list("sortBy=create_time&order=asc&per_page=100")).body.jobs as {
      create_time: number;
      job_id: number;
    }[];
    const desc = (await list("sortBy=create_time&order=desc&per_page=100")).body.jobs as {
      create_time: number;
      job_id: number;
    }[];
    expect(asc).toHaveLength(12);
    for (let i = 1; i < asc.length; i++) expect(asc[i]!.create_time).toBeGreaterThanOrEqual(asc[i - 1]!.create_time);
    for (let i = 1; i < desc.length; i++) expect(desc[i]!.create_time).toBeLessThanOrEqual(desc[i - 1]!.create_time);
    // Created one after the other: the creation order is the job_id order.
    expect(asc.map((j) => j.job_id)).toEqual(created.map((c) => c.job_id));
  });

  test("search_content keeps the jobs whose name contains it, and the total counts them", async () => {
    const res = await list("search_content=ls-c");
    expect(res.body.job_total_count).toBe(1);
    expect(names(res)).toEqual(["ls-c"]);
    const none = await list("search_content=nothing-like-this");
    expect(none.body).toMatchObject({ job_total_count: 0, jobs: [] });
  });

  test("status filters by the status code", async () => {
    expect((await list("status=1&per_page=100")).body.job_total_count).toBe(12);
    expect((await list("status=8")).body).toMatchObject({ job_total_count: 0, jobs: [] });
  });

  test("job_count_limit is what the quota leaves", async () => {
    const quotaProject = "proj-quota";
    const before = (await s.api.get(jobs(quotaProject))).body;
    expect(before).toMatchObject({ job_total_count: 0, job_count_limit: before.quotas });
    await create(unique("quota"), {}, quotaProject);
    const after = (await s.api.get(jobs(quotaProject))).body;
    expect(after.job_count_limit).toBe(before.job_count_limit - 1);
    expect(after.quotas).toBe(before.quotas);
  });

  test.each([
    "per_page=0",
    "per_page=1001",
    "per_page=x",
    "page=0",
    "page=65536",
    "sortBy=owner",
    "order=up",
    `search_content=${"s".repeat(65)}`,
    "status=23",
    "status=running",
    "unknown=1",
  ])("%s: 400 ModelArts.0101", async (query) => {
    expectFailure(await list(query), 400, "ModelArts.0101");
  });
});

describe("update description (the seed)", () => {
  test('answers exactly {"is_success": true} and persists', async () => {
    const { job_id, version_id } = await create(unique("desc"));
    const res = await s.api.put(`${jobs()}/${job_id}`).send({ job_desc: "This is a ModelArts job" });
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"is_success":true}');
    expect((await versionsOf(job_id)).job_desc).toBe("This is a ModelArts job");
    const version = await s.api.get(`${jobs()}/${job_id}/versions/${version_id}`);
    expect(version.body.job_desc).toBe("This is a ModelArts job");
    const listed = await s.api.get(`${jobs()}?per_page=1000`);
    expect(
      (listed.body.jobs as { job_id: number; job_desc: string }[]).find((j) => j.job_id === job_id)?.job_desc,
    ).toBe("This is a ModelArts job");
  });

  test("the description is stored as sent: whitespace, line breaks and any script", async () => {
    const { job_id } = await create(unique("verbatim"));
    const desc = "  训练作业 — line one\nline two\t ";
    expect((await s.api.put(`${jobs()}/${job_id}`).send({ job_desc: desc })).status).toBe(200);
    expect((await versionsOf(job_id)).job_desc).toBe(desc);
  });

  test("the same description again, and the empty one, are accepted", async () => {
    const { job_id } = await create(unique("same"), { job_desc: "kept" });
    expect((await s.api.put(`${jobs()}/${job_id}`).send({ job_desc: "kept" })).body).toEqual({ is_success: true });
    expect((await s.api.put(`${jobs()}/${job_id}`).send({ job_desc: "" })).body).toEqual({ is_success: true });
    expect((await versionsOf(job_id)).job_desc).toBe("");
  });

  test("256 characters are stored; 257 are 400 ModelArts.0101 and change nothing", async () => {
    const { job_id } = await create(unique("len"));
    const max = "é".repeat(256);
    expect((await s.api.put(`${jobs()}/${job_id}`).send({ job_desc: max })).status).toBe(200);
    expect((await versionsOf(job_id)).job_desc).toBe(max);
    const res = await s.api.put(`${jobs()}/${job_id}`).send({ job_desc: "x".repeat(257) });
    expectFailure(res, 400, "ModelArts.0101");
    expect(res.body.error_message).toMatch(/job_desc/);
    expect((await versionsOf(job_id)).job_desc).toBe(max);
  });

  test("a missing job_desc is 400, whether the body is {} or absent", async () => {
    const { job_id } = await create(unique("missing"));
    const empty = await s.api.put(`${jobs()}/${job_id}`).send({});
    expectFailure(empty, 400, "ModelArts.0101");
    expect(empty.body.error_message).toMatch(/^job_desc: /);
    expect(empty.body.error_message).not.toMatch(/job_desc\.job_desc/);
    expectFailure(await s.api.put(`${jobs()}/${job_id}`), 400, "ModelArts.0101");
  });

  test("a job_desc that is not a string is 400", async () => {
    const { job_id } = await create(unique("typed"));
    expectFailure(await s.api.put(`${jobs()}/${job_id}`).send({ job_desc: 42 }), 400, "ModelArts.0101");
    expectFailure(await s.api.put(`${jobs()}/${job_id}`).send({ job_desc: null }), 400, "ModelArts.0101");
  });

  test("malformed JSON is 400 with the ModelArts body", async () => {
    const { job_id } = await create(unique("malformed"));
    const res = await s.api.put(`${jobs()}/${job_id}`).set("Content-Type", "application/json").send('{"job_desc": "x"');
    expectFailure(res, 400, "ModelArts.0101");
    expectFailure(
      await s.api.post(jobs()).set("Content-Type", "application/json").send("{job_name:"),
      400,
      "ModelArts.0101",
    );
  });

  test("a body that is not JSON is refused with the ModelArts body", async () => {
    const { job_id } = await create(unique("text"));
    expectFailure(
      await s.api.put(`${jobs()}/${job_id}`).set("Content-Type", "text/plain").send("job_desc=x"),
      415,
      "ModelArts.0101",
    );
  });

  test("an unknown job is 404 ModelArts.0102", async () => {
    expectFailure(await s.api.put(`${jobs()}/987654`).send({ job_desc: "x" }), 404, "ModelArts.0102");
  });
});

describe("job_id in the path", () => {
  // Decimal digits only, as the Long of the ModelArts API. Some forms spell an existing job's id
  // in another way (`0x1f`, `31e0`, `31.0`, ` 31`), which a lenient parse would find.
  const bad: [string, (id: number) => string][] = [
    ["abc", () => "abc"],
    ["0", () => "0"],
    ["-1", () => "-1"],
    ["-id", (id) => `-${id}`],
    ["a fraction", (id) => `${id}.5`],
    ["id.0", (id) => `${id}.0`],
    ["an exponent", (id) => `${id}e0`],
    ["hexadecimal", (id) => `0x${id.toString(16)}`],
    ["a leading space", (id) => `%20${id}`],
    ["true", () => "true"],
    ["above int64", () => "9223372036854775808"],
  ];

  test.each(bad)(
    "job_id %s: 400 ModelArts.0101 on PUT, DELETE and GET versions, and the job is untouched",
    async (_, spell) => {
      const { job_id, version_id } = await create(unique("target"), { job_desc: "untouched" });
      const id = spell(job_id);
      expectFailure(await s.api.put(`${jobs()}/${id}`).send({ job_desc: "x" }), 400, "ModelArts.0101");
      expectFailure(await s.api.delete(`${jobs()}/${id}`), 400, "ModelArts.0101");
      expectFailure(await s.api.get(`${jobs()}/${id}/versions`), 400, "ModelArts.0101");
      expectFailure(await s.api.get(`${jobs()}/${id}/versions/${version_id}`), 400, "ModelArts.0101");
      expect((await versionsOf(job_id)).job_desc).toBe("untouched");
    },
  );

  test("a leading zero is the same id", async () => {
    const { job_id } = await create(unique("zero"));
    expect((await s.api.get(`${jobs()}/0${job_id}/versions`)).body.job_id).toBe(job_id);
  });

  test("the largest int64 is a valid id of no job: 404", async () => {
    expectFailure(await s.api.get(`${jobs()}/9223372036854775807/versions`), 404, "ModelArts.0102");
  });
});

describe("delete", () => {
  test('answers {"is_success": true}; afterwards the job is 404 everywhere', async () => {
    const name = unique("del");
    const { job_id, version_id } = await create(name);
    const res = await s.api.delete(`${jobs()}/${job_id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ is_success: true });
    expectFailure(await s.api.get(`${jobs()}/${job_id}/versions`), 404, "ModelArts.0102");
    expectFailure(await s.api.get(`${jobs()}/${job_id}/versions/${version_id}`), 404, "ModelArts.0102");
    expectFailure(await s.api.put(`${jobs()}/${job_id}`).send({ job_desc: "x" }), 404, "ModelArts.0102");
    expectFailure(await s.api.delete(`${jobs()}/${job_id}`), 404, "ModelArts.0102");
    expect((await s.api.get(`${jobs()}?search_content=${name}`)).body.job_total_count).toBe(0);
  });
});

describe("versions", () => {
  test("the list holds the job and its one version, V0001", async () => {
    const name = unique("ver");
    const made = await create(name, { job_desc: "with versions" });
    expect(await versionsOf(made.job_id)).toEqual({
      is_success: true,
      job_id: made.job_id,
      job_name: name,
      job_desc: "with versions",
      version_count: 1,
      versions: [
        {
          job_id: made.job_id,
          job_name: name,
          job_desc: "with versions",
          version_id: made.version_id,
          version_name: "V0001",
          status: 1,
          create_time: made.create_time,
          duration: 0,
          config,
        },
      ],
    });
  });

  test("a version reads as in the list, with is_success", async () => {
    const made = await create(unique("ver-read"));
    const listed = (await versionsOf(made.job_id)).versions[0];
    const res = await s.api.get(`${jobs()}/${made.job_id}/versions/${made.version_id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ is_success: true, ...listed });
  });

  test("an unknown version, or another job's version, is 404 ModelArts.0102", async () => {
    const a = await create(unique("ver-a"));
    const b = await create(unique("ver-b"));
    expectFailure(await s.api.get(`${jobs()}/${a.job_id}/versions/999999`), 404, "ModelArts.0102");
    expectFailure(await s.api.get(`${jobs()}/${a.job_id}/versions/${b.version_id}`), 404, "ModelArts.0102");
    expectFailure(await s.api.get(`${jobs()}/${a.job_id}/versions/abc`), 400, "ModelArts.0101");
    expectFailure(await s.api.get(`${jobs()}/${a.job_id}/versions/0`), 400, "ModelArts.0101");
  });
});

describe("authentication and projects", () => {
  test("no token: 401 ModelArts.4101 on every operation", async () => {
    const { job_id, version_id } = await create(unique("anon"));
    const a = s.anonymous;
    for (const res of [
      await a.get(jobs()),
      await a.post(jobs()).send({ job_name: unique("anon-create"), config }),
      await a.put(`${jobs()}/${job_id}`).send({ job_desc: "x" }),
      await a.delete(`${jobs()}/${job_id}`),
      await a.get(`${jobs()}/${job_id}/versions`),
      await a.get(`${jobs()}/${job_id}/versions/${version_id}`),
    ]) {
      expectFailure(res, 401, "ModelArts.4101");
    }
    expect((await versionsOf(job_id)).job_desc).toBe("");
  });

  test("an empty Authorization or X-Auth-Token is no token: 4101", async () => {
    expectFailure(await s.anonymous.get(jobs()).set("X-Auth-Token", ""), 401, "ModelArts.4101");
    expectFailure(await s.anonymous.get(jobs()).set("Authorization", "Bearer "), 401, "ModelArts.4101");
  });

  test("an unknown token: 401 ModelArts.0203, as Bearer or X-Auth-Token", async () => {
    expectFailure(await s.anonymous.get(jobs()).set("Authorization", "Bearer not-a-token"), 401, "ModelArts.0203");
    expectFailure(await s.anonymous.get(jobs()).set("X-Auth-Token", "not-a-token"), 401, "ModelArts.0203");
    expectFailure(
      await s.anonymous.post(jobs()).set("X-Auth-Token", "not-a-token").send({ job_name: "x", config }),
      401,
      "ModelArts.0203",
    );
  });

  test("X-Auth-Token works as Bearer does", async () => {
    const name = unique("xauth");
    const created = await s.anonymous.post(jobs()).set("X-Auth-Token", tokens.alice).send({ job_name: name, config });
    expect(created.status).toBe(200);
    const viaBearer = await s.anonymous
      .get(`${jobs()}?search_content=${name}`)
      .set("Authorization", `Bearer ${tokens.alice}`);
    const viaHeader = await s.anonymous.get(`${jobs()}?search_content=${name}`).set("X-Auth-Token", tokens.alice);
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toEqual(viaBearer.body);
    expect(viaHeader.body.jobs[0].job_id).toBe(created.body.job_id);
    const updated = await s.anonymous
      .put(`${jobs()}/${created.body.job_id}`)
      .set("X-Auth-Token", tokens.alice)
      .send({ job_desc: "via X-Auth-Token" });
    expect(updated.body).toEqual({ is_success: true });
  });

  test("another project: 403 ModelArts.0105 on every operation, and nothing happens", async () => {
    const other = await create(unique("other"), { job_desc: "untouched" }, "proj-b");
    const alice = () => s.as("alice");
    const refused = [
      await alice().get(jobs("proj-b")),
      await alice()
        .post(jobs("proj-b"))
        .send({ job_name: unique("intruder"), config }),
      await alice()
        .put(`${jobs("proj-b")}/${other.job_id}`)
        .send({ job_desc: "changed" }),
      await alice().delete(`${jobs("proj-b")}/${other.job_id}`),
      await alice().get(`${jobs("proj-b")}/${other.job_id}/versions`),
      await alice().get(`${jobs("proj-b")}/${other.job_id}/versions/${other.version_id}`),
      // A user without any project grant.
      await s.as("bob").get(jobs("proj-a")),
    ];
    for (const res of refused) expectFailure(res, 403, "ModelArts.0105");
    const after = await versionsOf(other.job_id, "proj-b");
    expect(after.job_desc).toBe("untouched");
    expect((await s.api.get(`${jobs("proj-b")}?search_content=intruder`)).body.job_total_count).toBe(0);
  });

  test("alice may use her project", async () => {
    const name = unique("alice-own");
    const res = await s.as("alice").post(jobs()).send({ job_name: name, config });
    expect(res.status).toBe(200);
    expect((await s.as("alice").get(`${jobs()}/${res.body.job_id}/versions`)).status).toBe(200);
  });

  test("a job is reached only through its own project, even by an admin", async () => {
    const { job_id } = await create(unique("scoped"), {}, "proj-a");
    expectFailure(await s.api.get(`${jobs("proj-c")}/${job_id}/versions`), 404, "ModelArts.0102");
    expectFailure(await s.api.put(`${jobs("proj-c")}/${job_id}`).send({ job_desc: "x" }), 404, "ModelArts.0102");
    expectFailure(await s.api.delete(`${jobs("proj-c")}/${job_id}`), 404, "ModelArts.0102");
    expect((await versionsOf(job_id, "proj-a")).job_id).toBe(job_id);
  });
});

describe("other failures under /v1/", () => {
  test("an invalid project_id is 400", async () => {
    expectFailure(await s.api.get(jobs("a.b")), 400, "ModelArts.0101");
  });

  test("an unknown path or method is 404 ModelArts.0102, not a Kubernetes Status", async () => {
    const { job_id } = await create(unique("paths"));
    expectFailure(await s.api.get(`${jobs()}/${job_id}/logs`), 404, "ModelArts.0102");
    expectFailure(await s.api.patch(`${jobs()}/${job_id}`).send({ job_desc: "x" }), 404, "ModelArts.0102");
  });

  test("a body over 3 MiB is refused with the ModelArts body", async () => {
    const { job_id } = await create(unique("big"));
    const res = await s.api.put(`${jobs()}/${job_id}`).send({ job_desc: "x".repeat(3 * 1024 * 1024) });
    expectFailure(res, 413, "ModelArts.0101");
  });
});
