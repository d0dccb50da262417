// The training operator's part for TFJob, PyTorchJob and MXJob, simulated: from the stored object
// and the time, the status the operator would write next. A pure function of (object, now): the
// controller calls it on every change of the object and at the times it names, so that a patch of
// activeDeadlineSeconds, ttlSecondsAfterFinished or cleanPodPolicy takes effect at once.
//
// The timeline: `Created` (and startTime) when first seen; `Running` after the start-up time;
// `Succeeded` (and completionTime) after the run time, unless activeDeadlineSeconds, counted from
// startTime, runs out first: then `Failed`, reason `DeadlineExceeded`. With the annotation
// `trainjobs.dev/simulated-failure: "true"` the run ends in `Failed` (`<Kind>Failed`) instead. Messages and reasons are the
// seed-era operators' (`TFJob tfjob-test is created.`, `TFJobRunning`), as the seeds show them.
import type { KindDescriptor } from "../resources/kinds.js";
import { isObject, type JsonObject, type JsonValue, jsonEqual, type KubeObject } from "../resources/object.js";
import {
  annotationsOf,
  defaultDurationSeconds,
  defaultStartupSeconds,
  durationAnnotation,
  failureParameter,
  type Plan,
  secondsOf,
  startupAnnotation,
  timeOf,
  timestamp,
} from "./simulation.js";

export interface KubeflowModel {
  kind: string;
  /** spec's map of replica groups: `tfReplicaSpecs`. */
  replicaSpecs: string;
  /** status's map of counts: `replicaStatuses`, MXJob's `mxReplicaStatuses`. */
  replicaStatuses: string;
  /** The operators' default when spec.cleanPodPolicy is unset (see CleanPodPolicy in the spec). */
  defaultCleanPodPolicy: CleanPodPolicy;
  /**
   * Replica types whose pods serve the others and never finish on their own (TensorFlow's PS,
   * MXNet's Scheduler and Server): still running when the job succeeds, until cleaned up.
   */
  serviceReplicas: readonly string[];
}

export type CleanPodPolicy = "All" | "Running" | "None";

const models: Record<string, KubeflowModel> = {
  TFJob: {
    kind: "TFJob",
    replicaSpecs: "tfReplicaSpecs",
    replicaStatuses: "replicaStatuses",
    defaultCleanPodPolicy: "Running",
    serviceReplicas: ["PS"],
  },
  PyTorchJob: {
    kind: "PyTorchJob",
    replicaSpecs: "pytorchReplicaSpecs",
    replicaStatuses: "replicaStatuses",
    defaultCleanPodPolicy: "None",
    serviceReplicas: [],
  },
  MXJob: {
    kind: "MXJob",
    replicaSpecs: "mxReplicaSpecs",
    replicaStatuses: "mxReplicaStatuses",
    defaultCleanPodPolicy: "All",
    serviceReplicas: ["Scheduler", "Server"],
  },
};

export function kubeflowModel(kind: KindDescriptor): KubeflowModel {
  const model = models[kind.kind];
  if (!model) throw new Error(`${kind.kind} is not a Kubeflow kind`);
  return model;
}

interface Condition extends JsonObject {
  type: string;
  status: string;
}

type ReplicaCounts = Record<string, { active?: number; succeeded?: number; failed?: number }>;

