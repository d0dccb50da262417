// Label a TFJob with a JSON Merge Patch: the client sends `application/merge-patch+json` for
// every PATCH, so the call is written exactly as openapi-fetch's.
import { createClient } from "@trainjobs/client";

const api = createClient({
  baseUrl: process.env.TRAINJOBS_URL ?? "http://127.0.0.1:8080",
  token: process.env.TRAINJOBS_TOKEN,
});

const { data, error } = await api.PATCH("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}", {
  params: { path: { namespace: "kube-test", name: "tfjob-test" } },
  body: { metadata: { labels: { app: "test" } } },
});

if (error) {
  // A Kubernetes Status: reason NotFound, Conflict, Invalid (details.causes names each field)...
  console.error(`${error.code} ${error.reason}: ${error.message}`);
  for (const cause of error.details?.causes ?? []) console.error(`  ${cause.field}: ${cause.message}`);
  process.exitCode = 1;
} else {
  console.log(data.metadata.name, data.metadata.labels, `resourceVersion ${data.metadata.resourceVersion}`);
}
