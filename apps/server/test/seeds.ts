// The seeds' bodies, read from the spec's examples (where they are kept verbatim).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const document = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json"), "utf8"),
) as {
  components: { examples: Record<string, { value: unknown }> };
};

export function example<T = Record<string, any>>(name: string): T {
  const ex = document.components.examples[name];
  if (!ex) throw new Error(`no example ${name}`);
  return structuredClone(ex.value) as T;
}

/** A seed object as a client would create it: without the fields the server sets, nor status. */
export function creatable(name: string): Record<string, any> {
  const obj = example(name);
  delete obj.status;
  for (const k of ["creationTimestamp", "generation", "resourceVersion", "selfLink", "uid"]) delete obj.metadata[k];
  return obj;
}

export const kinds = [
  { kind: "TFJob", plural: "tfjobs", group: "kubeflow.org", seed: "TFJobSeed", base: "/apis/kubeflow.org/v1" },
  {
    kind: "PyTorchJob",
    plural: "pytorchjobs",
    group: "kubeflow.org",
    seed: "PyTorchJobSeed",
    base: "/apis/kubeflow.org/v1",
  },
  { kind: "MXJob", plural: "mxjobs", group: "kubeflow.org", seed: "MXJobSeed", base: "/apis/kubeflow.org/v1" },
  { kind: "Job", plural: "jobs", group: "batch", seed: "JobSeed", base: "/apis/batch/v1" },
] as const;

export const kubeflowKinds = kinds.filter((k) => k.group === "kubeflow.org");

export const mergePatch = "application/merge-patch+json";
