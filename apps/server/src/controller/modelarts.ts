// ModelArts training jobs, simulated: each version moves through the API's status codes (see
// TrainingJobStatusCode in the spec) from its create_time: 1 (init) for the start-up time, 8
// (running) for the run time, then 10 (completed), or 11 (failed) when its boot parameters hold
// `trainjobs.dev/simulated-failure=true`. `duration` is the time it ran, in milliseconds, written
// at the end (it stays 0 while running: the record is written at transitions only). The run and
// start-up times come from boot parameters labelled as the Kubernetes annotations
// (`trainjobs.dev/simulated-duration-seconds`, `trainjobs.dev/simulated-startup-seconds`), since
// a ModelArts job has no annotations.
import {
  defaultDurationSeconds,
  defaultStartupSeconds,
  durationAnnotation,
  failureParameter,
  type Plan,
  secondsOf,
  startupAnnotation,
} from "./simulation.js";

export const statusInit = 1;
export const statusRunning = 8;
export const statusCompleted = 10;
export const statusFailed = 11;

interface VersionRecord {
  status: number;
  create_time: number;
  duration: number;
  config?: { parameter?: { label?: unknown; value?: unknown }[] };
}

export interface TrainingJobRecord {
  versions: VersionRecord[];
}

export function planTrainingJob<T extends TrainingJobRecord>(job: T, now: number): Plan<T> {
  const next = structuredClone(job);
  let changed = false;
  let wakeAt = Number.POSITIVE_INFINITY;
  for (const v of next.versions) {
    if (v.status !== statusInit && v.status !== statusRunning) continue;
    const parameters = new Map(
      (Array.isArray(v.config?.parameter) ? v.config.parameter : []).map((p) => [p.label, p.value] as const),
    );
    const text = (label: string) => {
      const value = parameters.get(label);
      return typeof value === "string" ? value : undefined;
    };
    const runningAt = v.create_time + secondsOf(text(startupAnnotation), defaultStartupSeconds) * 1000;
    const runMs = secondsOf(text(durationAnnotation), defaultDurationSeconds) * 1000;
    const endAt = runningAt + runMs;
    if (now >= endAt) {
      v.status = text(failureParameter) === "true" ? statusFailed : statusCompleted;
      v.duration = Math.round(runMs);
      changed = true;
    } else if (now >= runningAt) {
      if (v.status !== statusRunning) {
        v.status = statusRunning;
        changed = true;
      }
      wakeAt = Math.min(wakeAt, endAt);
    } else {
      wakeAt = Math.min(wakeAt, runningAt);
    }
  }
  return { ...(changed ? { status: next } : {}), ...(Number.isFinite(wakeAt) ? { wakeAt } : {}) };
}
