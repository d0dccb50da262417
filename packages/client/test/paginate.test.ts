import { describe, expect, test } from "vitest";
import { ApiError, defaultPageSize, paginate, type TFJob } from "../src/index.js";
import { observedClient, status, tfjob } from "./observe.js";

const listPath = "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs" as const;

/** A Kubernetes list endpoint over `total` TFJobs, paged by limit and an opaque continue token. */
function listServer(total: number) {
  const jobs = Array.from({ length: total }, (_, i) => tfjob(`job-${String(i).padStart(4, "0")}`));
  return (request: Request) => {
    const url = new URL(request.url);
    const limit = Number(url.searchParams.get("limit") ?? total) || total;
    const token = url.searchParams.get("continue");
    if (token === "expired") return status(410, "Expired", "the provided continue parameter is too old");
    const from = token ? Number(atob(token)) : 0;
    const page = jobs.slice(from, from + limit);
    const next = from + limit < total ? btoa(String(from + limit)) : undefined;
    return Response.json({
      apiVersion: "kubeflow.org/v1",
      kind: "TFJobList",
      metadata: {
        resourceVersion: "42",
        ...(next ? { continue: next, remainingItemCount: total - from - limit } : {}),
      },
      items: page,
    });
  };
}

describe("paginate", () => {
  test("yields every object of a few hundred across pages, in order, each exactly once", async () => {
    const { api, seen } = observedClient(listServer(347));
    const names: string[] = [];
    for await (const job of paginate(api, listPath, {
      params: { path: { namespace: "kube-test" }, query: { limit: 50, labelSelector: "app=mnist" } },
    })) {
      names.push(job.metadata.name!);
    }
    expect(names).toHaveLength(347);
    expect(new Set(names).size).toBe(347);
    expect(names[0]).toBe("job-0000");
    expect(names.at(-1)).toBe("job-0346");
    expect(seen).toHaveLength(7); // ceil(347 / 50)
    // Each page repeats the caller's query and carries the previous page's token.
    for (const [i, s] of seen.entries()) {
      expect(s.url.pathname).toBe("/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs");
      expect(s.url.searchParams.get("labelSelector")).toBe("app=mnist");
      expect(s.url.searchParams.get("limit")).toBe("50");
      expect(s.url.searchParams.get("continue")).toBe(i === 0 ? null : btoa(String(i * 50)));
    }
  });

  test("asks for pages of defaultPageSize when no limit is given", async () => {
    const { api, seen } = observedClient(listServer(1234));
    let n = 0;
    for await (const _ of paginate(api, listPath, { params: { path: { namespace: "kube-test" } } })) n++;
    expect(n).toBe(1234);
    expect(seen.map((s) => s.url.searchParams.get("limit"))).toEqual(Array(3).fill(String(defaultPageSize)));
  });

  test("an empty list yields nothing after one request; the all-namespaces list needs no init", async () => {
    const { api, seen } = observedClient(listServer(0));
    const all: TFJob[] = [];
    for await (const job of paginate(api, "/apis/kubeflow.org/v1/tfjobs")) all.push(job);
    expect(all).toEqual([]);
    expect(seen).toHaveLength(1);
  });

  test("break stops asking for pages", async () => {
    const { api, seen } = observedClient(listServer(300));
    let n = 0;
    for await (const _ of paginate(api, listPath, {
      params: { path: { namespace: "kube-test" }, query: { limit: 100 } },
    })) {
      if (++n === 150) break;
    }
    expect(seen).toHaveLength(2);
  });

  test("a failed page throws ApiError with the Status (410 on an expired continue token)", async () => {
    const { api } = observedClient(listServer(10));
    const pages = paginate(api, listPath, {
      params: { path: { namespace: "kube-test" }, query: { continue: "expired" } },
    });
    const err = await pages.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 410, body: { reason: "Expired" } });
  });

  test("works with a throwOnError client", async () => {
    const { api } = observedClient(listServer(120), { throwOnError: true });
    let n = 0;
    for await (const _ of paginate(api, listPath, {
      params: { path: { namespace: "kube-test" }, query: { limit: 25 } },
    }))
      n++;
    expect(n).toBe(120);
  });
});
