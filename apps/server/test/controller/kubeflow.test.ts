// The training operator's part, on a fake clock: each Kubeflow kind from Created through Running
// to Succeeded with the seed-era reasons and messages; activeDeadlineSeconds; ttlSecondsAfterFinished;
// and patches of the three updatable run-policy fields on a running job changing the outcome.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { durationAnnotation, failureParameter, startupAnnotation } from "../../src/controller/simulation.js";
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

/** Advances the fake clock and lets the controller finish what fell due. */
async function advance(seconds: number): Promise<void> {
  h.clock.advance(seconds * 1000);
  await h.controller.settled();
}

const cases = [
  {
    kind: "TFJob",
    seed: "TFJobSeed",
    field: "replicaStatuses",
    running: { PS: { active: 1 }, Worker: { active: 1 } },
    // The seed's `Ps` reported as `PS`. PS never finishes on its own; TFJob's default
    // cleanPodPolicy (Running) deletes it.
    succeeded: { PS: {}, Worker: { succeeded: 1 } },
  },
  {
    kind: "PyTorchJob",
    seed: "PyTorchJobSeed",
    field: "replicaStatuses",
    running: { Master: { active: 1 }, Worker: { active: 1 } },
    succeeded: { Master: { succeeded: 1 }, Worker: { succeeded: 1 } },
  },
  {
    kind: "MXJob",
    seed: "MXJobSeed",
    field: "mxReplicaStatuses",
    running: { Scheduler: { active: 1 }, Server: { active: 1 }, Worker: { active: 1 } },
    // The seed's cleanPodPolicy Running deletes the Scheduler and Server left running.
    succeeded: { Scheduler: {}, Server: {}, Worker: { succeeded: 1 } },
  },
] as const;

describe.each(cases)("$kind", ({ kind, seed, field, running, succeeded }) => {
  test("Created, then Running after the start-up time, then Succeeded after the run time", async () => {
    const name = unique(kind.toLowerCase());
    await h.create(kind, objectOf(seed, name));

    const created = await h.waitFor(kind, name, (o) => isTrue(o, "Created"), "Created");
    expect(created?.status).toEqual({
      conditions: [
        {
          type: "Created",
          status: "True",
          reason: `${kind}Created`,
          message: `${kind} ${name} is created.`,
          lastUpdateTime: iso(t0),
          lastTransitionTime: iso(t0),
        },
      ],
      [field]: Object.fromEntries(Object.keys(running).map((t) => [t, {}])),
      startTime: iso(t0),
    });

    await advance(4);
    expect(condition(await h.get(kind, name), "Running")).toBeUndefined();
    await advance(1);
    const runningObj = await h.waitFor(kind, name, (o) => isTrue(o, "Running"), "Running");
    expect(condition(runningObj, "Running")).toEqual({
      type: "Running",
      status: "True",
      reason: `${kind}Running`,
      message: `${kind} ${name} is running.`,
      lastUpdateTime: iso(t0 + 5_000),
      lastTransitionTime: iso(t0 + 5_000),
    });
    expect(runningObj?.status?.[field as never]).toEqual(running);

    // The default run time is 30 s from Running.
    await advance(29);
    expect(isTrue(await h.get(kind, name), "Succeeded")).toBe(false);
    await advance(1);
    const done = await h.waitFor(kind, name, (o) => isTrue(o, "Succeeded"), "Succeeded");
    const status = done?.status as Record<string, any>;
    expect(status.startTime).toBe(iso(t0));
    expect(status.completionTime).toBe(iso(t0 + 35_000));
    expect(status[field]).toEqual(succeeded);
    expect(status.conditions.map((c: any) => [c.type, c.status])).toEqual([
      ["Created", "True"],
      ["Running", "False"],
      ["Succeeded", "True"],
    ]);
    expect(condition(done, "Succeeded")).toMatchObject({
      reason: `${kind}Succeeded`,
      message: `${kind} ${name} successfully completed.`,
      lastTransitionTime: iso(t0 + 35_000),
    });
    // Finished without a TTL: it stays, and nothing is left to do.
    await advance(3600);
    expect(await h.get(kind, name)).toMatchObject({ status: { completionTime: iso(t0 + 35_000) } });
  });
});

