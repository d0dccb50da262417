// The generic ResourceStore and the kinds' strategies, called directly on a real in-memory SQLite
// store with a fake clock: what the API tests show over HTTP, without HTTP.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { StatusError } from "../src/resources/errors.js";
import { allKinds, job, tfJob } from "../src/resources/kinds.js";
import type { KubeObject } from "../src/resources/object.js";
import { type KindStores, kindStores, mergePatchOf, replacement } from "../src/resources/store.js";
import { compileObjectValidator } from "../src/resources/validation.js";
import { openStore, type Store } from "../src/store/index.js";
import { objectWith, unique } from "./builders.js";

const document = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json"), "utf8"),
) as object;
const validate = compileObjectValidator(
  document,
  allKinds.map((k) => k.kind),
);

const ns = "kube-test";
let store: Store;
let clock: Date;
const now = () => clock;
let tf: KindStores;
let jobs: KindStores;

beforeEach(async () => {
  store = await openStore("sqlite::memory:");
  clock = new Date("2024-05-01T12:34:56.789Z");
  tf = kindStores(tfJob, store, validate, now);
  jobs = kindStores(job, store, validate, now);
});
afterEach(() => store.close());

const newTfJob = (name = unique("tf"), metadata: Record<string, unknown> = {}) =>
  objectWith("TFJobSeed", { name, labels: { app: "one" }, ...metadata }) as KubeObject;
const newJob = (name = unique("job")) => objectWith("JobSeed", { name, labels: { app: "one" } }) as KubeObject;

/** A created object, and its resourceVersion. */
async function created(
  stores: KindStores,
  obj: KubeObject,
): Promise<KubeObject & { metadata: { resourceVersion: string } }> {
  return structuredClone((await stores.main.create(ns, obj)).object) as KubeObject & {
    metadata: { resourceVersion: string };
  };
}

async function stored(stores: KindStores, name: string): Promise<KubeObject> {
  return JSON.parse((await stores.main.get(ns, name)).body) as KubeObject;
}

/** The StatusError a call fails with. */
async function refusal(call: Promise<unknown>): Promise<StatusError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StatusError);
  return err as StatusError;
}

