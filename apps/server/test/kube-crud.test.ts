// Create, read, delete and deletecollection for every kind, through the kind's generic store.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { objectWith, unique } from "./builders.js";
import { type TestServer, testServer } from "./helpers.js";
import { kinds } from "./seeds.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

describe.each(kinds)("$kind", ({ kind, plural, group, seed, base }) => {
  const ns = "kube-test";
  const collection = `${base}/namespaces/${ns}/${plural}`;
  const body = (name: string) => objectWith(seed, { name, labels: { app: "crud" } });

  test("create answers 201 with the server's fields, and drops status", async () => {
    const name = unique("create");
    const res = await s.api.post(collection).send({ ...body(name), status: { startTime: "2020-01-01T00:00:00Z" } });
    expect(res.status).toBe(201);
    const meta = res.body.metadata;
    expect(meta).toMatchObject({ name, namespace: ns, generation: 1, selfLink: `${collection}/${name}` });
    expect(meta.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(meta.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(meta.resourceVersion)).toBeGreaterThan(0);
    if (kind === "Job") expect(res.body.status).toEqual({});
    else expect(res.body.status).toBeUndefined();
    const read = await s.api.get(`${collection}/${name}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  test("resourceVersion is one global, strictly increasing revision", async () => {
    const a = await s.api.post(collection).send(body(unique("rv")));
    const other = kinds.find((k) => k.kind !== kind)!;
    const o = objectWith(other.seed, { name: unique("rv-other") });
    const b = await s.api.post(`${other.base}/namespaces/${ns}/${other.plural}`).send(o);
    const c = await s.api.post(collection).send(body(unique("rv")));
    const rvs = [a, b, c].map((r) => Number(r.body.metadata.resourceVersion));
    expect(rvs[1]).toBeGreaterThan(rvs[0]!);
    expect(rvs[2]).toBeGreaterThan(rvs[1]!);
  });

  test("a taken name is 409 AlreadyExists, and the first object is unchanged", async () => {
    const name = unique("dup");
    const first = await s.api.post(collection).send(body(name));
    const again = await s.api.post(collection).send({ ...body(name), metadata: { name, labels: { other: "x" } } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      kind: "Status",
      reason: "AlreadyExists",
      code: 409,
      message: `${plural}.${group} "${name}" already exists`,
    });
    expect((await s.api.get(`${collection}/${name}`)).body).toEqual(first.body);
  });

  test("names and namespaces are validated", async () => {
    const bad = await s.api.post(collection).send(body("Not_A_DNS_Name"));
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes[0].field).toBe("metadata.name");
    const badNs = await s.api.post(`${base}/namespaces/Bad_NS/${plural}`).send(body(unique("ns")));
    expect(badNs.status).toBe(400);
    expect(badNs.body.reason).toBe("BadRequest");
    const mismatch = await s.api
      .post(collection)
      .send({ ...body(unique("ns")), metadata: { name: unique("ns"), namespace: "elsewhere" } });
    expect(mismatch.status).toBe(400);
    const noName = await s.api.post(collection).send({ ...body("x"), metadata: {} });
    expect(noName.status).toBe(422);
    expect(noName.body.details.causes).toEqual([
      expect.objectContaining({ field: "metadata.name", reason: "FieldValueRequired" }),
    ]);
  });

  test("generateName completes a name", async () => {
    const res = await s.api.post(collection).send({ ...body("x"), metadata: { generateName: "gen-" } });
    expect(res.status).toBe(201);
    expect(res.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  test("dryRun=All validates and answers without storing", async () => {
    const name = unique("dry");
    const res = await s.api.post(`${collection}?dryRun=All`).send(body(name));
    expect(res.status).toBe(201);
    expect(res.body.metadata.name).toBe(name);
    expect((await s.api.get(`${collection}/${name}`)).status).toBe(404);
    const invalid = await s.api.post(`${collection}?dryRun=All`).send(body("Bad_Name"));
    expect(invalid.status).toBe(422);
  });

  test("read of a missing object is 404 NotFound with the apiserver's message", async () => {
    const res = await s.api.get(`${collection}/missing`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `${plural}.${group} "missing" not found`,
      reason: "NotFound",
      details: { name: "missing", group, kind: plural },
      code: 404,
    });
  });

  test("delete answers as kube-apiserver (a custom resource: the object; a Job: a Success Status); the object is gone", async () => {
    const name = unique("del");
    const created = await s.api.post(collection).send(body(name));
    const res = await s.api.delete(`${collection}/${name}`);
    expect(res.status).toBe(200);
    if (kind === "Job") {
      expect(res.body).toEqual({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Success",
        details: { name, group, kind: plural, uid: created.body.metadata.uid },
        code: 200,
      });
    } else {
      // The last state, with the resourceVersion of the delete (etcd3's delete decodes it so).
      const { resourceVersion, ...meta } = created.body.metadata;
      expect(res.body).toEqual({ ...created.body, metadata: { ...meta, resourceVersion: expect.any(String) } });
      expect(Number(res.body.metadata.resourceVersion)).toBeGreaterThan(Number(resourceVersion));
    }
    expect((await s.api.get(`${collection}/${name}`)).status).toBe(404);
    expect((await s.api.delete(`${collection}/${name}`)).status).toBe(404);
  });

  test("delete honours dryRun and preconditions", async () => {
    const name = unique("delpre");
    const created = await s.api.post(collection).send(body(name));
    expect((await s.api.delete(`${collection}/${name}?dryRun=All`)).status).toBe(200);
    expect((await s.api.get(`${collection}/${name}`)).status).toBe(200);
    const stale = await s.api.delete(`${collection}/${name}`).send({ preconditions: { resourceVersion: "1" } });
    expect(stale.status).toBe(409);
    const wrongUid = await s.api.delete(`${collection}/${name}`).send({ preconditions: { uid: "not-the-uid" } });
    expect(wrongUid.status).toBe(409);
    const ok = await s.api.delete(`${collection}/${name}`).send({
      preconditions: { uid: created.body.metadata.uid, resourceVersion: created.body.metadata.resourceVersion },
    });
    expect(ok.status).toBe(200);
  });

  test("deletecollection deletes what the selectors match and answers them as a list", async () => {
    const ns2 = `dc-${plural}`;
    const coll = `${base}/namespaces/${ns2}/${plural}`;
    for (const [name, tier] of [
      ["a", "x"],
      ["b", "x"],
      ["c", "y"],
    ] as const) {
      const obj = body(name);
      obj.metadata.labels = { tier };
      expect((await s.api.post(coll).send(obj)).status).toBe(201);
    }
    const dry = await s.api.delete(`${coll}?labelSelector=tier%3Dx&dryRun=All`);
    expect(dry.body.items).toHaveLength(2);
    expect((await s.api.get(coll)).body.items).toHaveLength(3);
    const res = await s.api.delete(`${coll}?labelSelector=tier%3Dx`);
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe(`${kind}List`);
    expect(res.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["a", "b"]);
    const left = await s.api.get(coll);
    expect(left.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["c"]);
  });
});

describe("defaults", () => {
  test("Kubeflow replica groups default to one replica; nothing else is added", async () => {
    const obj = objectWith("PyTorchJobSeed", { name: "defaults-pt" });
    delete obj.spec.pytorchReplicaSpecs.Worker.replicas;
    const res = await s.api.post("/apis/kubeflow.org/v1/namespaces/kube-test/pytorchjobs").send(obj);
    expect(res.body.spec.pytorchReplicaSpecs.Worker.replicas).toBe(1);
    expect(res.body.spec.cleanPodPolicy).toBeUndefined();
  });

  test("a Job gets parallelism, completions and a selector matching its uid", async () => {
    const res = await s.api.post("/apis/batch/v1/namespaces/kube-test/jobs").send({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "defaults-job" },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "pi", image: "perl" }] } } },
    });
    expect(res.status).toBe(201);
    const uid = res.body.metadata.uid;
    expect(res.body.spec).toMatchObject({
      parallelism: 1,
      completions: 1,
      selector: { matchLabels: { "controller-uid": uid } },
      template: { metadata: { labels: { "controller-uid": uid, "job-name": "defaults-job" } } },
    });
  });
});
