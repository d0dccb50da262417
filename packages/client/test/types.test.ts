// Type tests, checked by `npm run typecheck` (tsc -p tsconfig.test.json). Each line under a
// `@ts-expect-error` must fail to compile; if the types stopped rejecting it, tsc would report the
// directive as unused. vitest also runs the file, against a fetch that answers `{}`.
import { describe, expectTypeOf, test } from "vitest";
import {
  ApiError,
  type ApiErrorBody,
  createClient,
  type ErrorBody,
  type Job,
  type KubeflowJobMergePatch,
  type ListItem,
  type ListPath,
  type ModelArtsError,
  type PathsWith,
  paginate,
  type RequestBody,
  type ResponseData,
  type Status,
  type TFJob,
  type TFJobList,
  type TrainjobsClient,
  type TrainjobsThrowingClient,
  type WatchEvent,
  watch,
} from "../src/index.js";

/**
 * openapi-fetch hands back `Readable<T>` (T less its writeOnly fields), a mapped copy of T that
 * `toEqualTypeOf` tells apart from T; for those, check that each is assignable to the other.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Every call answers one body that has the fields the runtime side of these tests reads.
const fetch = async () => Response.json({ metadata: {}, spec: {}, items: [] });
const api = createClient({ baseUrl: "http://127.0.0.1:8080", token: process.env.TRAINJOBS_TOKEN, fetch, retry: false });
const tfjobPath = "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}";
const params = { path: { namespace: "kube-test", name: "tfjob-test" } };

describe("the README's PATCH", () => {
  test("data is the TFJob, error the Status, body the merge patch", async () => {
    const { data, error, response } = await api.PATCH("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}", {
      params: { path: { namespace: "kube-test", name: "tfjob-test" } },
      body: { metadata: { labels: { app: "test" } } },
    });
    expectTypeOf<Same<typeof data, TFJob | undefined>>().toEqualTypeOf<true>();
    expectTypeOf(error).toEqualTypeOf<Status | undefined>();
    expectTypeOf(response).toEqualTypeOf<Response>();
    if (error) expectTypeOf(error.details?.causes?.[0]?.field).toEqualTypeOf<string | undefined>();
    if (data) expectTypeOf(data.spec.cleanPodPolicy).toEqualTypeOf<"All" | "Running" | "None" | undefined>();
    expectTypeOf<Same<RequestBody<typeof tfjobPath, "patch">, KubeflowJobMergePatch>>().toEqualTypeOf<true>();
  });

  test("the patch takes the updatable fields, null deleting", async () => {
    await api.PATCH(tfjobPath, {
      params,
      body: { metadata: { labels: { app: null } }, spec: { cleanPodPolicy: null } },
    });
    await api.PATCH(tfjobPath, {
      params,
      // @ts-expect-error cleanPodPolicy is an enum
      body: { spec: { cleanPodPolicy: "Sometimes" } },
    });
  });

  test("the Kubeflow patch is closed: a misspelt or non-updatable key does not compile", async () => {
    await api.PATCH(tfjobPath, {
      params,
      body: {
        metadata: { labels: { a: "b", gone: null }, annotations: null, resourceVersion: "42" },
        spec: { activeDeadlineSeconds: 600, ttlSecondsAfterFinished: null, cleanPodPolicy: "None" },
      },
    });
    await api.PATCH(tfjobPath, {
      params,
      // @ts-expect-error activeDeadlineSecond is misspelt
      body: { spec: { activeDeadlineSecond: 600 } },
    });
    await api.PATCH(tfjobPath, {
      params,
      // @ts-expect-error metdata is misspelt
      body: { metdata: { labels: { a: "b" } } },
    });
    await api.PATCH("/apis/kubeflow.org/v1/namespaces/{namespace}/pytorchjobs/{name}", {
      params,
      // @ts-expect-error finalizers is not one of the five updatable fields
      body: { metadata: { finalizers: ["x"] } },
    });
    await api.PATCH("/apis/kubeflow.org/v1/namespaces/{namespace}/mxjobs/{name}", {
      params,
      // @ts-expect-error the replica specs are not updatable
      body: { spec: { mxReplicaSpecs: {} } },
    });
    await api.PATCH(tfjobPath, {
      params,
      // @ts-expect-error status goes through the /status subresource
      body: { status: { conditions: [] } },
    });
    // A body built beforehand is checked as well.
    const built = { spec: { activeDeadlineSecond: 600 } };
    // @ts-expect-error activeDeadlineSecond is misspelt
    await api.PATCH(tfjobPath, { params, body: built });
    await api.request("patch", tfjobPath, {
      params,
      // @ts-expect-error request("patch") is closed too
      body: { spec: { activeDeadlineSecond: 600 } },
    });
    const strict = createClient({ baseUrl: "http://127.0.0.1:8080", throwOnError: true, fetch, retry: false });
    await strict.PATCH(tfjobPath, {
      params,
      // @ts-expect-error and on the throwing client
      body: { metdata: {} },
    });
  });

  test('request("patch") takes what PATCH takes', async () => {
    const { data } = await api.request("patch", tfjobPath, { params, body: { metadata: { labels: { a: null } } } });
    expectTypeOf<Same<typeof data, TFJob | undefined>>().toEqualTypeOf<true>();
  });

  test("Job and status patches stay open, as their schemas are", async () => {
    const path = { namespace: "n", name: "j" };
    await api.PATCH("/apis/batch/v1/namespaces/{namespace}/jobs/{name}", {
      params: { path },
      body: { metadata: { finalizers: ["x"] }, spec: { parallelism: 2, suspend: true } },
    });
    await api.PATCH("/apis/batch/v1/namespaces/{namespace}/jobs/{name}/status", {
      params: { path },
      body: { status: { active: 1 } },
    });
    const { data } = await api.PATCH(tfjobPath, { params, body: { spec: { cleanPodPolicy: null } } });
    expectTypeOf<Same<typeof data, TFJob | undefined>>().toEqualTypeOf<true>();
  });
});

describe("wrong calls do not compile", () => {
  test("a wrong body", async () => {
    await api.POST("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
      params: { path: { namespace: "kube-test" } },
      // @ts-expect-error a TFJob needs its spec
      body: { apiVersion: "kubeflow.org/v1", kind: "TFJob", metadata: { name: "x" } },
    });
    await api.PUT("/v1/{project_id}/training-jobs/{job_id}", {
      params: { path: { project_id: "p1", job_id: 1 } },
      // @ts-expect-error the description is a string
      body: { job_desc: 42 },
    });
    // @ts-expect-error a PATCH needs its body
    await api.PATCH(tfjobPath, { params });
  });

  test("a wrong path, or a method the path does not have", async () => {
    // @ts-expect-error "tfjob" is not a path of the API
    await api.GET("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjob/{name}", { params });
    // @ts-expect-error a list cannot be patched
    await api.PATCH("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
      params: { path: { namespace: "n" } },
      body: {},
    });
    // @ts-expect-error there is no POST on a ModelArts job
    await api.POST("/v1/{project_id}/training-jobs/{job_id}", { params: { path: { project_id: "p", job_id: 1 } } });
  });

  test("a missing or mistyped path parameter", async () => {
    // @ts-expect-error name is missing
    await api.GET(tfjobPath, { params: { path: { namespace: "kube-test" } } });
    // @ts-expect-error the path parameters are required
    await api.GET(tfjobPath);
    await api.GET("/v1/{project_id}/training-jobs/{job_id}/versions", {
      // @ts-expect-error job_id is an int64, not a string
      params: { path: { project_id: "p1", job_id: "7" } },
    });
    await api.GET("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
      // @ts-expect-error limit is a number
      params: { path: { namespace: "n" }, query: { limit: "10" } },
    });
  });
});

describe("timeout", () => {
  test("a request takes a timeout in ms, on both clients and the helpers", async () => {
    await api.GET(tfjobPath, { params, timeout: 5_000 });
    await api.PATCH(tfjobPath, { params, body: {}, timeout: 5_000 });
    await api.GET("/apis", { timeout: 0 });
    const strict = createClient({
      baseUrl: "http://127.0.0.1:8080",
      throwOnError: true,
      fetch,
      retry: false,
      timeout: 0,
    });
    await strict.DELETE(tfjobPath, { params, timeout: 1 });
    // @ts-expect-error the timeout is a number of ms
    await api.GET(tfjobPath, { params, timeout: "5s" });
    // @ts-expect-error the client's too
    createClient({ baseUrl: "", timeout: "5s" });
    await paginate(api, "/apis/batch/v1/jobs", { timeout: 1_000 }).next();
    // @ts-expect-error and the helpers'
    await paginate(api, "/apis/batch/v1/jobs", { timeout: "1s" }).next();
  });
});

describe("error types by family", () => {
  test("Status under /apis, the ModelArts body under /v1/", async () => {
    const ma = await api.DELETE("/v1/{project_id}/training-jobs/{job_id}", {
      params: { path: { project_id: "p1", job_id: 7 } },
    });
    expectTypeOf(ma.error).toEqualTypeOf<ModelArtsError | undefined>();
    expectTypeOf<ErrorBody<"/v1/{project_id}/training-jobs", "post">>().toEqualTypeOf<ModelArtsError>();
    expectTypeOf<
      ErrorBody<"/apis/batch/v1/namespaces/{namespace}/jobs/{name}/status", "put">
    >().toEqualTypeOf<Status>();
    expectTypeOf<
      Same<ResponseData<"/apis/batch/v1/namespaces/{namespace}/jobs/{name}/status", "put">, Job>
    >().toEqualTypeOf<true>();
    expectTypeOf<ApiErrorBody>().toEqualTypeOf<Status | ModelArtsError>();
    expectTypeOf(new ApiError(new Response(), {} as Status).body).toEqualTypeOf<Status>();
    expectTypeOf(new ApiError(new Response(), {} as Status).status).toEqualTypeOf<number>();
  });
});

describe("throwOnError", () => {
  test("the throwing client's results have data, never error", async () => {
    const strict = createClient({ baseUrl: "http://127.0.0.1:8080", throwOnError: true, fetch, retry: false });
    expectTypeOf(strict).toEqualTypeOf<TrainjobsThrowingClient>();
    expectTypeOf(api).toEqualTypeOf<TrainjobsClient>();
    const { data, error } = await strict.GET(tfjobPath, { params });
    expectTypeOf<Same<typeof data, TFJob>>().toEqualTypeOf<true>();
    expectTypeOf(error).toEqualTypeOf<undefined>();
    const viaRequest = await strict.request("get", "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
      params: { path: { namespace: "n" } },
    });
    expectTypeOf<Same<typeof viaRequest.data, TFJobList>>().toEqualTypeOf<true>();
    const stream = await strict.GET(tfjobPath, { params, parseAs: "stream" });
    expectTypeOf(stream.data).toEqualTypeOf<Response["body"]>();
    // @ts-expect-error the throwing client checks paths too
    await strict.GET("/nope");
    // @ts-expect-error and path parameters
    await strict.GET(tfjobPath, { params: { path: { namespace: "kube-test" } } });
  });

  test("a boolean that is not literally true gives the returning client", () => {
    const flag = process.env.STRICT === "1";
    expectTypeOf(createClient({ baseUrl: "", throwOnError: flag })).toEqualTypeOf<TrainjobsClient>();
  });
});

describe("helpers", () => {
  test("ListPath is the Kubernetes lists; paginate and watch yield their items", async () => {
    expectTypeOf<ListPath>().toEqualTypeOf<
      Extract<
        PathsWith<"get">,
        | `/apis/${string}/namespaces/{namespace}/${"tfjobs" | "pytorchjobs" | "mxjobs" | "jobs"}`
        | `/apis/${string}/v1/${"tfjobs" | "pytorchjobs" | "mxjobs" | "jobs"}`
      >
    >();
    expectTypeOf<Same<ListItem<"/apis/batch/v1/jobs">, Job>>().toEqualTypeOf<true>();
    for await (const job of paginate(api, "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
      params: { path: { namespace: "n" }, query: { labelSelector: "app=x" } },
    })) {
      expectTypeOf<Same<typeof job, TFJob>>().toEqualTypeOf<true>();
      expectTypeOf(job.metadata.name).toEqualTypeOf<string | undefined>();
    }
    const events = watch(api, "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
      params: { path: { namespace: "n" } },
    });
    expectTypeOf<Same<typeof events, AsyncGenerator<WatchEvent<TFJob>, void, undefined>>>().toEqualTypeOf<true>();
    await events.return();
    const ev = {} as WatchEvent<TFJob>;
    if (ev.type === "MODIFIED") expectTypeOf(ev.object).toEqualTypeOf<TFJob>();
    if (ev.type === "ERROR") expectTypeOf(ev.object).toEqualTypeOf<Status>();
  });

  test("the helpers check their paths and parameters", () => {
    // @ts-expect-error a ModelArts list pages by page/per_page, not limit/continue
    paginate(api, "/v1/{project_id}/training-jobs", { params: { path: { project_id: "p" } } });
    // @ts-expect-error an object path is not a list
    paginate(api, tfjobPath, { params });
    // @ts-expect-error the namespace is required
    paginate(api, "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs");
    // @ts-expect-error the namespace is required
    watch(api, "/apis/batch/v1/namespaces/{namespace}/jobs", { params: { path: {} } });
  });
});
