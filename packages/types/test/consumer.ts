// A consumer of the generated types, type-checked by `npm run typecheck`. Each line marked with
// the expect-error directive must fail to compile; if the spec stopped constraining it, tsc would
// report the directive as unused and fail.
import type { KubeflowJobMergePatch, OperationId, paths, Status, TFJob } from "@trainjobs/types";

type PatchTFJob = paths["/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}"]["patch"];
type PatchBody = NonNullable<PatchTFJob["requestBody"]>["content"]["application/merge-patch+json"];

export const seedPatch: PatchBody = { metadata: { labels: { app: "test" } } };
export const runPolicyPatch: KubeflowJobMergePatch = { spec: { cleanPodPolicy: "None", activeDeadlineSeconds: 3600 } };
export const deleteLabel: KubeflowJobMergePatch = { metadata: { labels: { app: null } } };

// @ts-expect-error cleanPodPolicy is an enum
export const badPolicy: KubeflowJobMergePatch = { spec: { cleanPodPolicy: "Sometimes" } };

// @ts-expect-error activeDeadlineSeconds is a number
export const badDeadline: PatchBody = { spec: { activeDeadlineSeconds: "1h" } };

export const job: TFJob = {
  apiVersion: "kubeflow.org/v1",
  kind: "TFJob",
  metadata: { name: "mnist", namespace: "team-a" },
  spec: {
    tfReplicaSpecs: {
      Worker: { replicas: 2, template: { spec: { containers: [{ name: "tensorflow", image: "tf:2" }] } } },
    },
  },
};

// @ts-expect-error a TFJob needs its spec
export const noSpec: TFJob = { apiVersion: "kubeflow.org/v1", kind: "TFJob", metadata: {} };

// @ts-expect-error the kind is fixed by the schema
export const wrongKind: TFJob = { ...job, kind: "PyTorchJob" };

type StatusReplace = paths["/apis/batch/v1/namespaces/{namespace}/jobs/{name}/status"]["put"];
export type StatusReplaceOk = StatusReplace["responses"][200]["content"]["application/json"];

type UpdateDesc = paths["/v1/{project_id}/training-jobs/{job_id}"]["put"];
export const desc: UpdateDesc["requestBody"]["content"]["application/json"] = { job_desc: "This is a ModelArts job" };
// @ts-expect-error job_desc is required
export const noDesc: UpdateDesc["requestBody"]["content"]["application/json"] = {};
export const jobId: UpdateDesc["parameters"]["path"]["job_id"] = 10;

export const failure: Status = {
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  code: 404,
  reason: "NotFound",
};

export const op: OperationId = "patchNamespacedTFJob";
// @ts-expect-error not an operation of the API
export const noOp: OperationId = "patchNamespacedTFJobs";
