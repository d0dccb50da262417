// The kinds' strategies on their own: what each one keeps, defaults, bumps and refuses. The store
// that runs them is tested in resource-store.test.ts.
import { describe, expect, test } from "vitest";
import type { StatusError } from "../src/resources/errors.js";
import { job, tfJob } from "../src/resources/kinds.js";
import type { KubeObject } from "../src/resources/object.js";
import { kubeflowUpdatableFields } from "../src/resources/strategies.js";
import { objectWith } from "./builders.js";

/** A stored object: what create made of the seed, with the server's metadata. */
function storedTfJob(): KubeObject {
  const obj = objectWith("TFJobSeed", {
    name: "tf",
    namespace: "ns",
    uid: "uid-1",
    generation: 3,
    resourceVersion: "10",
    labels: { app: "one" },
  }) as KubeObject;
  obj.status = { startTime: "2021-01-01T00:00:00Z" };
  return obj;
}

function storedJob(): KubeObject {
  const obj = objectWith("JobSeed", { name: "j", namespace: "ns", uid: "uid-j", generation: 1 }) as KubeObject;
  job.strategy.prepareForCreate(obj);
  return obj;
}

const copyOf = (obj: KubeObject) => () => structuredClone(obj);

function thrown(fn: () => void): StatusError {
  try {
    fn();
  } catch (e) {
    return e as StatusError;
  }
  throw new Error("did not throw");
}

describe("custom resource strategy", () => {
  const { strategy, statusStrategy } = tfJob;

  test("create: status dropped, replica groups default to one replica, nothing else added", () => {
    const obj = objectWith("TFJobSeed", { name: "tf" }) as KubeObject;
    obj.status = { startTime: "x" };
    delete (obj.spec as any).tfReplicaSpecs.Worker.replicas;
    strategy.prepareForCreate(obj);
    expect(obj.status).toBeUndefined();
    expect((obj.spec as any).tfReplicaSpecs.Worker.replicas).toBe(1);
    expect((obj.spec as any).cleanPodPolicy).toBeUndefined();
    expect(strategy.allowUnconditionalUpdate).toBe(false);
  });

  test("update: status kept as stored; generation moves on a spec change, not on labels", () => {
    const old = storedTfJob();
    const labels = structuredClone(old);
    labels.metadata.labels = { app: "two" };
    labels.status = { startTime: "ignored" };
    const next = strategy.prepareForUpdate(labels, old, copyOf(old));
    expect(next.status).toEqual(old.status);
    expect(next.metadata.generation).toBe(3);
    const spec = structuredClone(old);
    (spec.spec as any).cleanPodPolicy = "All";
    expect(strategy.prepareForUpdate(spec, old, copyOf(old)).metadata.generation).toBe(4);
  });

  test("validateUpdate: only the five updatable fields may change", () => {
    expect(kubeflowUpdatableFields).toEqual([
      "metadata.labels",
      "metadata.annotations",
      "spec.activeDeadlineSeconds",
      "spec.ttlSecondsAfterFinished",
      "spec.cleanPodPolicy",
    ]);
    const old = storedTfJob();
    const allowed = structuredClone(old);
    allowed.metadata.labels = { x: "y" };
    allowed.metadata.annotations = { a: "b" };
    Object.assign(allowed.spec as object, {
      activeDeadlineSeconds: 1,
      ttlSecondsAfterFinished: 2,
      cleanPodPolicy: "None",
    });
    expect(() => strategy.validateUpdate(strategy.prepareForUpdate(allowed, old, copyOf(old)), old)).not.toThrow();
    const refused = structuredClone(old);
    (refused.spec as any).backoffLimit = 1;
    (refused.spec as any).tfReplicaSpecs.Worker.replicas = 5;
    const err = thrown(() => strategy.validateUpdate(strategy.prepareForUpdate(refused, old, copyOf(old)), old));
    expect([err.code, err.reason]).toEqual([400, "BadRequest"]);
    expect(err.details?.causes?.map((c) => c.field)).toEqual([
      "spec.backoffLimit",
      "spec.tfReplicaSpecs.Worker.replicas",
    ]);
  });

  test("status: only status is taken from the request; everything else is the stored object", () => {
    const old = storedTfJob();
    const request = structuredClone(old);
    request.status = { startTime: "new" };
    request.metadata.labels = { app: "ignored" };
    (request.spec as any).backoffLimit = 99;
    const next = statusStrategy.prepareForUpdate(request, old, copyOf(old));
    expect(next).toEqual({ ...old, status: { startTime: "new" } });
    const cleared = structuredClone(old);
    delete cleared.status;
    expect(statusStrategy.prepareForUpdate(cleared, old, copyOf(old)).status).toBeUndefined();
    expect(statusStrategy.allowUnconditionalUpdate).toBe(false);
  });
});

describe("Job strategy", () => {
  const { strategy, statusStrategy } = job;

  test("create: status {}, completions and parallelism 1, the selector from the uid", () => {
    const obj = objectWith("JobSeed", { name: "j", uid: "uid-j" }) as KubeObject;
    delete (obj.spec as any).completions;
    delete (obj.spec as any).parallelism;
    strategy.prepareForCreate(obj);
    expect(obj.status).toEqual({});
    expect(obj.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      selector: { matchLabels: { "controller-uid": "uid-j" } },
      template: { metadata: { labels: { "controller-uid": "uid-j", "job-name": "j" } } },
    });
    expect(strategy.allowUnconditionalUpdate).toBe(true);
  });

  test("update: a spec change moves generation; status stays; a missing selector is defaulted from the stored uid", () => {
    const old = storedJob();
    const request = structuredClone(old);
    delete (request.spec as any).selector;
    delete request.metadata.uid;
    request.status = { succeeded: 5 };
    (request.spec as any).parallelism = 4;
    const next = strategy.prepareForUpdate(request, old, copyOf(old));
    expect((next.spec as any).selector).toEqual((old.spec as any).selector);
    expect(next.status).toEqual(old.status);
    expect(next.metadata.generation).toBe(2);
    expect(() => strategy.validateUpdate(next, old)).not.toThrow();
  });

  test("validateUpdate: selector, template and completionMode are immutable", () => {
    const old = storedJob();
    const next = structuredClone(old);
    (next.spec as any).selector = { matchLabels: { other: "x" } };
    (next.spec as any).completionMode = "Indexed";
    const err = thrown(() => strategy.validateUpdate(next, old));
    expect([err.code, err.reason]).toEqual([422, "Invalid"]);
    expect(err.details?.causes).toEqual([
      { reason: "FieldValueInvalid", message: "Invalid value: field is immutable", field: "spec.selector" },
      { reason: "FieldValueInvalid", message: "Invalid value: field is immutable", field: "spec.completionMode" },
    ]);
  });

  test("status: everything but spec is taken; generation stays", () => {
    const old = storedJob();
    const request = structuredClone(old);
    request.status = { succeeded: 1 };
    request.metadata.labels = { app: "two" };
    (request.spec as any).parallelism = 9;
    const next = statusStrategy.prepareForUpdate(request, old, copyOf(old));
    expect(next.spec).toEqual(old.spec);
    expect(next.status).toEqual({ succeeded: 1 });
    expect(next.metadata.labels).toEqual({ app: "two" });
    expect(next.metadata.generation).toBe(1);
    expect(statusStrategy.allowUnconditionalUpdate).toBe(true);
  });
});
