// The Job controller's part (and the TTL-after-finished controller's), on a fake clock:
// parallelism and completions, backoffLimit, activeDeadlineSeconds, ttlSecondsAfterFinished, and
// Jobs whose status is not the controller's (spec.managedBy, or written by a client).
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { jobStateAnnotation } from "../../src/controller/job.js";
import { durationAnnotation, podFailuresAnnotation } from "../../src/controller/simulation.js";
import type { KubeObject } from "../../src/resources/object.js";
import { replacement } from "../../src/resources/store.js";
import { unique } from "../builders.js";
import { condition, type Harness, harness, isTrue, objectOf, statusOf, t0 } from "./harness.js";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

async function advance(seconds: number): Promise<void> {
  h.clock.advance(seconds * 1000);
  await h.controller.settled();
}

function job(spec: Record<string, unknown>, annotations: Record<string, string> = {}): Record<string, any> {
  const obj = objectOf("JobSeed", unique("job"), { [durationAnnotation]: "10", ...annotations });
  Object.assign(obj.spec, spec);
  return obj;
}

/** The counts of a Job's status, zeros included. */
function counts(obj: KubeObject | undefined): { active: number; succeeded: number; failed: number } {
  const s = statusOf(obj);
  return { active: s.active ?? 0, succeeded: s.succeeded ?? 0, failed: s.failed ?? 0 };
}

async function waitForCounts(name: string, expected: { active: number; succeeded: number; failed: number }) {
  return h.waitFor(
    "Job",
    name,
    (o) => JSON.stringify(counts(o)) === JSON.stringify(expected),
    `counts ${JSON.stringify(expected)}`,
  );
}

describe("parallelism and completions", () => {
  test("at most parallelism pods at once; Complete when succeeded reaches completions", async () => {
    const obj = job({ parallelism: 2, completions: 5 });
    const name = obj.metadata.name;
    const created = await h.create("Job", obj);
    expect(created.status).toEqual({});
    const started = await waitForCounts(name, { active: 2, succeeded: 0, failed: 0 });
    expect(statusOf(started).startTime).toBe(iso(t0));
    await advance(10);
    await waitForCounts(name, { active: 2, succeeded: 2, failed: 0 });
    await advance(10);
    await waitForCounts(name, { active: 1, succeeded: 4, failed: 0 });
    await advance(9);
    expect(isTrue(await h.get("Job", name), "Complete")).toBe(false);
    await advance(1);
    const done = await h.waitFor("Job", name, (o) => isTrue(o, "Complete"), "Complete");
    expect(counts(done)).toEqual({ active: 0, succeeded: 5, failed: 0 });
    expect(statusOf(done).completionTime).toBe(iso(t0 + 30_000));
    expect(condition(done, "Complete")).toEqual({
      type: "Complete",
      status: "True",
      reason: "CompletionsReached",
      message: "Reached expected number of succeeded pods",
      lastProbeTime: iso(t0 + 30_000),
      lastTransitionTime: iso(t0 + 30_000),
    });
  });

  test("a raised parallelism takes effect at the next wave of pods", async () => {
    const obj = job({ parallelism: 1, completions: 4 });
    const name = obj.metadata.name;
    await h.create("Job", obj);
    await waitForCounts(name, { active: 1, succeeded: 0, failed: 0 });
    await h.patch("Job", name, { spec: { parallelism: 3 } });
    await advance(10);
    await waitForCounts(name, { active: 3, succeeded: 1, failed: 0 });
    await advance(10);
    const done = await h.waitFor("Job", name, (o) => isTrue(o, "Complete"), "Complete");
    expect(counts(done)).toEqual({ active: 0, succeeded: 4, failed: 0 });
  });
});

