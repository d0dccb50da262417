// @kubernetes/client-node 1.x, unmodified, against the built server over TLS with the kubeconfig
// scripts/kubeconfig.mjs writes: custom objects, a batch/v1 Job and its status, Watch, an
// informer, and a set-based selector as the client encodes it.
import {
  BatchV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1Job,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { objectWith } from "./builders.js";
import { installed, startTlsServer, type TlsServer } from "./support/tls-server.js";

const slow = { timeout: 60_000 };
let tls: TlsServer;
let kc: KubeConfig;

const group = "kubeflow.org";
const version = "v1";
const plural = "tfjobs";
const namespace = "client-node";

describe.skipIf(!installed("openssl", "version"))("@kubernetes/client-node", slow, () => {
  beforeAll(async () => {
    tls = await startTlsServer();
    kc = new KubeConfig();
    kc.loadFromFile(tls.kubeconfig);
  }, slow.timeout);
  afterAll(() => tls?.stop(), slow.timeout);

  test("custom objects: create, get, merge patch, list with a set-based selector, delete", async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    const body = objectWith("TFJobSeed", { name: "cn-a", labels: { team: "t0" } });
    const created = (await api.createNamespacedCustomObject({ group, version, namespace, plural, body })) as any;
    expect(created.metadata).toMatchObject({ name: "cn-a", namespace });
    await api.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      body: objectWith("TFJobSeed", { name: "cn-b", labels: { team: "t1" } }),
    });
    const got = (await api.getNamespacedCustomObject({ group, version, namespace, plural, name: "cn-a" })) as any;
    expect(got.metadata.uid).toBe(created.metadata.uid);
    const patched = (await api.patchNamespacedCustomObject(
      { group, version, namespace, plural, name: "cn-a", body: { metadata: { labels: { team: "t2" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    )) as any;
    expect(patched.metadata.labels.team).toBe("t2");
    const listed = (await api.listNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      labelSelector: "team in (t0,t2)",
    })) as any;
    expect(listed.items.map((i: any) => i.metadata.name)).toEqual(["cn-a"]);
    const notIn = (await api.listClusterCustomObject({
      group,
      version,
      plural,
      labelSelector: "team notin (t2)",
    })) as any;
    expect(notIn.items.map((i: any) => i.metadata.name)).toEqual(["cn-b"]);
    const deleted = (await api.deleteNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      name: "cn-a",
    })) as any;
    expect(deleted.metadata.name).toBe("cn-a");
    await expect(
      api.getNamespacedCustomObject({ group, version, namespace, plural, name: "cn-a" }),
    ).rejects.toMatchObject({ code: 404 });
  });

  test("batch/v1 Job: a typed create (no apiVersion, no kind), then a status replace", async () => {
    const api = kc.makeApiClient(BatchV1Api);
    const job: V1Job = {
      metadata: { name: "cn-job", labels: { app: "cn" } },
      spec: {
        template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] } },
      },
    };
    const created = await api.createNamespacedJob({ namespace, body: job });
    expect(created.kind).toBe("Job");
    expect(created.metadata?.uid).toBeTruthy();
    const replaced = await api.replaceNamespacedJobStatus({
      namespace,
      name: "cn-job",
      body: { ...created, status: { active: 1, startTime: new Date("2025-01-01T00:00:00Z") } },
    });
    expect(replaced.status?.active).toBe(1);
    const listed = await api.listNamespacedJob({ namespace, labelSelector: "app in (cn,other)" });
    expect(listed.items.map((j) => j.metadata?.name)).toEqual(["cn-job"]);
  });

  test("Watch: ADDED, MODIFIED, DELETED in order", async () => {
    const api = kc.makeApiClient(CustomObjectsApi);
    const seen: [string, string | undefined][] = [];
    const watch = new Watch(kc);
    const controller = await watch.watch(
      `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
      { labelSelector: "watched in (cn)" },
      (type: string, obj: KubernetesObject) => seen.push([type, obj.metadata?.name]),
      () => undefined,
    );
    const body = objectWith("TFJobSeed", { name: "cn-w", labels: { watched: "cn" } });
    await api.createNamespacedCustomObject({ group, version, namespace, plural, body });
    await api.patchNamespacedCustomObject(
      { group, version, namespace, plural, name: "cn-w", body: { metadata: { annotations: { a: "b" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await api.deleteNamespacedCustomObject({ group, version, namespace, plural, name: "cn-w" });
    await vi.waitFor(() => expect(seen).toHaveLength(3), { timeout: 10_000 });
    expect(seen).toEqual([
      ["ADDED", "cn-w"],
      ["MODIFIED", "cn-w"],
      ["DELETED", "cn-w"],
    ]);
    controller.abort();
  });

  test("an informer sees add, update and delete", async () => {
    const api = kc.makeApiClient(BatchV1Api);
    const path = `/apis/batch/v1/namespaces/${namespace}/jobs`;
    const informer = makeInformer(
      kc,
      path,
      () => api.listNamespacedJob({ namespace, labelSelector: "inf=yes" }),
      "inf=yes",
    );
    const events: string[] = [];
    informer.on("add", (j: V1Job) => events.push(`add ${j.metadata?.name}`));
    informer.on("update", (j: V1Job) => events.push(`update ${j.metadata?.name} ${j.metadata?.labels?.step ?? ""}`));
    informer.on("delete", (j: V1Job) => events.push(`delete ${j.metadata?.name}`));
    await informer.start();
    try {
      const job: V1Job = {
        metadata: { name: "cn-inf", labels: { inf: "yes" } },
        spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] } } },
      };
      await api.createNamespacedJob({ namespace, body: job });
      await vi.waitFor(() => expect(events).toContain("add cn-inf"), { timeout: 10_000 });
      await api.patchNamespacedJob(
        { namespace, name: "cn-inf", body: { metadata: { labels: { step: "2" } } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
      await vi.waitFor(() => expect(events).toContain("update cn-inf 2"), { timeout: 10_000 });
      await api.deleteNamespacedJob({ namespace, name: "cn-inf" });
      await vi.waitFor(() => expect(events).toContain("delete cn-inf"), { timeout: 10_000 });
      expect(events).toEqual(["add cn-inf", "update cn-inf 2", "delete cn-inf"]);
    } finally {
      await informer.stop();
    }
  });
});
