import { afterEach, describe, expect, test, vi } from "vitest";
import { createClient, type RetryOptions, retryAfterMs } from "../src/index.js";
import { baseUrl, observedClient, observedFetch, status, tfjob, tfjobPath } from "./observe.js";

const params = { path: { namespace: "kube-test", name: "tfjob-test" } };
const unavailable = () => status(503, "ServiceUnavailable", "try again");

/** A client whose backoff sleeps are recorded instead of waited. */
function retrying(handler: Parameters<typeof observedClient>[0], retry: RetryOptions = {}) {
  const delays: number[] = [];
  const client = observedClient(handler, {
    retry: { ...retry, sleep: async (ms: number) => void delays.push(ms) },
  });
  return { ...client, delays };
}

describe("what is retried", () => {
  test("a GET answered 503 is sent again and its success returned", async () => {
    const { api, seen } = retrying((_r, _s, call) => (call < 3 ? unavailable() : Response.json(tfjob("tfjob-test"))));
    const { data, error } = await api.GET(tfjobPath, { params });
    expect(error).toBeUndefined();
    expect(data?.metadata.name).toBe("tfjob-test");
    expect(seen).toHaveLength(3);
  });

  test("after `attempts` tries the last failure is returned", async () => {
    const { api, seen, delays } = retrying(() => status(500, "InternalError", "boom"), { attempts: 4 });
    const { error, response } = await api.GET(tfjobPath, { params });
    expect(response.status).toBe(500);
    expect(error?.reason).toBe("InternalError");
    expect(seen).toHaveLength(4);
    expect(delays).toHaveLength(3);
  });

  test("connection errors are retried on GET, and the last one is thrown", async () => {
    const { api, seen } = retrying(() => {
      throw new TypeError("fetch failed");
    });
    await expect(api.GET("/apis")).rejects.toThrow("fetch failed");
    expect(seen).toHaveLength(3);
  });

  test("a connection error then a success", async () => {
    const { api, seen } = retrying((_r, _s, call) => {
      if (call === 1) throw new TypeError("fetch failed");
      return Response.json({ kind: "APIGroupList", apiVersion: "v1", groups: [] });
    });
    const { data } = await api.GET("/apis");
    expect(data?.kind).toBe("APIGroupList");
    expect(seen).toHaveLength(2);
  });

  test("PUT and DELETE are retried, each attempt re-sending the whole body", async () => {
    const { api, seen } = retrying((_r, _s, call) =>
      call % 2 === 1 ? unavailable() : Response.json(tfjob("tfjob-test")),
    );
    await api.PUT(tfjobPath, { params, body: tfjob("tfjob-test") });
    await api.DELETE(tfjobPath, { params, body: { propagationPolicy: "Foreground" } });
    expect(seen.map((s) => s.method)).toEqual(["PUT", "PUT", "DELETE", "DELETE"]);
    expect(seen[1]!.body).toBe(seen[0]!.body);
    expect(JSON.parse(seen[1]!.body)).toEqual(tfjob("tfjob-test"));
    expect(JSON.parse(seen[3]!.body)).toEqual({ propagationPolicy: "Foreground" });
  });

  test("4xx answers are not retried (409, 404, 400)", async () => {
    for (const code of [400, 404, 409, 422]) {
      const { api, seen } = retrying(() => status(code, "X", "no"));
      await api.GET(tfjobPath, { params });
      expect(seen).toHaveLength(1);
    }
  });

  test("POST and PATCH are not retried by default, neither on 503 nor on a connection error", async () => {
    const { api, seen } = retrying(unavailable);
    const create = await api.POST("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
      params: { path: { namespace: "kube-test" } },
      body: tfjob("tfjob-test"),
    });
    const patch = await api.PATCH(tfjobPath, { params, body: {} });
    expect([create.response.status, patch.response.status]).toEqual([503, 503]);
    expect(seen.map((s) => s.method)).toEqual(["POST", "PATCH"]);

    const down = retrying(() => {
      throw new TypeError("fetch failed");
    });
    await expect(down.api.PATCH(tfjobPath, { params, body: {} })).rejects.toThrow("fetch failed");
    expect(down.seen).toHaveLength(1);
  });

  test("POST and PATCH are retried when the caller opts in, with the same body each time", async () => {
    const { api, seen } = retrying((_r, _s, call) => (call < 3 ? unavailable() : Response.json(tfjob("tfjob-test"))), {
      methods: ["GET", "post", "PATCH"], // any case
    });
    const created = await api.POST("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
      params: { path: { namespace: "kube-test" } },
      body: tfjob("tfjob-test"),
    });
    expect(created.response.status).toBe(200);
    await api.PATCH(tfjobPath, { params, body: { metadata: { labels: { a: "b" } } } });
    expect(seen.map((s) => s.method)).toEqual(["POST", "POST", "POST", "PATCH"]);
    // Two clones, then the original request on the last attempt: the same body every time.
    expect(seen[0]!.body.length).toBeGreaterThan(50);
    expect(seen[1]!.body).toBe(seen[0]!.body);
    expect(seen[2]!.body).toBe(seen[0]!.body);
    expect(seen[3]!.headers.get("content-type")).toBe("application/merge-patch+json");
  });

  test("retry: false and attempts: 1 send once", async () => {
    for (const retry of [false, { attempts: 1 }] as const) {
      const { fetch, seen } = observedFetch(unavailable);
      const api = createClient({ baseUrl: baseUrl, fetch, retry });
      expect((await api.GET("/apis")).response.status).toBe(503);
      expect(seen).toHaveLength(1);
    }
  });
});