test("a simulated failure: Failed at the end of the run, reason <Kind>Failed, the workers counted as failed", async () => {
  const name = unique("failing");
  const obj = objectOf("TFJobSeed", name, { [failureParameter]: "true" });
  obj.spec.cleanPodPolicy = "None";
  await h.create("TFJob", obj);
  await advance(5);
  await h.waitFor("TFJob", name, (o) => isTrue(o, "Running"), "Running");
  await advance(30);
  const failed = await h.waitFor("TFJob", name, (o) => isTrue(o, "Failed"), "Failed");
  expect(condition(failed, "Failed")).toMatchObject({
    reason: "TFJobFailed",
    message: `TFJob ${name} has failed because 1 Worker replica(s) failed.`,
    lastTransitionTime: iso(t0 + 35_000),
  });
  expect(condition(failed, "Running")?.status).toBe("False");
  expect(statusOf(failed).replicaStatuses).toEqual({ PS: { active: 1 }, Worker: { failed: 1 } });
  expect(statusOf(failed).completionTime).toBeUndefined();
});

describe("activeDeadlineSeconds", () => {
  test("a job still running at startTime + activeDeadlineSeconds fails with DeadlineExceeded", async () => {
    const name = unique("deadline");
    const obj = objectOf("TFJobSeed", name);
    obj.spec.activeDeadlineSeconds = 20;
    await h.create("TFJob", obj);
    await h.waitFor("TFJob", name, (o) => isTrue(o, "Created"), "Created");
    await advance(5);
    await h.waitFor("TFJob", name, (o) => isTrue(o, "Running"), "Running");
    await advance(14);
    expect(isTrue(await h.get("TFJob", name), "Failed")).toBe(false);
    await advance(1);
    const failed = await h.waitFor("TFJob", name, (o) => isTrue(o, "Failed"), "Failed");
    expect(condition(failed, "Failed")).toEqual({
      type: "Failed",
      status: "True",
      reason: "DeadlineExceeded",
      message: `TFJob ${name} has failed because it was active longer than specified deadline (activeDeadlineSeconds: 20)`,
      lastUpdateTime: iso(t0 + 20_000),
      lastTransitionTime: iso(t0 + 20_000),
    });
    expect(condition(failed, "Running")?.status).toBe("False");
    expect(condition(failed, "Succeeded")).toBeUndefined();
    expect(statusOf(failed).completionTime).toBeUndefined();
    // cleanPodPolicy Running (TFJob's default): the running pods are deleted.
    expect(statusOf(failed).replicaStatuses).toEqual({ PS: {}, Worker: {} });
    // It never succeeds afterwards.
    await advance(60);
    expect(condition(await h.get("TFJob", name), "Succeeded")).toBeUndefined();
  });
});

describe("ttlSecondsAfterFinished", () => {
  test("a finished job is deleted ttlSecondsAfterFinished after completionTime, not before", async () => {
    const name = unique("ttl");
    const obj = objectOf("PyTorchJobSeed", name, { [durationAnnotation]: "10", [startupAnnotation]: "0" });
    obj.spec.ttlSecondsAfterFinished = 60;
    await h.create("PyTorchJob", obj);
    await h.waitFor("PyTorchJob", name, (o) => isTrue(o, "Running"), "Running");
    await advance(10);
    await h.waitFor("PyTorchJob", name, (o) => isTrue(o, "Succeeded"), "Succeeded");
    await advance(59);
    await advance(0.999);
    expect(await h.get("PyTorchJob", name)).toBeDefined();
    await advance(0.001);
    await h.waitFor("PyTorchJob", name, (o) => o === undefined, "deleted");
  });

  test("a failed job is deleted ttlSecondsAfterFinished after it failed", async () => {
    const name = unique("ttl-failed");
    const obj = objectOf("MXJobSeed", name, { [startupAnnotation]: "0" });
    obj.spec.activeDeadlineSeconds = 5;
    obj.spec.ttlSecondsAfterFinished = 10;
    await h.create("MXJob", obj);
    await h.waitFor("MXJob", name, (o) => isTrue(o, "Running"), "Running");
    await advance(5);
    await h.waitFor("MXJob", name, (o) => isTrue(o, "Failed"), "Failed");
    await advance(9);
    expect(await h.get("MXJob", name)).toBeDefined();
    await advance(1);
    await h.waitFor("MXJob", name, (o) => o === undefined, "deleted");
  });
});