describe("create", () => {
  test("sets the server-owned metadata from the clock and the store, drops status, defaults replicas", async () => {
    const body = newTfJob("first", {
      uid: "client-uid",
      generation: 7,
      resourceVersion: "99",
      creationTimestamp: "2000-01-01T00:00:00Z",
    });
    body.status = { startTime: "2020-01-01T00:00:00Z" };
    delete (body.spec as any).tfReplicaSpecs.Worker.replicas;
    const { object, text } = await tf.main.create(ns, body);
    expect(object.metadata).toMatchObject({
      name: "first",
      namespace: ns,
      generation: 1,
      creationTimestamp: "2024-05-01T12:34:56Z",
      selfLink: "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/first",
      resourceVersion: String(await store.revision()),
    });
    expect(object.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(object.status).toBeUndefined();
    expect((object.spec as any).tfReplicaSpecs.Worker.replicas).toBe(1);
    expect(JSON.parse(text)).toEqual(object);
    expect(await stored(tf, "first")).toEqual(object);
  });

  test("a Job starts with status {} and the seed era's defaults: completions, parallelism, selector", async () => {
    const body = newJob("j");
    delete (body.spec as any).parallelism;
    delete (body.spec as any).completions;
    const { object } = await jobs.main.create(ns, body);
    const uid = object.metadata.uid;
    expect(object.status).toEqual({});
    expect(object.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      selector: { matchLabels: { "controller-uid": uid } },
      template: { metadata: { labels: { "controller-uid": uid, "job-name": "j" } } },
    });
  });

  test("generateName makes a name; no name at all is 422; another namespace in the body is 400", async () => {
    const generated = await tf.main.create(ns, newTfJob("", { generateName: "gen-" }));
    expect(generated.object.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect((await refusal(tf.main.create(ns, newTfJob("")))).code).toBe(422);
    const elsewhere = await refusal(tf.main.create(ns, newTfJob("x", { namespace: "other" })));
    expect([elsewhere.code, elsewhere.reason]).toEqual([400, "BadRequest"]);
  });

  test("a taken name is 409 AlreadyExists; a schema error is 422 and writes nothing", async () => {
    await created(tf, newTfJob("taken"));
    expect((await refusal(tf.main.create(ns, newTfJob("taken")))).reason).toBe("AlreadyExists");
    const before = await store.revision();
    const bad = newTfJob("bad");
    (bad.spec as any).backoffLimit = "six";
    const err = await refusal(tf.main.create(ns, bad));
    expect([err.code, err.details?.causes?.[0]?.field]).toEqual([422, "spec.backoffLimit"]);
    expect(await store.revision()).toBe(before);
  });

  test("dry run answers the object and writes nothing", async () => {
    const before = await store.revision();
    const { object } = await tf.main.create(ns, newTfJob("dry"), { dryRun: true });
    expect(object.metadata.uid).toBeTruthy();
    expect(await store.revision()).toBe(before);
    expect((await refusal(tf.main.get(ns, "dry"))).code).toBe(404);
  });
});

describe("update of a custom resource (the Kubeflow strategy)", () => {
  test("the five updatable fields change; generation moves only for the spec ones", async () => {
    const obj = await created(tf, newTfJob());
    const name = obj.metadata.name;
    const labels = await tf.main.update(
      ns,
      name,
      mergePatchOf({ metadata: { labels: { app: "two" }, annotations: { a: "b" } } }),
    );
    expect(labels.object.metadata).toMatchObject({ labels: { app: "two" }, annotations: { a: "b" }, generation: 1 });
    for (const [field, value] of [
      ["activeDeadlineSeconds", 60],
      ["ttlSecondsAfterFinished", 30],
      ["cleanPodPolicy", "All"],
    ] as const) {
      const before = (await stored(tf, name)).metadata.generation as number;
      const res = await tf.main.update(ns, name, mergePatchOf({ spec: { [field]: value } }));
      expect((res.object.spec as any)[field]).toBe(value);
      expect(res.object.metadata.generation).toBe(before + 1);
    }
  });

  test("any other field is 400, naming the refused fields, and nothing is written", async () => {
    const obj = await created(tf, newTfJob());
    const before = await store.revision();
    const err = await refusal(
      tf.main.update(
        ns,
        obj.metadata.name,
        mergePatchOf({ spec: { backoffLimit: 1, cleanPodPolicy: "All" }, metadata: { finalizers: ["x"] } }),
      ),
    );
    expect([err.code, err.reason]).toEqual([400, "BadRequest"]);
    expect(err.details?.causes?.map((c) => c.field).sort()).toEqual(["metadata.finalizers", "spec.backoffLimit"]);
    expect(await store.revision()).toBe(before);
  });

  test("server-owned metadata sent by the client is ignored; the stored values stay", async () => {
    const obj = await created(tf, newTfJob());
    const body = structuredClone(obj);
    Object.assign(body.metadata, { generation: 42, creationTimestamp: "2000-01-01T00:00:00Z", selfLink: "/x" });
    body.metadata.labels = { app: "two" };
    clock = new Date("2030-01-01T00:00:00Z");
    const { object } = await tf.main.update(ns, obj.metadata.name, replacement(body));
    expect(object.metadata).toMatchObject({
      generation: 1,
      creationTimestamp: obj.metadata.creationTimestamp,
      selfLink: obj.metadata.selfLink,
      uid: obj.metadata.uid,
      labels: { app: "two" },
    });
  });

  test("status sent to the resource is ignored: it stays as stored", async () => {
    const obj = await created(tf, newTfJob());
    await tf.status.update(ns, obj.metadata.name, mergePatchOf({ status: { startTime: "2021-01-01T00:00:00Z" } }));
    const res = await tf.main.update(
      ns,
      obj.metadata.name,
      mergePatchOf({ status: { startTime: "1999-01-01T00:00:00Z" }, metadata: { labels: { app: "two" } } }),
    );
    expect(res.object.status).toEqual({ startTime: "2021-01-01T00:00:00Z" });
  });

  test("a replace needs a resourceVersion (422); a patch does not", async () => {
    const obj = await created(tf, newTfJob());
    const { resourceVersion: _, ...meta } = obj.metadata;
    const err = await refusal(
      tf.main.update(ns, obj.metadata.name, replacement({ ...obj, metadata: { ...meta, labels: { app: "two" } } })),
    );
    expect([err.code, err.details?.causes?.[0]?.field]).toEqual([422, "metadata.resourceVersion"]);
    const patched = await tf.main.update(ns, obj.metadata.name, mergePatchOf({ metadata: { labels: { app: "two" } } }));
    expect(patched.object.metadata.labels).toEqual({ app: "two" });
  });
});

describe("update of a batch Job (the Job strategy)", () => {
  test("a replace without resourceVersion is allowed; a spec change moves generation", async () => {
    const obj = await created(jobs, newJob());
    const { resourceVersion: _, ...meta } = obj.metadata;
    const res = await jobs.main.update(
      ns,
      obj.metadata.name,
      replacement({ ...obj, metadata: meta, spec: { ...(obj.spec as object), parallelism: 3 } }),
    );
    expect((res.object.spec as any).parallelism).toBe(3);
    expect(res.object.metadata.generation).toBe(2);
    const labelled = await jobs.main.update(ns, obj.metadata.name, mergePatchOf({ metadata: { labels: { a: "b" } } }));
    expect(labelled.object.metadata.generation).toBe(2);
  });

  test("selector, template and completionMode are immutable (422 per field)", async () => {
    const obj = await created(jobs, newJob());
    const err = await refusal(
      jobs.main.update(
        ns,
        obj.metadata.name,
        mergePatchOf({ spec: { completionMode: "Indexed", template: { metadata: { labels: { x: "y" } } } } }),
      ),
    );
    expect([err.code, err.reason]).toEqual([422, "Invalid"]);
    expect(err.details?.causes?.map((c) => c.field)).toEqual(["spec.template", "spec.completionMode"]);
  });

  test("a replace without spec.selector gets the server's selector again, so it is no change", async () => {
    const obj = await created(jobs, newJob());
    const body = structuredClone(obj);
    delete (body.spec as any).selector;
    delete (body.spec as any).template.metadata.labels["controller-uid"];
    delete (body.spec as any).template.metadata.labels["job-name"];
    const before = await store.revision();
    const res = await jobs.main.update(ns, obj.metadata.name, replacement(body));
    expect(res.object).toEqual(obj);
    expect(await store.revision()).toBe(before);
  });
});

describe("the /status stores", () => {
  test("custom resource: only status is taken; spec, labels and the request's metadata are ignored", async () => {
    const obj = await created(tf, newTfJob());
    const body = structuredClone(obj);
    body.status = { startTime: "2021-01-01T00:00:00Z" };
    body.metadata.labels = { app: "ignored" };
    body.metadata.name = "another-name";
    (body.spec as any).backoffLimit = 99;
    const res = await tf.status.update(ns, obj.metadata.name, replacement(body));
    expect(res.object.status).toEqual(body.status);
    expect(res.object.spec).toEqual(obj.spec);
    expect(res.object.metadata.labels).toEqual({ app: "one" });
    expect(res.object.metadata.generation).toBe(1);
    const cleared = await tf.status.update(ns, obj.metadata.name, mergePatchOf({ status: null }));
    expect(cleared.object.status).toBeUndefined();
  });

  test("custom resource: a status replace needs a resourceVersion too", async () => {
    const obj = await created(tf, newTfJob());
    const { resourceVersion: _, ...meta } = obj.metadata;
    const err = await refusal(tf.status.update(ns, obj.metadata.name, replacement({ ...obj, metadata: meta })));
    expect(err.code).toBe(422);
  });

  test("Job: everything but spec is taken, labels included; generation stays", async () => {
    const obj = await created(jobs, newJob());
    const { resourceVersion: _, ...meta } = obj.metadata;
    const res = await jobs.status.update(
      ns,
      obj.metadata.name,
      replacement({
        ...obj,
        metadata: { ...meta, labels: { app: "two" } },
        spec: { parallelism: 9 },
        status: { succeeded: 1 },
      }),
    );
    expect(res.object.status).toEqual({ succeeded: 1 });
    expect(res.object.metadata.labels).toEqual({ app: "two" });
    expect(res.object.spec).toEqual(obj.spec);
    expect(res.object.metadata.generation).toBe(1);
  });
});

describe("preconditions, dry run, no-op and concurrent updates", () => {
  test("a stale resourceVersion is 409 Conflict; garbage is 422; a wrong uid is 409", async () => {
    const obj = await created(tf, newTfJob());
    const name = obj.metadata.name;
    await tf.main.update(ns, name, mergePatchOf({ metadata: { labels: { app: "two" } } }));
    const stale = await refusal(
      tf.main.update(ns, name, mergePatchOf({ metadata: { resourceVersion: obj.metadata.resourceVersion } })),
    );
    expect([stale.code, stale.reason]).toEqual([409, "Conflict"]);
    const garbage = await refusal(tf.main.update(ns, name, mergePatchOf({ metadata: { resourceVersion: "abc" } })));
    expect(garbage.code).toBe(422);
    const uid = await refusal(tf.main.update(ns, name, mergePatchOf({ metadata: { uid: "not-the-uid" } })));
    expect([uid.code, uid.reason]).toEqual([409, "Conflict"]);
    const deleting = await refusal(tf.main.delete(ns, name, { preconditions: { uid: "not-the-uid" } }));
    expect(deleting.code).toBe(409);
    const staleDelete = await refusal(
      tf.main.delete(ns, name, { preconditions: { resourceVersion: obj.metadata.resourceVersion } }),
    );
    expect(staleDelete.code).toBe(409);
  });

  test("dry-run update and delete answer as if done and write nothing", async () => {
    const obj = await created(tf, newTfJob());
    const before = await store.revision();
    const res = await tf.main.update(ns, obj.metadata.name, mergePatchOf({ metadata: { labels: { app: "dry" } } }), {
      dryRun: true,
    });
    expect(res.object.metadata.labels).toEqual({ app: "dry" });
    expect(await tf.main.delete(ns, obj.metadata.name, { dryRun: true })).toEqual(obj);
    expect(await store.revision()).toBe(before);
    expect(await stored(tf, obj.metadata.name)).toEqual(obj);
  });

  test("an update that changes nothing answers the stored text and writes nothing", async () => {
    const obj = await created(tf, newTfJob());
    const before = await store.revision();
    const res = await tf.main.update(ns, obj.metadata.name, mergePatchOf({ metadata: { labels: { app: "one" } } }));
    expect(res.text).toBe((await tf.main.get(ns, obj.metadata.name)).body);
    expect(await store.revision()).toBe(before);
  });

  test("concurrent updates without a precondition are retried: none is lost", async () => {
    const obj = await created(tf, newTfJob());
    const name = obj.metadata.name;
    const keys = ["a", "b", "c", "d"];
    await Promise.all(keys.map((k) => tf.main.update(ns, name, mergePatchOf({ metadata: { labels: { [k]: k } } }))));
    const labels = (await stored(tf, name)).metadata.labels;
    expect(labels).toEqual({ app: "one", a: "a", b: "b", c: "c", d: "d" });
  });

  test("concurrent updates with the same precondition: one wins, the others are 409", async () => {
    const obj = await created(tf, newTfJob());
    const name = obj.metadata.name;
    const rv = obj.metadata.resourceVersion;
    const results = await Promise.allSettled(
      ["a", "b", "c"].map((k) =>
        tf.main.update(ns, name, mergePatchOf({ metadata: { resourceVersion: rv, labels: { [k]: k } } })),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 409, reason: "Conflict" });
    }
  });

  test("a missing object is 404 for every operation", async () => {
    for (const call of [
      tf.main.get(ns, "absent"),
      tf.main.update(ns, "absent", mergePatchOf({})),
      tf.status.update(ns, "absent", mergePatchOf({ status: {} })),
      tf.main.delete(ns, "absent"),
    ]) {
      expect((await refusal(call)).code).toBe(404);
    }
  });
});