describe("backoffLimit", () => {
  test("failed pods are retried; the Job succeeds while failures stay within backoffLimit", async () => {
    const obj = job({ backoffLimit: 2 }, { [podFailuresAnnotation]: "2" });
    const name = obj.metadata.name;
    await h.create("Job", obj);
    await advance(10);
    await waitForCounts(name, { active: 1, succeeded: 0, failed: 1 });
    await advance(10);
    await waitForCounts(name, { active: 1, succeeded: 0, failed: 2 });
    await advance(10);
    const done = await h.waitFor("Job", name, (o) => isTrue(o, "Complete"), "Complete");
    expect(counts(done)).toEqual({ active: 0, succeeded: 1, failed: 2 });
  });

  test("more failures than backoffLimit: Failed, reason BackoffLimitExceeded", async () => {
    const obj = job({ backoffLimit: 1 }, { [podFailuresAnnotation]: "5" });
    const name = obj.metadata.name;
    await h.create("Job", obj);
    await advance(10);
    await waitForCounts(name, { active: 1, succeeded: 0, failed: 1 });
    await advance(10);
    const failed = await h.waitFor("Job", name, (o) => isTrue(o, "Failed"), "Failed");
    expect(counts(failed)).toEqual({ active: 0, succeeded: 0, failed: 2 });
    expect(condition(failed, "Failed")).toEqual({
      type: "Failed",
      status: "True",
      reason: "BackoffLimitExceeded",
      message: "Job has reached the specified backoff limit",
      lastProbeTime: iso(t0 + 20_000),
      lastTransitionTime: iso(t0 + 20_000),
    });
    expect(statusOf(failed).completionTime).toBeUndefined();
  });

  test("backoffLimit defaults to 6: the seventh failure fails the Job", async () => {
    const obj = job({}, { [podFailuresAnnotation]: "100" });
    const name = obj.metadata.name;
    await h.create("Job", obj);
    for (let i = 1; i <= 6; i++) {
      await advance(10);
      await waitForCounts(name, { active: 1, succeeded: 0, failed: i });
    }
    await advance(10);
    const failed = await h.waitFor("Job", name, (o) => isTrue(o, "Failed"), "Failed");
    expect(counts(failed).failed).toBe(7);
  });
});

describe("activeDeadlineSeconds", () => {
  test("a Job still running at startTime + activeDeadlineSeconds fails with DeadlineExceeded", async () => {
    const obj = job({ completions: 3, activeDeadlineSeconds: 15 });
    const name = obj.metadata.name;
    await h.create("Job", obj);
    await advance(10);
    await waitForCounts(name, { active: 1, succeeded: 1, failed: 0 });
    await advance(4);
    expect(isTrue(await h.get("Job", name), "Failed")).toBe(false);
    await advance(1);
    const failed = await h.waitFor("Job", name, (o) => isTrue(o, "Failed"), "Failed");
    expect(counts(failed)).toEqual({ active: 0, succeeded: 1, failed: 0 });
    expect(condition(failed, "Failed")).toMatchObject({
      reason: "DeadlineExceeded",
      message: "Job was active longer than specified deadline",
      lastTransitionTime: iso(t0 + 15_000),
    });
  });
});

describe("ttlSecondsAfterFinished", () => {
  test("a finished Job is deleted ttlSecondsAfterFinished after completionTime, not before", async () => {
    const obj = job({ ttlSecondsAfterFinished: 30 });
    const name = obj.metadata.name;
    await h.create("Job", obj);
    await advance(10);
    await h.waitFor("Job", name, (o) => isTrue(o, "Complete"), "Complete");
    await advance(29);
    await advance(0.999);
    expect(await h.get("Job", name)).toBeDefined();
    await advance(0.001);
    await h.waitFor("Job", name, (o) => o === undefined, "deleted");
  });
});

