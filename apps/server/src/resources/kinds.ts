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
import { age, humanDuration, type PrinterColumn } from "./table.js";

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
  /** The columns of `kubectl get` after Name (Table answers); priority 1 only with `-o wide`. */
  printerColumns: readonly PrinterColumn[];
  /**
   * The patch types a PATCH may send, as kube-apiserver accepts them: JSON Merge Patch only for
   * custom resources, also strategic merge patch and JSON Patch for a built-in kind.
   */
  patchTypes: readonly PatchType[];
}

export const mergePatchType = "application/merge-patch+json";
export const strategicMergePatchType = "application/strategic-merge-patch+json";
export const jsonPatchType = "application/json-patch+json";
export type PatchType = typeof mergePatchType | typeof strategicMergePatchType | typeof jsonPatchType;

/** The type of the last condition, as `.status.conditions[-1:].type` selects it; null without one. */
function lastConditionType(obj: KubeObject): string | null {
  const status = obj.status;
  if (!isObject(status) || !Array.isArray(status.conditions)) return null;
  const last = status.conditions.at(-1);
  return isObject(last) && typeof last.type === "string" ? last.type : null;
}

/**
 * The training-operator CRDs' additionalPrinterColumns: State (`.status.conditions[-1:].type`) and
 * Age (`.metadata.creationTimestamp`, a date, shown as an age).
 */
const kubeflowColumns: readonly PrinterColumn[] = [
  { name: "State", type: "string", description: "", priority: 0, cell: lastConditionType },
  {
    name: "Age",
    type: "date",
    description: "",
    priority: 0,
    cell: (obj, now) => age(obj.metadata.creationTimestamp, now),
  },
];

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
    printerColumns: kubeflowColumns,
    patchTypes: [mergePatchType],
  };
}

export const tfJob = kubeflowKind("TFJob", "tfjobs", "tfReplicaSpecs", ["tfjob"]);
export const pyTorchJob = kubeflowKind("PyTorchJob", "pytorchjobs", "pytorchReplicaSpecs", ["pytorchjob"]);
export const mxJob = kubeflowKind("MXJob", "mxjobs", "mxReplicaSpecs", ["mxjob"]);

/** kube-apiserver's printer of batch/v1 Job (pkg/printers/internalversion printJob). */
function jobColumns(): PrinterColumn[] {
  const spec = (obj: KubeObject) => (isObject(obj.spec) ? obj.spec : {});
  const status = (obj: KubeObject) => (isObject(obj.status) ? obj.status : {});
  const containers = (obj: KubeObject) => {
    const template = spec(obj).template;
    const podSpec = isObject(template) && isObject(template.spec) ? template.spec : {};
    return Array.isArray(podSpec.containers) ? podSpec.containers.filter(isObject) : [];
  };
  const hasCondition = (obj: KubeObject, type: string) => {
    const conditions = status(obj).conditions;
    return Array.isArray(conditions) && conditions.some((c) => isObject(c) && c.type === type && c.status === "True");
  };
  return [
    {
      name: "Status",
      type: "string",
      description: "Status of the job.",
      priority: 0,
      cell: (obj) => {
        if (hasCondition(obj, "Complete")) return "Complete";
        if (hasCondition(obj, "Failed")) return "Failed";
        if (obj.metadata.deletionTimestamp) return "Terminating";
        if (hasCondition(obj, "Suspended")) return "Suspended";
        if (hasCondition(obj, "FailureTarget")) return "FailureTarget";
        if (hasCondition(obj, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
        return "Running";
      },
    },
    {
      name: "Completions",
      type: "string",
      description: "The number of pods which reached phase Succeeded.",
      priority: 0,
      cell: (obj) => {
        const succeeded = typeof status(obj).succeeded === "number" ? status(obj).succeeded : 0;
        const { completions, parallelism } = spec(obj);
        if (typeof completions === "number") return `${succeeded}/${completions}`;
        if (typeof parallelism === "number" && parallelism > 1) return `${succeeded}/1 of ${parallelism}`;
        return `${succeeded}/1`;
      },
    },
    {
      name: "Duration",
      type: "string",
      description: "Time required to complete the job.",
      priority: 0,
      cell: (obj, now) => {
        const { startTime, completionTime } = status(obj);
        if (typeof startTime !== "string") return "";
        const end = typeof completionTime === "string" ? Date.parse(completionTime) : now.getTime();
        return humanDuration(end - Date.parse(startTime));
      },
    },
    {
      name: "Age",
      type: "string",
      description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
      priority: 0,
      cell: (obj, now) => age(obj.metadata.creationTimestamp, now),
    },
    {
      name: "Containers",
      type: "string",
      description: "Names of each container in the template.",
      priority: 1,
      cell: (obj) =>
        containers(obj)
          .map((c) => String(c.name ?? ""))
          .join(","),
    },
    {
      name: "Images",
      type: "string",
      description: "Images referenced by each container in the template.",
      priority: 1,
      cell: (obj) =>
        containers(obj)
          .map((c) => String(c.image ?? ""))
          .join(","),
    },
    {
      name: "Selector",
      type: "string",
      description: "A label query over pods that should match the pod count.",
      priority: 1,
      cell: (obj) => formatLabelSelector(spec(obj).selector),
    },
  ];
}

/** metav1.FormatLabelSelector: requirements sorted by key, `<none>` when empty. */
export function formatLabelSelector(selector: unknown): string {
  if (!isObject(selector)) return "<none>";
  const parts: [string, string][] = [];
  if (isObject(selector.matchLabels)) {
    for (const [k, v] of Object.entries(selector.matchLabels)) parts.push([k, `${k}=${String(v)}`]);
  }
  if (Array.isArray(selector.matchExpressions)) {
    for (const e of selector.matchExpressions) {
      if (!isObject(e) || typeof e.key !== "string") continue;
      const values = Array.isArray(e.values) ? e.values.map(String).sort() : [];
      const text =
        e.operator === "In"
          ? `${e.key} in (${values.join(",")})`
          : e.operator === "NotIn"
            ? `${e.key} notin (${values.join(",")})`
            : e.operator === "Exists"
              ? e.key
              : e.operator === "DoesNotExist"
                ? `!${e.key}`
                : "<error>";
      parts.push([e.key, text]);
    }
  }
  if (parts.length === 0) return "<none>";
  return parts
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, t]) => t)
    .join(",");
}

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
  printerColumns: jobColumns(),
  patchTypes: [mergePatchType, strategicMergePatchType, jsonPatchType],
};

export const kubeflowKinds = [tfJob, pyTorchJob, mxJob] as const;
export const allKinds: readonly KindDescriptor[] = [...kubeflowKinds, job];
