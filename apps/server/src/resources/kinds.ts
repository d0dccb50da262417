// One descriptor per kind: the data in which TFJob, PyTorchJob, MXJob and batch/v1 Job differ.
// The generic machinery (registry.ts) holds the logic, as the apiserver's generic registry does
// with a strategy per kind.
import { isObject, type JsonObject, type KubeObject } from "./object.js";

/** A field path such as `spec.cleanPodPolicy`, as Status causes name fields. */
export type FieldPath = string;

export interface KindDescriptor {
  group: string;
  version: string;
  /** `group/version`, the objects' apiVersion. */
  apiVersion: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  /** The storage key's resource: `tfjobs.kubeflow.org`, `jobs.batch`. */
  resource: string;
  /**
   * The only fields a replace or a patch may change (the seeds' rule for Kubeflow jobs); a change
   * anywhere else is refused with 400. Absent: every field outside status may change.
   */
  updatableFields?: readonly FieldPath[];
  /** Fields that may never change after create (422 `field is immutable`). */
  immutableFields: readonly FieldPath[];
  /** A replace without metadata.resourceVersion is allowed (Job) or 422 (custom resources). */
  allowUnconditionalUpdate: boolean;
  /**
   * What a /status write takes from the request: only `status` (custom resources copy the rest of
   * the stored object), or everything but `spec` (batch Job).
   */
  statusWrite: "status-only" | "all-but-spec";
  /** What moves `generation`: any change outside metadata (custom resources) or of spec (Job). */
  generationFrom: "non-metadata" | "spec";
  /** Status a new object starts with: none (custom resources) or `{}` (Job). */
  initialStatus?: JsonObject;
  /** The fields a fieldSelector may name, beyond metadata.name and metadata.namespace. */
  extraSelectableFields: Readonly<Record<string, (obj: KubeObject) => string | undefined>>;
  /** Fills what the server defaults on create (and on replace). */
  applyDefaults(obj: KubeObject): void;
}

const kubeflowUpdatable = [
  "metadata.labels",
  "metadata.annotations",
  "spec.activeDeadlineSeconds",
  "spec.ttlSecondsAfterFinished",
  "spec.cleanPodPolicy",
] as const;

/**
 * The apiserver applies only schema defaults to custom resources: a replica group without
 * `replicas` has one. The seed-era operators' other defaults (cleanPodPolicy, restartPolicy, the
 * default port) were applied in the operator's memory, never stored, and the seeds' objects show
 * them absent, so they are not applied here.
 */
function defaultReplicas(mapField: string) {
  return (obj: KubeObject): void => {
    const spec = obj.spec;
    if (!isObject(spec)) return;
    const replicaSpecs = spec[mapField];
    if (!isObject(replicaSpecs)) return;
    for (const replica of Object.values(replicaSpecs)) {
      if (isObject(replica) && replica.replicas === undefined) replica.replicas = 1;
    }
  };
}

function kubeflowKind<K extends string>(
  kind: K,
  plural: string,
  replicaMap: string,
  shortNames: string[],
): KindDescriptor & { kind: K } {
  return {
    group: "kubeflow.org",
    version: "v1",
    apiVersion: "kubeflow.org/v1",
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    shortNames,
    resource: `${plural}.kubeflow.org`,
    updatableFields: kubeflowUpdatable,
    immutableFields: [],
    allowUnconditionalUpdate: false,
    statusWrite: "status-only",
    generationFrom: "non-metadata",
    extraSelectableFields: {},
    applyDefaults: defaultReplicas(replicaMap),
  };
}

export const tfJob = kubeflowKind("TFJob", "tfjobs", "tfReplicaSpecs", ["tfjob"]);
export const pyTorchJob = kubeflowKind("PyTorchJob", "pytorchjobs", "pytorchReplicaSpecs", ["pytorchjob"]);
export const mxJob = kubeflowKind("MXJob", "mxjobs", "mxReplicaSpecs", ["mxjob"]);

/**
 * batch/v1 Job defaults of the seed era (Kubernetes 1.7, whose objects the seed shows):
 * parallelism and completions default to 1, and the server owns the selector, matching the pods
 * by the job's uid. Later defaults (backoffLimit 6, completionMode, suspend) are absent from the
 * seed's objects and are not applied.
 */
function defaultJob(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isObject(spec)) return;
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  spec.parallelism ??= 1;
  const uid = obj.metadata.uid;
  if (spec.manualSelector !== true && typeof uid === "string" && spec.selector === undefined) {
    spec.selector = { matchLabels: { "controller-uid": uid } };
    if (!isObject(spec.template)) spec.template = {};
    const template = spec.template as JsonObject;
    if (!isObject(template.metadata)) template.metadata = {};
    const meta = template.metadata as JsonObject;
    if (!isObject(meta.labels)) meta.labels = {};
    const labels = meta.labels as JsonObject;
    labels["controller-uid"] = uid;
    labels["job-name"] = obj.metadata.name;
  }
}

export const job: KindDescriptor & { kind: "Job" } = {
  group: "batch",
  version: "v1",
  apiVersion: "batch/v1",
  kind: "Job",
  listKind: "JobList",
  plural: "jobs",
  singular: "job",
  shortNames: [],
  resource: "jobs.batch",
  immutableFields: ["spec.selector", "spec.template", "spec.completionMode"],
  allowUnconditionalUpdate: true,
  statusWrite: "all-but-spec",
  generationFrom: "spec",
  initialStatus: {},
  extraSelectableFields: {
    // As JobToSelectableFields: `status.successful` is the succeeded count.
    "status.successful": (obj) => {
      const status = obj.status;
      return isObject(status) && typeof status.succeeded === "number" ? String(status.succeeded) : "0";
    },
  },
  applyDefaults: defaultJob,
};

export const kubeflowKinds = [tfJob, pyTorchJob, mxJob] as const;
export const allKinds: readonly KindDescriptor[] = [...kubeflowKinds, job];
