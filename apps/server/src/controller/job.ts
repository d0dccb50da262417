// The Job controller's part for batch/v1 Job, simulated, plus the TTL-after-finished controller's.
// A pure function of (object, now), as kubeflow.ts.
//
// Pods run in waves: a wave starts min(parallelism, completions still needed) pods at once, all
// running for the simulated duration; the first `trainjobs.dev/simulated-pod-failures` pods fail,
// the others succeed. At the end of a wave its pods are counted (succeeded, failed), then: more than
// backoffLimit failures → `Failed`/`BackoffLimitExceeded`; completions reached → `Complete`; else
// the next wave. activeDeadlineSeconds, from startTime, fails the Job with `DeadlineExceeded`.
// A change of parallelism takes effect at the next wave (the real controller would add or remove
// pods at once).
//
// Which Jobs it manages: as the Kubernetes 1.30+ Job controller, only those without spec.managedBy
// or with `kubernetes.io/job-controller`; and, since a client may write a Job's status through
// /status, only those whose status is the controller's own: every status it writes carries, in
// the `trainjobs.dev/job-controller` annotation, a digest of that status (and the wave's start).
// A non-empty status without the annotation, or whose digest does not match, was written by
// someone else: the controller leaves that Job alone from then on (its status is never
// overwritten), as if another controller managed it (while it leads, the controller also remembers
// what it wrote, so that a replace dropping the annotation does not count). The TTL applies to every finished Job
// (Complete or Failed true), whoever wrote its status, as the TTL-after-finished controller's.
import { createHash } from "node:crypto";
import { isObject, type JsonObject, type JsonValue, jsonEqual, type KubeObject } from "../resources/object.js";
import {
  annotationsOf,
  countOf,
  defaultDurationSeconds,
  durationAnnotation,
  type Plan,
  podFailuresAnnotation,
  secondsOf,
  timeOf,
  timestamp,
} from "./simulation.js";

export const jobControllerName = "kubernetes.io/job-controller";
/** The controller's bookkeeping on a Job it manages: `{"statusDigest":…,"waveStart":…,"started":…}`. */
export const jobStateAnnotation = "trainjobs.dev/job-controller";

export interface JobState {
  /** sha256 of the status the controller wrote last, keys sorted. */
  statusDigest: string;
  /** When the running wave of pods started (ms since the epoch). */
  waveStart: number;
  /** Pods started so far (the first ones are those that fail). */
  started: number;
}

/** The plan also carries the annotations to write with the status (the controller's state). */
export interface JobPlan extends Plan<JsonObject> {
  annotations?: JsonObject;
  /** The state written with the status (to remember). */
  state?: JobState;
  /** Why the controller does not manage this Job, when it does not. */
  skipped?: "managedBy" | "clientOwnedStatus";
}

/**
 * `remembered`: the state this controller last wrote for the Job (kept in memory by uid), used
 * when the annotation is gone but the status is still exactly the one written: a replace of the
 * Job from a file without the annotation does not hand its status over while this process leads.
 */