describe("patching the run policy of a running job changes its outcome", () => {
  test("activeDeadlineSeconds patched shorter: the job fails at the new deadline instead of succeeding", async () => {
    const name = unique("patch-deadline");
    await h.create("TFJob", objectOf("TFJobSeed", name));
    await advance(5);
    await h.waitFor("TFJob", name, (o) => isTrue(o, "Running"), "Running");
    await h.patch("TFJob", name, { spec: { activeDeadlineSeconds: 12 } });
    await advance(6);
    expect(isTrue(await h.get("TFJob", name), "Failed")).toBe(false);
    await advance(1);
    const failed = await h.waitFor("TFJob", name, (o) => isTrue(o, "Failed"), "Failed");
    expect(condition(failed, "Failed")).toMatchObject({
      reason: "DeadlineExceeded",
      lastTransitionTime: iso(t0 + 12_000),
    });
  });

  test("activeDeadlineSeconds patched to one already past: the job fails at once", async () => {
    const name = unique("patch-past");
    await h.create("TFJob", objectOf("TFJobSeed", name));
    await advance(10);
    await h.waitFor("TFJob", name, (o) => isTrue(o, "Running"), "Running");
    await h.patch("TFJob", name, { spec: { activeDeadlineSeconds: 3 } });
    const failed = await h.waitFor("TFJob", name, (o) => isTrue(o, "Failed"), "Failed");
    expect(condition(failed, "Failed")).toMatchObject({
      reason: "DeadlineExceeded",
      lastTransitionTime: iso(t0 + 10_000),
    });
  });

  test("activeDeadlineSeconds patched longer: the job succeeds instead of failing", async () => {
    const name = unique("patch-longer");
    const obj = objectOf("TFJobSeed", name);
    obj.spec.activeDeadlineSeconds = 20;
    await h.create("TFJob", obj);
    await advance(5);
    await h.patch("TFJob", name, { spec: { activeDeadlineSeconds: 3600 } });
    await advance(30);
    const done = await h.waitFor("TFJob", name, (o) => isTrue(o, "Succeeded"), "Succeeded");
    expect(condition(done, "Failed")).toBeUndefined();
  });

  test("ttlSecondsAfterFinished patched on a running job: deleted that long after it succeeds", async () => {
    const name = unique("patch-ttl");
    await h.create("TFJob", objectOf("TFJobSeed", name));
    await advance(5);
    await h.patch("TFJob", name, { spec: { ttlSecondsAfterFinished: 30 } });
    await advance(30);
    await h.waitFor("TFJob", name, (o) => isTrue(o, "Succeeded"), "Succeeded");
    await advance(29);
    expect(await h.get("TFJob", name)).toBeDefined();
    // Patched again after the end: the new TTL counts from completionTime too.
    await h.patch("TFJob", name, { spec: { ttlSecondsAfterFinished: 120 } });
    await advance(60);
    expect(await h.get("TFJob", name)).toBeDefined();
    await advance(31);
    await h.waitFor("TFJob", name, (o) => o === undefined, "deleted at completionTime + 120 s");
  });

  test("cleanPodPolicy patched to None: the parameter server keeps running after success; All then cleans it", async () => {
    const name = unique("patch-clean");
    await h.create("TFJob", objectOf("TFJobSeed", name));
    await advance(5);
    await h.waitFor("TFJob", name, (o) => isTrue(o, "Running"), "Running");
    await h.patch("TFJob", name, { spec: { cleanPodPolicy: "None" } });
    await advance(30);
    const done = await h.waitFor("TFJob", name, (o) => isTrue(o, "Succeeded"), "Succeeded");
    expect(statusOf(done).replicaStatuses).toEqual({ PS: { active: 1 }, Worker: { succeeded: 1 } });
    await h.patch("TFJob", name, { spec: { cleanPodPolicy: "All" } });
    const cleaned = await h.waitFor(
      "TFJob",
      name,
      (o) => statusOf(o).replicaStatuses?.PS?.active === undefined,
      "PS cleaned",
    );
    expect(statusOf(cleaned).replicaStatuses).toEqual({ PS: {}, Worker: { succeeded: 1 } });
  });

  test("cleanPodPolicy None on a job past its deadline: its pods stay active", async () => {
    const name = unique("deadline-none");
    const obj = objectOf("TFJobSeed", name);
    obj.spec.cleanPodPolicy = "None";
    obj.spec.activeDeadlineSeconds = 10;
    await h.create("TFJob", obj);
    await advance(10);
    const failed = await h.waitFor("TFJob", name, (o) => isTrue(o, "Failed"), "Failed");
    expect(statusOf(failed).replicaStatuses).toEqual({ PS: { active: 1 }, Worker: { active: 1 } });
  });
});