/** The next status of a Kubeflow job at `now`, its deletion, and when to look again. */
export function planKubeflowJob(model: KubeflowModel, obj: KubeObject, now: number): Plan<JsonObject> {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const stored = isObject(obj.status) ? obj.status : {};
  const status = structuredClone(stored) as JsonObject;
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []).filter(
    (c): c is Condition => isObject(c) && typeof c.type === "string",
  );
  const name = obj.metadata.name;
  const isTrue = (type: string) => conditions.some((c) => c.type === type && c.status === "True");
  const policy = cleanPodPolicyOf(model, spec);
  let wakeAt: number | undefined;

  const finished = conditions.find((c) => (c.type === "Succeeded" || c.type === "Failed") && c.status === "True");
  if (finished) {
    // The operator cleans up on every reconcile of a finished job: a policy patched after the end
    // still cleans what the old one left running.
    if (policy !== "None") status[model.replicaStatuses] = cleaned(countsOf(status, model)) as JsonObject;
    const finishedAt = timeOf(status.completionTime) ?? timeOf(finished.lastTransitionTime) ?? now;
    const ttl = typeof spec.ttlSecondsAfterFinished === "number" ? spec.ttlSecondsAfterFinished : undefined;
    if (ttl !== undefined) {
      const deleteAt = finishedAt + ttl * 1000;
      if (now >= deleteAt) return { delete: true };
      wakeAt = deleteAt;
    }
    return result(stored, status, wakeAt);
  }

  const replicas = replicasOf(spec, model);
  if (!isTrue("Created")) {
    status.startTime ??= timestamp(now);
    setCondition(conditions, "Created", `${model.kind}Created`, `${model.kind} ${name} is created.`, now);
    status.conditions = conditions;
    status[model.replicaStatuses] = Object.fromEntries(Object.keys(replicas).map((type) => [type, {}]));
  }
  // startTime as stored (second precision), so that every reconcile computes the same times.
  const start = timeOf(status.startTime as JsonValue) ?? now;
  const annotations = annotationsOf(obj);
  const runningAt = start + secondsOf(annotations[startupAnnotation], defaultStartupSeconds) * 1000;
  const endAt = runningAt + secondsOf(annotations[durationAnnotation], defaultDurationSeconds) * 1000;
  const deadline = typeof spec.activeDeadlineSeconds === "number" ? spec.activeDeadlineSeconds : undefined;
  const deadlineAt = deadline === undefined ? Number.POSITIVE_INFINITY : start + deadline * 1000;

  if (now >= deadlineAt && deadlineAt <= endAt) {
    // Every pod was still running: the policy decides whether they are cleaned up.
    const counts = runningCounts(replicas, isTrue("Running") || now >= runningAt);
    status[model.replicaStatuses] = (policy === "None" ? counts : cleaned(counts)) as JsonObject;
    setCondition(
      conditions,
      "Failed",
      "DeadlineExceeded",
      `${model.kind} ${name} has failed because it was active longer than specified deadline (activeDeadlineSeconds: ${deadline})`,
      now,
    );
    status.conditions = conditions;
    return { ...result(stored, status, undefined), ...ttlWake(spec, now) };
  }
  if (now >= endAt && annotations[failureParameter] === "true") {
    // The workers fail (the first replica type that is not a service one), as the operator
    // reports a replica group whose pods failed beyond their restart policy.
    const failing = Object.keys(replicas).find((t) => !model.serviceReplicas.includes(t)) ?? Object.keys(replicas)[0];
    const counts = runningCounts(replicas, true);
    if (failing !== undefined) counts[failing] = nonZero({ failed: replicas[failing] });
    status[model.replicaStatuses] = (policy === "None" ? counts : cleaned(counts)) as JsonObject;
    setCondition(
      conditions,
      "Failed",
      `${model.kind}Failed`,
      `${model.kind} ${name} has failed because ${failing === undefined ? 0 : replicas[failing]} ${failing ?? ""} replica(s) failed.`,
      now,
    );
    status.conditions = conditions;
    return { ...result(stored, status, undefined), ...ttlWake(spec, now) };
  }
  if (now >= endAt) {
    const counts: ReplicaCounts = {};
    for (const [type, n] of Object.entries(replicas)) {
      counts[type] = model.serviceReplicas.includes(type) ? nonZero({ active: n }) : nonZero({ succeeded: n });
    }
    status[model.replicaStatuses] = (policy === "None" ? counts : cleaned(counts)) as JsonObject;
    status.completionTime = timestamp(now);
    setCondition(
      conditions,
      "Succeeded",
      `${model.kind}Succeeded`,
      `${model.kind} ${name} successfully completed.`,
      now,
    );
    status.conditions = conditions;
    return { ...result(stored, status, undefined), ...ttlWake(spec, now) };
  }
  if (now >= runningAt && !isTrue("Running")) {
    status[model.replicaStatuses] = runningCounts(replicas, true) as JsonObject;
    setCondition(conditions, "Running", `${model.kind}Running`, `${model.kind} ${name} is running.`, now);
    status.conditions = conditions;
  }
  wakeAt = Math.min(now < runningAt ? runningAt : endAt, endAt, deadlineAt);
  return result(stored, status, wakeAt);
}

