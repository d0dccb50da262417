// Connection errors and timeouts over real sockets, no fetch mocked: a port nobody listens on, and
// a node:http server that takes requests and never answers them. Nothing here waits for a guessed
// time: each test waits for a state (a request arrived, a promise settled) or for the client's own
// timeout, which is what is under test.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test, vi } from "vitest";
import { ApiConnectionError, ApiError, ApiTimeoutError, createClient, type RetryOptions } from "../src/index.js";

const tfjobPath = "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}" as const;
const params = { path: { namespace: "n", name: "x" } };

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server answering with `handler`; `arrived` lists the requests as they come in. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  const arrived: IncomingMessage[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    arrived.push(req);
    handler(req, res, arrived.length);
    for (const wake of waiters.splice(0)) wake();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  /** Resolves once `n` requests have arrived. */
  const until = async (n: number) => {
    while (arrived.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { url: `http://127.0.0.1:${port}`, arrived, until };
}

/** A loopback URL on which nothing listens: a port the system gave us, closed again. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** Retry options whose backoffs are recorded instead of waited. */
function recorded(options: RetryOptions = {}) {
  const sleeps: number[] = [];
  return { sleeps, retry: { ...options, sleep: async (ms: number) => void sleeps.push(ms) } };
}

const never = () => {}; // a handler that never answers

describe("a refused connection", () => {
  test("throws ApiConnectionError with the cause kept, after the retries of an idempotent request", async () => {
    const baseUrl = await closedPort();
    const { sleeps, retry } = recorded({ attempts: 3 });
    const api = createClient({ baseUrl, retry });
    const error = await api.GET("/apis").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiConnectionError);
    expect(error).not.toBeInstanceOf(ApiTimeoutError);
    expect(error).not.toBeInstanceOf(ApiError);
    const e = error as ApiConnectionError;
    expect(e.name).toBe("ApiConnectionError");
    expect(e.code).toBe("ECONNREFUSED");
    expect(e.cause).toBeInstanceOf(TypeError); // undici's "fetch failed"
    expect(e.message).toContain(`GET ${baseUrl}/apis`);
    expect(e.message).toContain("ECONNREFUSED");
    expect(sleeps).toHaveLength(2); // three attempts
  });

  test("a POST or PATCH is not retried", async () => {
    const baseUrl = await closedPort();
    const { sleeps, retry } = recorded();
    const api = createClient({ baseUrl, retry });
    await expect(api.PATCH(tfjobPath, { params, body: {} })).rejects.toBeInstanceOf(ApiConnectionError);
    await expect(
      api.POST("/v1/{project_id}/training-jobs", {
        params: { path: { project_id: "p" } },
        body: { job_name: "j", config: { worker_server_num: 1 } },
      }),
    ).rejects.toBeInstanceOf(ApiConnectionError);
    expect(sleeps).toEqual([]);
  });

  test("without retries, and on the throwing client, it is the same error", async () => {
    const baseUrl = await closedPort();
    const api = createClient({ baseUrl, retry: false, throwOnError: true });
    await expect(api.GET(tfjobPath, { params })).rejects.toMatchObject({
      name: "ApiConnectionError",
      code: "ECONNREFUSED",
    });
  });
});

describe("retries over the network", () => {
  test("a retried PUT sends its whole body on every attempt, and its per-request timeout", async () => {
    const bodies: string[] = [];
    const server = await serve((req, res, n) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        body += chunk;
      });
      req.on("end", () => {
        bodies.push(body);
        if (n === 1) res.writeHead(503, { "Content-Type": "application/json" }).end("{}");
        else if (n === 2)
          return; // never answered: the request's timeout ends this attempt
        else res.writeHead(200, { "Content-Type": "application/json" }).end(body);
      });
    });
    const api = createClient({ baseUrl: server.url, retry: recorded({ attempts: 3 }).retry, timeout: 0 });
    const job_desc = "x".repeat(1000);
    const { response } = await api.PUT("/v1/{project_id}/training-jobs/{job_id}", {
      params: { path: { project_id: "p", job_id: 1 } },
      body: { job_desc },
      timeout: 200,
    });
    expect(response.status).toBe(200);
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0]!)).toEqual({ job_desc });
  });
});

