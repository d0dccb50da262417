// Lists: {Kind}List with a resourceVersion, label and field selectors, limit + continue paging
// that stays correct while objects change, the all-namespaces list.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { objectWith } from "./builders.js";
import { type TestServer, testServer } from "./helpers.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

const base = "/apis/kubeflow.org/v1";
const tfjob = (name: string, labels: Record<string, string>) => objectWith("TFJobSeed", { name, labels });
const names = (res: { body: { items: { metadata: { name: string } }[] } }) =>
  res.body.items.map((i) => i.metadata.name);

describe("selectors", () => {
  const ns = "selectors";
  const coll = `${base}/namespaces/${ns}/tfjobs`;
  beforeAll(async () => {
    const objects: [string, Record<string, string>][] = [
      ["a", { env: "prod", tier: "gpu" }],
      ["b", { env: "dev", tier: "cpu" }],
      ["c", { env: "prod" }],
      ["d", { team: "x" }],
    ];
    for (const [name, labels] of objects) expect((await s.api.post(coll).send(tfjob(name, labels))).status).toBe(201);
  });

  test.each([
    ["", ["a", "b", "c", "d"]],
    ["env=prod", ["a", "c"]],
    ["env==prod", ["a", "c"]],
    ["env!=prod", ["b", "d"]],
    ["env in (dev,prod)", ["a", "b", "c"]],
    ["env notin (prod)", ["b", "d"]],
    ["tier", ["a", "b"]],
    ["!tier", ["c", "d"]],
    ["env=prod,tier=gpu", ["a"]],
    ["env=prod, !tier", ["c"]],
  ])("labelSelector %j", async (selector, expected) => {
    const res = await s.api.get(coll).query({ labelSelector: selector });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ apiVersion: "kubeflow.org/v1", kind: "TFJobList" });
    expect(names(res)).toEqual(expected);
  });

  test("fieldSelector on metadata.name and metadata.namespace", async () => {
    expect(names(await s.api.get(coll).query({ fieldSelector: "metadata.name=b" }))).toEqual(["b"]);
    expect(
      names(await s.api.get(coll).query({ fieldSelector: "metadata.name!=b,metadata.namespace=selectors" })),
    ).toEqual(["a", "c", "d"]);
    expect(
      names(
        await s.api
          .get(`${base}/tfjobs`)
          .query({ fieldSelector: "metadata.namespace=selectors", labelSelector: "team" }),
      ),
    ).toEqual(["d"]);
  });

  test("a malformed selector is 400 BadRequest", async () => {
    for (const query of [{ labelSelector: "env in prod" }, { labelSelector: "a=b=c" }, { fieldSelector: "spec.x=1" }]) {
      const res = await s.api.get(coll).query(query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.reason).toBe("BadRequest");
    }
    const unknown = await s.api.get(coll).query({ fieldSelector: "spec.x=1" });
    expect(unknown.body.message).toBe(
      '"spec.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });

  test("Jobs select on status.successful", async () => {
    const jobs = "/apis/batch/v1/namespaces/selectors/jobs";
    const job = (name: string) => ({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "i" }] } } },
    });
    const done = (await s.api.post(jobs).send(job("done"))).body;
    await s.api.post(jobs).send(job("running"));
    await s.api.put(`${jobs}/done/status`).send({ ...done, status: { succeeded: 1 } });
    expect(names(await s.api.get(jobs).query({ fieldSelector: "status.successful=1" }))).toEqual(["done"]);
    expect(names(await s.api.get(jobs).query({ fieldSelector: "status.successful=0" }))).toEqual(["running"]);
    // deletecollection selects as list does.
    expect(names(await s.api.delete(jobs).query({ fieldSelector: "status.successful=1" }))).toEqual(["done"]);
    expect(names(await s.api.get(jobs))).toEqual(["running"]);
  });
});

describe("paging", () => {
  const ns = "paging";
  const coll = `${base}/namespaces/${ns}/tfjobs`;
  const total = 40;
  beforeAll(async () => {
    for (let i = 0; i < total; i++) {
      const name = `job-${String(i).padStart(3, "0")}`;
      expect((await s.api.post(coll).send(tfjob(name, { parity: i % 2 ? "odd" : "even" }))).status).toBe(201);
    }
  });

  test("limit + continue visit every object once, in name order, while objects change", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    let extra = 0;
    do {
      const res = await s.api.get(coll).query({ limit: 7, ...(token ? { continue: token } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.metadata.resourceVersion).toMatch(/^\d+$/);
      seen.push(...names(res));
      token = res.body.metadata.continue;
      pages++;
      // Objects come and go between pages: before and after the cursor.
      await s.api.post(coll).send(tfjob(`aaa-${pages}`, {}));
      await s.api.post(coll).send(tfjob(`zzz-${pages}`, {}));
      extra++;
    } while (token);
    const original = seen.filter((n) => n.startsWith("job-"));
    expect(original).toEqual(Array.from({ length: total }, (_, i) => `job-${String(i).padStart(3, "0")}`));
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(total / 7));
    expect(extra).toBeGreaterThan(0);
  });

  test("paging with a selector counts only matching objects; the last page has no token", async () => {
    const first = await s.api.get(coll).query({ limit: 15, labelSelector: "parity=odd" });
    expect(first.body.items).toHaveLength(15);
    expect(first.body.metadata.continue).toBeTruthy();
    const second = await s.api
      .get(coll)
      .query({ limit: 15, labelSelector: "parity=odd", continue: first.body.metadata.continue });
    expect(second.body.items).toHaveLength(5);
    expect(second.body.metadata.continue).toBeUndefined();
    const exact = await s.api.get(coll).query({ limit: 20, labelSelector: "parity=odd" });
    expect(exact.body.items).toHaveLength(20);
    expect(exact.body.metadata.continue).toBeUndefined();
  });

  test("a continue token not issued by the server is 400", async () => {
    const res = await s.api.get(coll).query({ limit: 5, continue: "garbage" });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain("continue");
  });
});

describe("all namespaces", () => {
  test("lists every namespace for system:masters, only granted ones for others", async () => {
    await s.api.post(`${base}/namespaces/kube-test/pytorchjobs`).send(objectWith("PyTorchJobSeed", { name: "mine" }));
    await s.api.post(`${base}/namespaces/team-b/pytorchjobs`).send(objectWith("PyTorchJobSeed", { name: "theirs" }));
    const all = await s.api.get(`${base}/pytorchjobs`);
    expect(all.body.items.map((i: { metadata: { namespace: string } }) => i.metadata.namespace)).toEqual([
      "kube-test",
      "team-b",
    ]);
    const alice = await s.as("alice").get(`${base}/pytorchjobs`);
    expect(names(alice)).toEqual(["mine"]);
  });
});

test("the list's resourceVersion is the store's current revision", async () => {
  const created = await s.api.post(`${base}/namespaces/rv-list/mxjobs`).send(objectWith("MXJobSeed", { name: "m" }));
  const list = await s.api.get(`${base}/namespaces/rv-list/mxjobs`);
  expect(Number(list.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(
    Number(created.body.metadata.resourceVersion),
  );
  expect(list.body.items[0]).toEqual(created.body);
});