describe("how long it waits", () => {
  test("full jitter: retry n waits in [0, min(maxDelayMs, baseDelayMs * 2^n))", async () => {
    const baseDelayMs = 100;
    const maxDelayMs = 1000;
    const attempts = 8;
    const byRetry: number[][] = Array.from({ length: attempts - 1 }, () => []);
    for (let run = 0; run < 50; run++) {
      const { api, delays } = retrying(unavailable, { attempts, baseDelayMs, maxDelayMs });
      await api.GET("/apis");
      expect(delays).toHaveLength(attempts - 1);
      for (const [n, d] of delays.entries()) byRetry[n]!.push(d);
    }
    byRetry.forEach((ds, n) => {
      const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** n);
      for (const d of ds) {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(cap);
      }
      // Jittered, not constant: 50 draws spread over the window.
      expect(Math.max(...ds) - Math.min(...ds)).toBeGreaterThan(cap / 4);
    });
    // Capped: the late retries never wait longer than maxDelayMs however many came before.
    expect(Math.max(...byRetry.flat())).toBeLessThan(maxDelayMs);
  });

  test("429 with Retry-After in seconds waits exactly that", async () => {
    const { api, seen, delays } = retrying((_r, _s, call) =>
      call === 1
        ? new Response(null, { status: 429, headers: { "Retry-After": "2" } })
        : Response.json({ kind: "APIGroupList", apiVersion: "v1", groups: [] }),
    );
    const { response } = await api.GET("/apis");
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(delays).toEqual([2000]);
  });

  test("Retry-After as an HTTP date waits until then", async () => {
    const at = new Date(Date.now() + 5_000).toUTCString();
    const { api, delays } = retrying((_r, _s, call) =>
      call === 1 ? new Response(null, { status: 503, headers: { "Retry-After": at } }) : Response.json({}),
    );
    await api.GET("/apis");
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(3_000);
    expect(delays[0]).toBeLessThanOrEqual(5_000);
  });

  test("a 429 without Retry-After backs off with jitter", async () => {
    const { api, seen, delays } = retrying(() => new Response(null, { status: 429 }), { baseDelayMs: 10 });
    await api.GET("/apis");
    expect(seen).toHaveLength(3);
    expect(delays[0]).toBeLessThan(10);
    expect(delays[1]).toBeLessThan(20);
  });

  test("a Retry-After longer than maxRetryAfterMs hands the 429 back at once", async () => {
    const { api, seen, delays } = retrying(
      () => new Response(null, { status: 429, headers: { "Retry-After": "3600" } }),
      {
        maxRetryAfterMs: 60_000,
      },
    );
    const { response } = await api.GET("/apis");
    expect(response.status).toBe(429);
    expect(seen).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  test("retryAfterMs reads delta-seconds and HTTP dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("0", now)).toBe(0);
    expect(retryAfterMs(" 120 ", now)).toBe(120_000);
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
  });
});

describe("with real timers faked", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  test("the default sleep waits for the backoff before the next attempt", async () => {
    vi.useFakeTimers();
    const { fetch, seen } = observedFetch((_r, _s, call) => (call === 1 ? unavailable() : Response.json({})));
    const api = createClient({ baseUrl: baseUrl, fetch, retry: { baseDelayMs: 1000 } });
    const pending = api.GET("/apis");
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000); // the first backoff is below baseDelayMs
    expect(seen).toHaveLength(2);
    expect((await pending).response.status).toBe(200);
  });

  test("aborting during the backoff rejects at once and sends nothing more", async () => {
    vi.useFakeTimers();
    const { fetch, seen } = observedFetch(unavailable);
    const api = createClient({ baseUrl: baseUrl, fetch, retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    const controller = new AbortController();
    vi.spyOn(Math, "random").mockReturnValue(0.5); // a 30 s backoff, so the abort lands inside it
    const pending = api.GET("/apis", { signal: controller.signal });
    const outcome = pending.then(
      () => "resolved",
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen).toHaveLength(1);
    controller.abort();
    expect(await outcome).toMatchObject({ name: "AbortError" });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(seen).toHaveLength(1);
  });
});
