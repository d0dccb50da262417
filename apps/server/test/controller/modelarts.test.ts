// ModelArts training jobs on a fake clock: each version moves through the API's status codes
// (1 init, 8 running, 10 completed or 11 failed) with its duration, created by the API's own handler.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { modelArtsHandlers, modelArtsTrainingJobs } from "../../src/api/modelarts.js";
import { durationAnnotation, failureParameter, startupAnnotation } from "../../src/controller/simulation.js";
import { example } from "../seeds.js";
import { type Harness, harness, t0, until } from "./harness.js";

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

const project = "p-controller";

async function create(name: string, parameters: { label: string; value: string }[]): Promise<number> {
  const handlers = modelArtsHandlers(h.store, () => h.clock.now());
  const body = example<Record<string, any>>("CreateTrainingJobRequest");
  body.job_name = name;
  body.config.parameter = [...body.config.parameter, ...parameters];
  const reply = await handlers.createTrainingJob({ params: { project_id: project }, body } as never);
  return (reply.body as { job_id: number }).job_id;
}

async function version(jobId: number): Promise<{ status: number; duration: number; create_time: number }> {
  const stored = await h.store.get({ resource: modelArtsTrainingJobs, namespace: project, name: String(jobId) });
  return (JSON.parse(stored!.body) as { versions: { status: number; duration: number; create_time: number }[] })
    .versions[0]!;
}

async function waitForStatus(jobId: number, status: number) {
  let last: unknown;
  await until(
    async () => {
      const v = await version(jobId);
      last = v;
      return v.status === status;
    },
    `status ${status}`,
    () => JSON.stringify(last),
  );
  return version(jobId);
}

describe("ModelArts training jobs", () => {
  test("init (1), then running (8) after the start-up time, then completed (10) with its duration", async () => {
    const jobId = await create("controller-success", []);
    expect(await version(jobId)).toMatchObject({ status: 1, duration: 0, create_time: t0 });
    await advance(4);
    expect((await version(jobId)).status).toBe(1);
    await advance(1);
    expect(await waitForStatus(jobId, 8)).toMatchObject({ duration: 0 });
    await advance(29);
    expect((await version(jobId)).status).toBe(8);
    await advance(1);
    expect(await waitForStatus(jobId, 10)).toMatchObject({ duration: 30_000 });
  });

  test("run and start-up times from boot parameters; a simulated failure ends in failed (11)", async () => {
    const jobId = await create("controller-failure", [
      { label: startupAnnotation, value: "0" },
      { label: durationAnnotation, value: "2" },
      { label: failureParameter, value: "true" },
    ]);
    await waitForStatus(jobId, 8);
    await advance(2);
    expect(await waitForStatus(jobId, 11)).toMatchObject({ duration: 2_000 });
  });
});
