// One descriptor per kind: the data in which TFJob, PyTorchJob, MXJob and batch/v1 Job differ
// (names, storage resource, selectable fields) and the strategies that hold their rules
// (strategies.ts). The generic store (store.ts) holds the logic, as the apiserver's generic
// registry does with a strategy per kind.
import { isObject, type KubeObject } from "./object.js";
import type { UpdateStrategy } from "./store.js";
import {
  customResourceStatusStrategy,
  customResourceStrategy,
  defaultJob,
  defaultReplicas,
  jobStatusStrategy,
  jobStrategy,
  type ResourceStrategy,
} from "./strategies.js";

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
  /** The fields a fieldSelector may name, beyond metadata.name and metadata.namespace. */
  extraSelectableFields: Readonly<Record<string, (obj: KubeObject) => string | undefined>>;
  /**
   * A delete answers the deleted object (genericregistry.Store.ReturnDeletedObject: custom
   * resources), else a Status (Job's storage leaves it unset).
   */
  returnDeletedObject: boolean;
  /**
   * A body without apiVersion or kind gets them from the URL (a built-in type's typed decoding);
   * else both are required, as the apiserver's unstructured decoding of custom resources does.
   */
  defaultsTypeMeta: boolean;
  /** Create, and update of the resource itself. */
  strategy: ResourceStrategy;
  /** Update of the /status subresource. */
  statusStrategy: UpdateStrategy;
}

function kubeflowKind<K extends string>(
  kind: K,
  plural: string,
  replicaMap: string,
  shortNames: string[],
): KindDescriptor & { kind: K } {
  const ref = { group: "kubeflow.org", plural, kind };
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
    extraSelectableFields: {},
    returnDeletedObject: true,
    defaultsTypeMeta: false,
    strategy: customResourceStrategy(ref, defaultReplicas(replicaMap)),
    statusStrategy: customResourceStatusStrategy,
  };
}

export const tfJob = kubeflowKind("TFJob", "tfjobs", "tfReplicaSpecs", ["tfjob"]);
export const pyTorchJob = kubeflowKind("PyTorchJob", "pytorchjobs", "pytorchReplicaSpecs", ["pytorchjob"]);
export const mxJob = kubeflowKind("MXJob", "mxjobs", "mxReplicaSpecs", ["mxjob"]);

const jobRef = { group: "batch", plural: "jobs", kind: "Job" };

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
  extraSelectableFields: {
    // As JobToSelectableFields: `status.successful` is the succeeded count.
    "status.successful": (obj) => {
      const status = obj.status;
      return isObject(status) && typeof status.succeeded === "number" ? String(status.succeeded) : "0";
    },
  },
  returnDeletedObject: false,
  defaultsTypeMeta: true,
  strategy: jobStrategy(jobRef, defaultJob),
  statusStrategy: jobStatusStrategy(jobRef),
};

export const kubeflowKinds = [tfJob, pyTorchJob, mxJob] as const;
export const allKinds: readonly KindDescriptor[] = [...kubeflowKinds, job];
