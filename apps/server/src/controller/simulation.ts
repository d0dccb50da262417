// What the simulation reads from an object: its run time, start-up time and failures, from
// annotations (ModelArts jobs, which have none, from their boot parameters). Nothing runs: the
// controller only writes the status a real operator would write after such a run.
import { isObject, type JsonValue } from "../resources/object.js";

/** Seconds a training job (or each pod of a batch/v1 Job) runs before it succeeds. */
export const durationAnnotation = "trainjobs.dev/simulated-duration-seconds";
/** Seconds between a Kubeflow job's `Created` and `Running` (pods being scheduled and pulled). */
export const startupAnnotation = "trainjobs.dev/simulated-startup-seconds";
/** batch/v1 Job: how many of its pods fail (the first ones started) before pods succeed. */
export const podFailuresAnnotation = "trainjobs.dev/simulated-pod-failures";
/**
 * `true` makes the run fail at its end: an annotation of a Kubeflow job, a boot parameter of a
 * ModelArts job.
 */
export const failureParameter = "trainjobs.dev/simulated-failure";

export const defaultDurationSeconds = 30;
export const defaultStartupSeconds = 5;

/**
 * A non-negative number of seconds (decimals allowed, so that an end-to-end test can run for half
 * a second) from an annotation, or the default when absent or not such a number.
 */
export function secondsOf(value: JsonValue | undefined, fallback: number): number {
  if (typeof value !== "string" || !/^\d+(\.\d+)?$/.test(value.trim())) return fallback;
  return Number(value.trim());
}

/** A count (a non-negative integer) from an annotation, or the default. */
export function countOf(value: JsonValue | undefined, fallback: number): number {
  if (typeof value !== "string" || !/^\d+$/.test(value.trim())) return fallback;
  return Number(value.trim());
}

export function annotationsOf(obj: { metadata?: JsonValue }): Record<string, JsonValue> {
  const meta = obj.metadata;
  return isObject(meta) && isObject(meta.annotations) ? meta.annotations : {};
}

/** RFC 3339 at second precision, as Kubernetes writes metav1.Time. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A timestamp back to milliseconds; undefined when absent or unreadable. */
export function timeOf(value: JsonValue | undefined): number | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** What one reconcile decides for one object. */
export interface Plan<S> {
  /** The status to write, when it differs from the stored one. */
  status?: S;
  /** Delete the object now (ttlSecondsAfterFinished is up). */
  delete?: boolean;
  /** Reconcile again at this time (the next transition due), if nothing else happens first. */
  wakeAt?: number;
}