export function planJob(obj: KubeObject, now: number, remembered?: JobState): JobPlan {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const stored = isObject(obj.status) ? obj.status : {};
  const conditions = Array.isArray(stored.conditions) ? stored.conditions.filter(isObject) : [];
  const finished = conditions.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  const ttl = typeof spec.ttlSecondsAfterFinished === "number" ? spec.ttlSecondsAfterFinished : undefined;

  const managedBy = spec.managedBy;
  const state = stateOf(obj) ?? (remembered && remembered.statusDigest === digest(stored) ? remembered : undefined);
  let skipped: JobPlan["skipped"];
  if (typeof managedBy === "string" && managedBy !== jobControllerName) skipped = "managedBy";
  else if (Object.keys(stored).length > 0 && state?.statusDigest !== digest(stored)) skipped = "clientOwnedStatus";

  if (finished || skipped) {
    const plan: JobPlan = skipped ? { skipped } : {};
    if (finished && ttl !== undefined) {
      const finishedAt = timeOf(stored.completionTime) ?? timeOf(finished.lastTransitionTime) ?? now;
      const deleteAt = finishedAt + ttl * 1000;
      if (now >= deleteAt) return { ...plan, delete: true };
      plan.wakeAt = deleteAt;
    }
    return plan;
  }
  if (spec.suspend === true) return {};

  const annotations = annotationsOf(obj);
  const durationMs = secondsOf(annotations[durationAnnotation], defaultDurationSeconds) * 1000;
  const failures = countOf(annotations[podFailuresAnnotation], 0);
  const parallelism = typeof spec.parallelism === "number" ? spec.parallelism : 1;
  const completions = typeof spec.completions === "number" ? spec.completions : undefined;
  const backoffLimit = typeof spec.backoffLimit === "number" ? spec.backoffLimit : 6;
  const deadline = typeof spec.activeDeadlineSeconds === "number" ? spec.activeDeadlineSeconds : undefined;

  const status = structuredClone(stored) as JsonObject;
  let active = num(status.active);
  let succeeded = num(status.succeeded);
  let failed = num(status.failed);
  let waveStart = state?.waveStart ?? now;
  let started = state?.started ?? 0;
  /** Pods of the next wave: all parallel pods without completions (a work queue), else those still needed. */
  const waveSize = () =>
    Math.max(0, completions === undefined ? parallelism : Math.min(parallelism, completions - succeeded));

  status.startTime ??= timestamp(now);
  const start = timeOf(status.startTime) ?? now;
  const deadlineAt = deadline === undefined ? Number.POSITIVE_INFINITY : start + deadline * 1000;
  const waveEnd = active > 0 ? waveStart + durationMs : Number.POSITIVE_INFINITY;

  if (now >= deadlineAt && deadlineAt <= waveEnd) {
    active = 0;
    status.conditions = [
      ...conditions,
      jobCondition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline", now),
    ];
  } else if (now >= waveEnd) {
    const firstOfWave = started - active;
    const failing = Math.max(0, Math.min(active, failures - firstOfWave));
    failed += failing;
    succeeded += active - failing;
    active = 0;
    if (failed > backoffLimit) {
      status.conditions = [
        ...conditions,
        jobCondition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now),
      ];
    } else if (completions === undefined ? succeeded > 0 : succeeded >= completions) {
      status.completionTime = timestamp(now);
      status.conditions = [
        ...conditions,
        jobCondition("Complete", "CompletionsReached", "Reached expected number of succeeded pods", now),
      ];
    }
  }
  const ended = Array.isArray(status.conditions) && status.conditions.length > conditions.length;
  if (!ended && active === 0) {
    // The first wave, the next one, or one that a raised parallelism now allows.
    active = waveSize();
    started += active;
    waveStart = now;
  }
  setCount(status, "active", active);
  setCount(status, "succeeded", succeeded);
  setCount(status, "failed", failed);

  const plan: JobPlan = {};
  if (!jsonEqual(stored, status)) {
    plan.status = status;
    const next: JobState = { statusDigest: digest(status), waveStart, started };
    plan.annotations = { [jobStateAnnotation]: JSON.stringify(next) };
    plan.state = next;
  }
  if (ended) {
    if (ttl !== undefined) plan.wakeAt = now + ttl * 1000;
  } else {
    const nextEnd = active > 0 ? waveStart + durationMs : Number.POSITIVE_INFINITY;
    const wakeAt = Math.min(nextEnd, deadlineAt);
    if (Number.isFinite(wakeAt)) plan.wakeAt = wakeAt;
  }
  return plan;
}

function jobCondition(type: string, reason: string, message: string, now: number): JsonObject {
  const time = timestamp(now);
  return { type, status: "True", lastProbeTime: time, lastTransitionTime: time, reason, message };
}

function num(value: JsonValue | undefined): number {
  return typeof value === "number" ? value : 0;
}

/** JobStatus counts are `omitempty`: zero is not written. */
function setCount(status: JsonObject, field: string, value: number): void {
  if (value > 0) status[field] = value;
  else delete status[field];
}

function stateOf(obj: KubeObject): JobState | undefined {
  const text = annotationsOf(obj)[jobStateAnnotation];
  if (typeof text !== "string") return undefined;
  try {
    const state = JSON.parse(text) as Partial<JobState>;
    if (
      typeof state.statusDigest === "string" &&
      typeof state.waveStart === "number" &&
      typeof state.started === "number"
    )
      return state as JobState;
  } catch {
    // not ours: treated as absent
  }
  return undefined;
}

/** A digest of a status that does not depend on key order. */
export function digest(value: JsonValue): string {
  return createHash("sha256").update(canonical(value)).digest("base64url");
}

function canonical(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k] as JsonValue)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
