// The life of a TFJob: create it, read it, page through the namespace, patch it (`null` deletes a
// label), and delete it. `throwOnError` turns every failure into an ApiError, so results are data.
import { ApiError, createClient, paginate, type TFJob } from "@trainjobs/client";

const api = createClient({
  baseUrl: process.env.TRAINJOBS_URL ?? "http://127.0.0.1:8080",
  token: process.env.TRAINJOBS_TOKEN,
  throwOnError: true,
});
const namespace = process.env.TRAINJOBS_NAMESPACE ?? "kube-test";
const name = `mnist-${Date.now().toString(36)}`;
const job = "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}" as const;

const manifest: TFJob = {
  apiVersion: "kubeflow.org/v1",
  kind: "TFJob",
  metadata: { name, namespace, labels: { app: "mnist", owner: "examples" } },
  spec: {
    cleanPodPolicy: "Running",
    tfReplicaSpecs: {
      Worker: {
        replicas: 2,
        restartPolicy: "OnFailure",
        template: { spec: { containers: [{ name: "tensorflow", image: "tensorflow/tensorflow:2.15.0" }] } },
      },
    },
  },
};

try {
  const { data: created } = await api.POST("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
    params: { path: { namespace } },
    body: manifest,
  });
  console.log(`created ${created.metadata.name} uid=${created.metadata.uid} generation=${created.metadata.generation}`);

  const { data: patched } = await api.PATCH(job, {
    params: { path: { namespace, name } },
    body: { metadata: { labels: { owner: null, stage: "tuning" } }, spec: { activeDeadlineSeconds: 3600 } },
  });
  console.log("labels after the patch:", patched.metadata.labels);

  let count = 0;
  for await (const item of paginate(api, "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
    params: { path: { namespace }, query: { labelSelector: "app=mnist", limit: 50 } },
  })) {
    count++;
    if (item.metadata.name === name) console.log(`found ${name} in the list`);
  }
  console.log(`${count} TFJobs labelled app=mnist in ${namespace}`);

  await api.DELETE(job, { params: { path: { namespace, name } } });
  console.log(`deleted ${name}`);
} catch (e) {
  if (!(e instanceof ApiError)) throw e;
  console.error(e.message); // "409 AlreadyExists: ...", "403 Forbidden: ..."
  process.exitCode = 1;
}
