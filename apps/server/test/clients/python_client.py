"""Debian's python3-kubernetes (22.6), unmodified, against a trainjobs server.

Usage: /usr/bin/python3 python_client.py KUBECONFIG NAMESPACE
Prints one JSON object with what each step saw; the vitest test (python-client.test.ts) checks it.
"""
import json
import sys

from kubernetes import client, config, dynamic, watch

kubeconfig, namespace = sys.argv[1], sys.argv[2]
api_client = config.new_client_from_config(config_file=kubeconfig)
custom = client.CustomObjectsApi(api_client)
batch = client.BatchV1Api(api_client)
group, version, plural = "kubeflow.org", "v1", "tfjobs"
out = {}


def tfjob(name, team):
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "TFJob",
        "metadata": {"name": name, "labels": {"team": team}},
        "spec": {
            "tfReplicaSpecs": {
                "Worker": {
                    "replicas": 1,
                    "template": {"spec": {"containers": [{"name": "tensorflow", "image": "tf:2"}]}},
                }
            }
        },
    }


for i in range(3):
    custom.create_namespaced_custom_object(group, version, namespace, plural, tfjob("py-%d" % i, "t%d" % i))

# A set-based selector, as the client encodes it (team+in+%28t0%2Ct2%29).
listed = custom.list_namespaced_custom_object(group, version, namespace, plural, label_selector="team in (t0,t2)")
out["selected"] = [item["metadata"]["name"] for item in listed["items"]]

# A watch from the list's resourceVersion: the next change only.
w = watch.Watch()
custom.create_namespaced_custom_object(group, version, namespace, plural, tfjob("py-new", "t0"))
events = []
for event in w.stream(
    custom.list_namespaced_custom_object,
    group,
    version,
    namespace,
    plural,
    label_selector="team in (t0,t2)",
    resource_version=listed["metadata"]["resourceVersion"],
    timeout_seconds=30,
):
    events.append([event["type"], event["object"]["metadata"]["name"]])
    w.stop()
out["watched"] = events

# A watch with no resourceVersion: the current objects first, as ADDED.
w = watch.Watch()
initial = []
for event in w.stream(
    custom.list_namespaced_custom_object, group, version, namespace, plural, label_selector="team=t1", timeout_seconds=30
):
    initial.append([event["type"], event["object"]["metadata"]["name"]])
    w.stop()
out["initial"] = initial

# A typed Job: the model leaves apiVersion and kind out.
job = client.V1Job(
    metadata=client.V1ObjectMeta(name="py-job"),
    spec=client.V1JobSpec(
        template=client.V1PodTemplateSpec(
            spec=client.V1PodSpec(restart_policy="Never", containers=[client.V1Container(name="main", image="busybox")])
        )
    ),
)
created = batch.create_namespaced_job(namespace, job)
out["job"] = [created.api_version, created.kind, created.metadata.name]

# The dynamic client (what Ansible's kubernetes.core uses): /version, then discovery.
dyn = dynamic.DynamicClient(api_client)
out["version"] = dyn.version["kubernetes"]["gitVersion"]
tfjobs = dyn.resources.get(api_version="kubeflow.org/v1", kind="TFJob")
found = tfjobs.get(namespace=namespace, label_selector="team in (t0,t2)")
out["dynamic"] = [item.metadata.name for item in found.items]
ns = dyn.resources.get(api_version="v1", kind="Namespace").get(name=namespace)
out["namespace"] = [ns.metadata.name, ns.status.phase]

print(json.dumps(out))