describe("a server that never answers", () => {
  test("the client-wide timeout throws ApiTimeoutError, after the retries of a GET", async () => {
    const server = await serve(never);
    const { sleeps, retry } = recorded({ attempts: 2 });
    const api = createClient({ baseUrl: server.url, retry, timeout: 100 });
    const error = await api.GET(tfjobPath, { params }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTimeoutError);
    expect(error).toBeInstanceOf(ApiConnectionError); // a kind of connection error
    expect((error as ApiTimeoutError).timeout).toBe(100);
    expect((error as ApiTimeoutError).message).toContain("within 100 ms");
    expect(server.arrived).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  test("a timed-out attempt is retried, and the next answer returned", async () => {
    const server = await serve((_req, res, n) => {
      if (n > 1) res.writeHead(200, { "Content-Type": "application/json" }).end('{"kind":"APIGroupList","groups":[]}');
    });
    const api = createClient({ baseUrl: server.url, retry: recorded().retry, timeout: 100 });
    const { data, response } = await api.GET("/apis");
    expect(response.status).toBe(200);
    expect(data?.kind).toBe("APIGroupList");
    expect(server.arrived).toHaveLength(2);
  });

  test("a request's timeout wins over the client's, also when the client has none", async () => {
    const server = await serve(never);
    for (const timeout of [0, 60_000]) {
      const api = createClient({ baseUrl: server.url, retry: false, timeout });
      const error = await api.GET("/apis", { timeout: 50 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiTimeoutError);
      expect((error as ApiTimeoutError).timeout).toBe(50);
    }
    // The per-request timeout survives the retry loop's clones of the request.
    const { sleeps, retry } = recorded({ attempts: 3 });
    const api = createClient({ baseUrl: server.url, retry, timeout: 0 });
    await expect(api.GET("/apis", { timeout: 50 })).rejects.toMatchObject({ name: "ApiTimeoutError", timeout: 50 });
    expect(sleeps).toHaveLength(2);
    expect(server.arrived).toHaveLength(5);
  });

  test("a PATCH times out once, not retried", async () => {
    const server = await serve(never);
    const api = createClient({ baseUrl: server.url, retry: recorded().retry, timeout: 50 });
    await expect(api.PATCH(tfjobPath, { params, body: { spec: { cleanPodPolicy: "All" } } })).rejects.toBeInstanceOf(
      ApiTimeoutError,
    );
    expect(server.arrived).toHaveLength(1);
  });

  test("the caller's signal, combined with the timeout, aborts as itself and is not retried", async () => {
    const server = await serve(never);
    const { sleeps, retry } = recorded();
    const api = createClient({ baseUrl: server.url, retry, timeout: 60_000 });
    const controller = new AbortController();
    const pending = api.GET("/apis", { signal: controller.signal }).catch((e: unknown) => e);
    await server.until(1);
    controller.abort();
    const error = await pending;
    expect(error).not.toBeInstanceOf(ApiConnectionError);
    expect(error).toMatchObject({ name: "AbortError" });
    expect(sleeps).toEqual([]);
    expect(server.arrived).toHaveLength(1);
  });

  test("the timeout bounds the wait for the headers, not the body", async () => {
    let finish = () => {};
    const server = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"kind":"APIGroupList",');
      finish = () => res.end('"groups":[]}');
    });
    // The client's clock is ours: its timer fires only when we move time, so that a loaded machine
    // (headers arriving late in real time) cannot make the timeout fire before the headers.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let headersArrived = () => {};
      const arrived = new Promise<void>((resolve) => (headersArrived = resolve));
      const api = createClient({
        baseUrl: server.url,
        retry: false,
        timeout: 50,
        fetch: async (request: Request, init?: RequestInit) => {
          const response = await globalThis.fetch(request, init);
          headersArrived();
          return response;
        },
      });
      const pending = api.GET("/apis");
      await arrived;
      // Let the client's own continuation of that fetch run (it clears its timer) before time moves.
      await new Promise((resolve) => setImmediate(resolve));
      // Outlive the timeout while the body is still open.
      vi.advanceTimersByTime(150);
      finish();
      const { data } = await pending;
      expect(data).toEqual({ kind: "APIGroupList", groups: [] });
    } finally {
      vi.useRealTimers();
    }
  });
});