/** A job finished just now with a TTL: look again when it is up (its deletion). */
function ttlWake(spec: JsonObject, now: number): { wakeAt?: number } {
  return typeof spec.ttlSecondsAfterFinished === "number" ? { wakeAt: now + spec.ttlSecondsAfterFinished * 1000 } : {};
}

function result(stored: JsonObject, status: JsonObject, wakeAt: number | undefined): Plan<JsonObject> {
  return {
    ...(jsonEqual(stored, status) ? {} : { status }),
    ...(wakeAt !== undefined && Number.isFinite(wakeAt) ? { wakeAt } : {}),
  };
}

function cleanPodPolicyOf(model: KubeflowModel, spec: JsonObject): CleanPodPolicy {
  const p = spec.cleanPodPolicy;
  return p === "All" || p === "Running" || p === "None" ? p : model.defaultCleanPodPolicy;
}

/** The replica types the operators know, spelt as they write them in status. */
const canonicalTypes = ["PS", "Worker", "Chief", "Master", "Evaluator", "Scheduler", "Server"];

/**
 * The replica groups and their sizes, under canonical names: the seed's TFJob spells its
 * parameter servers `Ps` in spec, and the operator reports them as `PS`, as the seed's status shows.
 */
function replicasOf(spec: JsonObject, model: KubeflowModel): Record<string, number> {
  const groups = isObject(spec[model.replicaSpecs]) ? (spec[model.replicaSpecs] as JsonObject) : {};
  const out: Record<string, number> = {};
  for (const [type, group] of Object.entries(groups)) {
    const canonical = canonicalTypes.find((t) => t.toLowerCase() === type.toLowerCase()) ?? type;
    out[canonical] = isObject(group) && typeof group.replicas === "number" ? group.replicas : 1;
  }
  return out;
}

function runningCounts(replicas: Record<string, number>, running: boolean): ReplicaCounts {
  return Object.fromEntries(Object.entries(replicas).map(([t, n]) => [t, running ? nonZero({ active: n }) : {}]));
}

function countsOf(status: JsonObject, model: KubeflowModel): ReplicaCounts {
  const counts = status[model.replicaStatuses];
  return isObject(counts) ? (structuredClone(counts) as ReplicaCounts) : {};
}

/** Running pods deleted: `Running` and `All` both leave none active (finished pods are not counted as active either way). */
function cleaned(counts: ReplicaCounts): ReplicaCounts {
  const out: ReplicaCounts = {};
  for (const [type, c] of Object.entries(counts)) out[type] = nonZero({ ...c, active: 0 });
  return out;
}

/** The operators' ReplicaStatus fields are `omitempty`: a zero count is not written. */
function nonZero(c: { active?: number; succeeded?: number; failed?: number }): {
  active?: number;
  succeeded?: number;
  failed?: number;
} {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => typeof v === "number" && v > 0));
}

/**
 * Sets a condition true, as the operators' setCondition: an existing one of the type is replaced
 * (its lastTransitionTime kept when its status does not change); `Running` turns "False" when the
 * job succeeds or fails.
 */
function setCondition(conditions: Condition[], type: string, reason: string, message: string, now: number): void {
  const time = timestamp(now);
  const existing = conditions.findIndex((c) => c.type === type);
  const previous = existing >= 0 ? conditions[existing] : undefined;
  const condition: Condition = {
    type,
    status: "True",
    reason,
    message,
    lastUpdateTime: time,
    lastTransitionTime: previous?.status === "True" ? (previous.lastTransitionTime as string) : time,
  };
  if (type === "Succeeded" || type === "Failed") {
    for (const c of conditions) {
      if (c.type === "Running" && c.status === "True") {
        c.status = "False";
        c.lastUpdateTime = time;
        c.lastTransitionTime = time;
      }
    }
  }
  if (existing >= 0) conditions[existing] = condition;
  else conditions.push(condition);
}
