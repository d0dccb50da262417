// The generated declarations (src/generated/schema.ts, from the OpenAPI bundle) and a few
// hand-named aliases for the shapes people import most.
import type { components, operations } from "./generated/schema.js";

export type { $defs, components, operations, paths, webhooks } from "./generated/schema.js";

type Schemas = components["schemas"];

/** Kubernetes `meta/v1` Status: every error under /api and /apis. */
export type Status = Schemas["Status"];
export type ObjectMeta = Schemas["ObjectMeta"];
export type ListMeta = Schemas["ListMeta"];
export type TFJob = Schemas["TFJob"];
export type PyTorchJob = Schemas["PyTorchJob"];
export type MXJob = Schemas["MXJob"];
export type Job = Schemas["Job"];
export type TFJobList = Schemas["TFJobList"];
export type PyTorchJobList = Schemas["PyTorchJobList"];
export type MXJobList = Schemas["MXJobList"];
export type JobList = Schemas["JobList"];
/** A JSON Merge Patch of a Kubeflow job: only the five updatable fields may change. */
export type KubeflowJobMergePatch = Schemas["KubeflowJobMergePatch"];
/** The ModelArts failure body: `{ is_success: false, error_code, error_message }`. */
export type ModelArtsError = Schemas["ModelArtsError"];
export type ModelArtsResult = Schemas["ModelArtsResult"];

/** Every operationId of the API. */
export type OperationId = keyof operations;
