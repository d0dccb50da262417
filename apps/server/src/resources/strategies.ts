// The strategies of the kinds, as the apiserver's rest strategies (customresource.strategy and
// statusStrategy for custom resources, job.Strategy and job.StatusStrategy for batch/v1 Job):
// what a create sets and what an update of the resource or of its /status may change. The
// generic store (store.ts) runs them; the kinds (kinds.ts) name theirs.
import { forbiddenFields, invalid, type ResourceRef } from "./errors.js";
import { changedFields, type FieldPath, getField } from "./field-diff.js";
import { isObject, type JsonObject, type JsonValue, jsonEqual, type KubeObject } from "./object.js";
import type { CreateStrategy, UpdateStrategy } from "./store.js";

/** A kind's strategy for create and for updates of the resource. */
export type ResourceStrategy = CreateStrategy & UpdateStrategy;

/** The server's defaults of an object's spec, given its identity (the stored uid and name on update). */
export type Defaulter = (obj: KubeObject, identity: { uid: unknown; name: unknown }) => void;

/** The only fields a replace or a patch of a Kubeflow job may change (the seeds' rule). */
export const kubeflowUpdatableFields: readonly FieldPath[] = [
  "metadata.labels",
  "metadata.annotations",
  "spec.activeDeadlineSeconds",
  "spec.ttlSecondsAfterFinished",
  "spec.cleanPodPolicy",
];

/** Fields of a batch/v1 Job that may never change after create (422 `field is immutable`). */
export const jobImmutableFields: readonly FieldPath[] = ["spec.selector", "spec.template", "spec.completionMode"];

/**
 * Custom resources (the Kubeflow jobs): no initial status; a replace or a patch may change only
 * the updatable fields (else 400 naming the refused ones), keeps status as stored, and moves
 * `generation` on any change outside metadata and status.
 */
export function customResourceStrategy(ref: ResourceRef, defaults: Defaulter): ResourceStrategy {
  return {
    allowUnconditionalUpdate: false,
    prepareForCreate(obj) {
      delete obj.status;
      defaults(obj, { uid: obj.metadata.uid, name: obj.metadata.name });
    },
    validate() {},
    prepareForUpdate(obj, old) {
      keepStatus(obj, old);
      defaults(obj, { uid: old.metadata.uid, name: old.metadata.name });
      setGeneration(obj, old, !jsonEqual(withoutMetaAndStatus(old), withoutMetaAndStatus(obj)));
      return obj;
    },
    validateUpdate(obj, old) {
      const ignore = new Set<string>(["status", "metadata.resourceVersion", "metadata.generation"]);
      for (const f of kubeflowUpdatableFields) ignore.add(f);
      const refused = changedFields(old, obj, ignore);
      if (refused.length) throw forbiddenFields(ref, obj.metadata.name, refused, kubeflowUpdatableFields);
    },
  };
}

/**
 * /status of a custom resource: takes only `status` from the request, everything else stays as
 * stored (so the request's metadata is ignored, as the apiserver's custom resource status strategy).
 */
export const customResourceStatusStrategy: UpdateStrategy = {
  allowUnconditionalUpdate: false,
  prepareForUpdate(obj, _old, copyOld) {
    const next = copyOld();
    if (obj.status === undefined) delete next.status;
    else next.status = obj.status;
    return next;
  },
  validateUpdate() {},
};

/**
 * batch/v1 Job: status starts `{}`; an update without a resourceVersion is allowed; selector,
 * template and completionMode are immutable; status is kept as stored; `generation` moves when
 * spec changes.
 */
export function jobStrategy(ref: ResourceRef, defaults: Defaulter): ResourceStrategy {
  return {
    allowUnconditionalUpdate: true,
    prepareForCreate(obj) {
      obj.status = {};
      defaults(obj, { uid: obj.metadata.uid, name: obj.metadata.name });
    },
    validate() {},
    prepareForUpdate(obj, old) {
      keepStatus(obj, old);
      defaults(obj, { uid: old.metadata.uid, name: old.metadata.name });
      setGeneration(obj, old, !jsonEqual(old.spec, obj.spec));
      return obj;
    },
    validateUpdate(obj, old) {
      checkImmutable(ref, obj, old);
    },
  };
}

/** /status of a Job: takes everything but spec from the request (job.StatusStrategy). */
export function jobStatusStrategy(ref: ResourceRef): UpdateStrategy {
  return {
    allowUnconditionalUpdate: true,
    prepareForUpdate(obj, old) {
      if (old.spec === undefined) delete obj.spec;
      else obj.spec = old.spec as JsonValue;
      setGeneration(obj, old, false);
      return obj;
    },
    validateUpdate(obj, old) {
      checkImmutable(ref, obj, old);
    },
  };
}

/** The main resource never writes status: it stays as stored. */
function keepStatus(obj: KubeObject, old: KubeObject): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = old.status as JsonValue;
}

function setGeneration(obj: KubeObject, old: KubeObject, changed: boolean): void {
  const generation = typeof old.metadata.generation === "number" ? old.metadata.generation : 1;
  obj.metadata.generation = generation + (changed ? 1 : 0);
}

function withoutMetaAndStatus(obj: KubeObject): JsonObject {
  const { metadata: _metadata, status: _status, ...rest } = obj;
  return rest;
}

function checkImmutable(ref: ResourceRef, obj: KubeObject, old: KubeObject): void {
  const changed = jobImmutableFields.filter((f) => !jsonEqual(getField(old, f), getField(obj, f)));
  if (changed.length) {
    throw invalid(
      ref,
      obj.metadata.name,
      changed.map((field) => ({ reason: "FieldValueInvalid", message: "Invalid value: field is immutable", field })),
    );
  }
}

/**
 * The apiserver applies only schema defaults to custom resources: a replica group without
 * `replicas` has one. The seed-era operators' other defaults (cleanPodPolicy, restartPolicy, the
 * default port) were applied in the operator's memory, never stored, and the seeds' objects show
 * them absent, so they are not applied here.
 */
export function defaultReplicas(mapField: string): Defaulter {
  return (obj) => {
    const spec = obj.spec;
    if (!isObject(spec)) return;
    const replicaSpecs = spec[mapField];
    if (!isObject(replicaSpecs)) return;
    for (const replica of Object.values(replicaSpecs)) {
      if (isObject(replica) && replica.replicas === undefined) replica.replicas = 1;
    }
  };
}

/**
 * batch/v1 Job defaults of the seed era (Kubernetes 1.7, whose objects the seed shows):
 * parallelism and completions default to 1, and the server owns the selector, matching the pods
 * by the job's uid. Later defaults (backoffLimit 6, completionMode, suspend) are absent from the
 * seed's objects and are not applied.
 */
export const defaultJob: Defaulter = (obj, { uid, name }) => {
  const spec = obj.spec;
  if (!isObject(spec)) return;
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  spec.parallelism ??= 1;
  if (spec.manualSelector !== true && typeof uid === "string" && spec.selector === undefined) {
    spec.selector = { matchLabels: { "controller-uid": uid } };
    if (!isObject(spec.template)) spec.template = {};
    const template = spec.template as JsonObject;
    if (!isObject(template.metadata)) template.metadata = {};
    const meta = template.metadata as JsonObject;
    if (!isObject(meta.labels)) meta.labels = {};
    const labels = meta.labels as JsonObject;
    labels["controller-uid"] = uid;
    labels["job-name"] = name as JsonValue;
  }
};