describe("Jobs whose status is not the controller's", () => {
  test("spec.managedBy naming another controller: the Job is left alone", async () => {
    const obj = job({ managedBy: "example.com/batch-controller" });
    const name = obj.metadata.name;
    await h.createUnmanaged("Job", obj);
    await h.controller.settled();
    await advance(3600);
    const stored = await h.get("Job", name);
    expect(stored?.status).toEqual({});
    expect(stored?.metadata.annotations?.[jobStateAnnotation as never]).toBeUndefined();
  });

  test("spec.managedBy kubernetes.io/job-controller: managed as without it", async () => {
    const obj = job({ managedBy: "kubernetes.io/job-controller" });
    const name = obj.metadata.name;
    await h.create("Job", obj);
    await advance(10);
    await h.waitFor("Job", name, (o) => isTrue(o, "Complete"), "Complete");
  });

  test("a status a client writes through /status is never overwritten", async () => {
    const obj = job({ completions: 3 });
    const name = obj.metadata.name;
    await h.create("Job", obj);
    await waitForCounts(name, { active: 1, succeeded: 0, failed: 0 });
    // As a client's PUT …/jobs/{name}/status: the object as read, with the client's status.
    const current = (await h.get("Job", name)) as KubeObject;
    const clientStatus = { startTime: "2017-12-13T03:15:55Z", active: 7, succeeded: 1 };
    await h.stores.Job!.status.update("kube-test", name, replacement({ ...current, status: clientStatus }));
    await h.controller.settled();
    for (let i = 0; i < 10; i++) await advance(10);
    expect((await h.get("Job", name))?.status).toEqual(clientStatus);
  });

  test("a status a client writes before the controller sees the Job is never overwritten", async () => {
    const obj = job({});
    const name = obj.metadata.name;
    // Created, then its status written, before the controller runs at all.
    await h.controller.stop();
    const created = await h.createUnmanaged("Job", obj);
    const clientStatus = { active: 1 };
    await h.stores.Job!.status.update("kube-test", name, replacement({ ...created, status: clientStatus }));
    h.controller.start();
    await h.controller.settled();
    await advance(60);
    expect((await h.get("Job", name))?.status).toEqual(clientStatus);
  });

  test("a replace of the Job that drops the controller's annotation does not hand its status over", async () => {
    const obj = job({ completions: 2 });
    const name = obj.metadata.name;
    await h.create("Job", obj);
    await waitForCounts(name, { active: 1, succeeded: 0, failed: 0 });
    // As `kubectl replace -f job.yaml`: the object from a file, without the annotation.
    const current = (await h.get("Job", name)) as KubeObject;
    const { [jobStateAnnotation]: _dropped, ...annotations } = current.metadata.annotations as Record<string, string>;
    const { resourceVersion: _rv, ...metadata } = current.metadata;
    await h.stores.Job!.main.update(
      "kube-test",
      name,
      replacement({ ...current, metadata: { ...metadata, annotations } }),
    );
    await h.controller.settled();
    expect((await h.get("Job", name))?.metadata.annotations?.[jobStateAnnotation as never]).toBeUndefined();
    await advance(10);
    await waitForCounts(name, { active: 1, succeeded: 1, failed: 0 });
    await advance(10);
    await h.waitFor("Job", name, (o) => isTrue(o, "Complete"), "Complete");
  });

  test("the TTL still deletes a finished Job whose status a client wrote", async () => {
    const obj = job({ ttlSecondsAfterFinished: 20, managedBy: "example.com/batch-controller" });
    const name = obj.metadata.name;
    const created = await h.createUnmanaged("Job", obj);
    const finished = {
      conditions: [{ type: "Complete", status: "True", lastTransitionTime: iso(t0 + 5_000) }],
      completionTime: iso(t0 + 5_000),
      succeeded: 1,
    };
    await h.stores.Job!.status.update("kube-test", name, replacement({ ...created, status: finished }));
    await advance(24);
    expect((await h.get("Job", name))?.status).toEqual(finished);
    await advance(1);
    await h.waitFor("Job", name, (o) => o === undefined, "deleted 20 s after completionTime");
  });
});
