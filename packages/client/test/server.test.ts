// The client against the real reference server, in this process over loopback HTTP: every verb
// family, typed errors, merge patch without saying so, pagination over a few hundred objects.
import { type RunningTestServer, startTestServer } from "@trainjobs/server/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ApiError, createClient, paginate, type TFJob, type TrainjobsClient, watch } from "../src/index.js";

let server: RunningTestServer;
let api: TrainjobsClient;
const namespace = "client-test";
const collection = "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs" as const;
const item = "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}" as const;

const tfjob = (name: string, labels: Record<string, string> = {}): TFJob => ({
  apiVersion: "kubeflow.org/v1",
  kind: "TFJob",
  metadata: { name, namespace, labels },
  spec: {
    tfReplicaSpecs: {
      Worker: { replicas: 1, template: { spec: { containers: [{ name: "tensorflow", image: "tf:2" }] } } },
    },
  },
});

beforeAll(async () => {
  server = await startTestServer({ users: { "alice-token": ["alice", ["namespace:client-test", "project:p1"]] } });
  api = createClient({ baseUrl: server.url, token: server.token, retry: false });
});
afterAll(() => server.close());

describe("Kubernetes-style operations", () => {
  test("create, read, replace, patch, status, delete", async () => {
    const created = await api.POST(collection, { params: { path: { namespace } }, body: tfjob("life", { app: "a" }) });
    expect(created.response.status).toBe(201);
    expect(created.data?.metadata.generation).toBe(1);
    const path = { namespace, name: "life" };

    const read = await api.GET(item, { params: { path } });
    expect(read.data).toEqual(created.data);

    const replaced = await api.PUT(item, {
      params: { path },
      body: { ...read.data!, spec: { ...read.data!.spec, ttlSecondsAfterFinished: 60 } },
    });
    expect(replaced.data?.spec.ttlSecondsAfterFinished).toBe(60);
    expect(replaced.data?.metadata.generation).toBe(2);

    // No Content-Type given: the client sends application/merge-patch+json for PATCH.
    const patched = await api.PATCH(item, {
      params: { path },
      body: { metadata: { labels: { app: null, stage: "b" } } },
    });
    expect(patched.error).toBeUndefined();
    expect(patched.data?.metadata.labels).toEqual({ stage: "b" });

    const status = await api.PATCH(`${item}/status`, {
      params: { path },
      body: { status: { conditions: [{ type: "Running", status: "True" }] } },
    });
    expect(status.data?.status?.conditions?.[0]?.type).toBe("Running");
    const readStatus = await api.GET(`${item}/status`, { params: { path } });
    expect(readStatus.data?.status).toEqual(status.data?.status);

    // A custom resource's delete answers the deleted object, as kube-apiserver's.
    const deleted = await api.DELETE(item, { params: { path } });
    expect(deleted.data).toMatchObject({ kind: "TFJob", metadata: { name: "life", uid: created.data?.metadata.uid } });
    const gone = await api.GET(item, { params: { path } });
    expect(gone.data).toBeUndefined();
    expect(gone.error).toMatchObject({ kind: "Status", reason: "NotFound", code: 404 });
  });

  test("errors are typed Status bodies: the seeds' rule refuses other fields", async () => {
    await api.POST(collection, { params: { path: { namespace } }, body: tfjob("rule") });
    const { data, error, response } = await api.PATCH(item, {
      params: { path: { namespace, name: "rule" } },
      body: { spec: { cleanPodPolicy: "All" }, metadata: { finalizers: ["x"] } } as never,
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(400);
    expect(error?.details?.causes?.map((c) => c.field)).toEqual(["metadata.finalizers"]);
  });

  test("throwOnError throws ApiError with the Status", async () => {
    const throwing = createClient({ baseUrl: server.url, token: server.token, throwOnError: true, retry: false });
    const failure = await throwing
      .GET(item, { params: { path: { namespace, name: "absent" } } })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(404);
    expect((failure as ApiError).body).toMatchObject({ reason: "NotFound" });
  });

  test("deletecollection and the all-namespaces list", async () => {
    for (const name of ["dc-a", "dc-b"])
      await api.POST(collection, { params: { path: { namespace } }, body: tfjob(name, { batch: "dc" }) });
    const all = await api.GET("/apis/kubeflow.org/v1/tfjobs", { params: { query: { labelSelector: "batch=dc" } } });
    expect(all.data?.items.map((i) => i.metadata.name)).toEqual(["dc-a", "dc-b"]);
    const removed = await api.DELETE(collection, {
      params: { path: { namespace }, query: { labelSelector: "batch=dc" } },
    });
    expect(removed.data?.items).toHaveLength(2);
  });

  test("paginate walks a few hundred objects across limit/continue pages", async () => {
    const ns = "paginate";
    const total = 300;
    for (let i = 0; i < total; i++) {
      const { response } = await api.POST(collection, {
        params: { path: { namespace: ns } },
        body: {
          ...tfjob(`p-${String(i).padStart(3, "0")}`),
          metadata: { name: `p-${String(i).padStart(3, "0")}`, namespace: ns },
        },
      });
      expect(response.status).toBe(201);
    }
    const names: string[] = [];
    for await (const job of paginate(api, collection, { params: { path: { namespace: ns }, query: { limit: 40 } } }))
      names.push(job.metadata.name!);
    expect(names).toHaveLength(total);
    expect(new Set(names).size).toBe(total);
    expect(names[0]).toBe("p-000");
    expect(names.at(-1)).toBe("p-299");
  });

  test("X-Auth-Token works as the bearer token does; a namespace grant stops at its namespace", async () => {
    const alice = createClient({ baseUrl: server.url, token: "alice-token", authScheme: "x-auth-token", retry: false });
    const own = await alice.GET(collection, { params: { path: { namespace } } });
    expect(own.response.status).toBe(200);
    const other = await alice.GET(collection, { params: { path: { namespace: "elsewhere" } } });
    expect(other.error).toMatchObject({ reason: "Forbidden", code: 403 });
    const anonymous = createClient({ baseUrl: server.url, retry: false });
    expect((await anonymous.GET(collection, { params: { path: { namespace } } })).error).toMatchObject({
      reason: "Unauthorized",
    });
  });

  test("discovery", async () => {
    const { data } = await api.GET("/apis/kubeflow.org/v1");
    expect(data?.resources.map((r) => r.name)).toContain("mxjobs/status");
  });
});

describe("ModelArts-style operations", () => {
  test("create, list, update the description, versions, delete; errors carry the ModelArts body", async () => {
    const project = { project_id: "p1" };
    const created = await api.POST("/v1/{project_id}/training-jobs", {
      params: { path: project },
      body: { job_name: "client-job", config: { worker_server_num: 1 } },
    });
    const jobId = created.data!.job_id;
    const updated = await api.PUT("/v1/{project_id}/training-jobs/{job_id}", {
      params: { path: { ...project, job_id: jobId } },
      body: { job_desc: "This is a ModelArts job" },
    });
    expect(updated.data).toEqual({ is_success: true });
    const list = await api.GET("/v1/{project_id}/training-jobs", {
      params: { path: project, query: { search_content: "client" } },
    });
    expect(list.data?.jobs.map((j) => j.job_desc)).toEqual(["This is a ModelArts job"]);
    const versions = await api.GET("/v1/{project_id}/training-jobs/{job_id}/versions", {
      params: { path: { ...project, job_id: jobId } },
    });
    expect(versions.data?.versions[0]?.version_name).toBe("V0001");
    const tooLong = await api.PUT("/v1/{project_id}/training-jobs/{job_id}", {
      params: { path: { ...project, job_id: jobId } },
      body: { job_desc: "x".repeat(257) },
    });
    expect(tooLong.error).toMatchObject({ is_success: false, error_code: expect.stringMatching(/^ModelArts\.\d{4}$/) });
    expect(
      (await api.DELETE("/v1/{project_id}/training-jobs/{job_id}", { params: { path: { ...project, job_id: jobId } } }))
        .data,
    ).toEqual({ is_success: true });
  });
});

describe("watch", () => {
  test("reads the server's stream: the current objects, then changes, until the loop breaks", async () => {
    await api.POST(collection, { params: { path: { namespace } }, body: tfjob("watch-a", { watch: "w" }) });
    const seen: [string, string | undefined][] = [];
    for await (const event of watch(api, collection, {
      params: { path: { namespace }, query: { labelSelector: "watch in (w)" } },
    })) {
      seen.push([event.type, (event.object as TFJob).metadata?.name]);
      if (seen.length === 1) {
        await api.POST(collection, { params: { path: { namespace } }, body: tfjob("watch-b", { watch: "w" }) });
      }
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([
      ["ADDED", "watch-a"],
      ["ADDED", "watch-b"],
    ]);
  });
});