describe("list and deletecollection", () => {
  test("list by label selector, with paging; deletecollection deletes what it lists", async () => {
    for (const [name, app] of [
      ["a", "x"],
      ["b", "y"],
      ["c", "x"],
    ]) {
      await created(tf, newTfJob(name, { labels: { app } }));
    }
    await created(jobs, newJob("other-kind"));
    const page = await tf.main.list({ namespace: ns, labelSelector: "app=x", limit: 1 });
    const first = JSON.parse(page.text);
    expect(first).toMatchObject({ kind: "TFJobList", apiVersion: "kubeflow.org/v1" });
    expect(first.items.map((i: KubeObject) => i.metadata.name)).toEqual(["a"]);
    const next = await tf.main.list({ namespace: ns, labelSelector: "app=x", continue: first.metadata.continue });
    expect(JSON.parse(next.text).items.map((i: KubeObject) => i.metadata.name)).toEqual(["c"]);
    const dry = await tf.main.deleteCollection(ns, { labelSelector: "app=x" }, { dryRun: true });
    expect(dry.items.map((i) => i.name)).toEqual(["a", "c"]);
    const deleted = await tf.main.deleteCollection(ns, { labelSelector: "app=x" });
    expect(deleted.items.map((i) => i.name)).toEqual(["a", "c"]);
    expect(JSON.parse((await tf.main.list({})).text).items.map((i: KubeObject) => i.metadata.name)).toEqual(["b"]);
    expect(JSON.parse((await jobs.main.list({})).text).items).toHaveLength(1);
  });
});
