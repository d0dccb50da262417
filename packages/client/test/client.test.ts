import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, test } from "vitest";
import { ApiError, createClient, type Middleware, mergePatch } from "../src/index.js";
import { baseUrl, observedClient, status, tfjob, tfjobPath } from "./observe.js";

const params = { path: { namespace: "kube-test", name: "tfjob-test" } };

describe("request media type", () => {
  test("a PATCH goes as application/merge-patch+json without the caller saying so", async () => {
    const { api, seen } = observedClient(() => Response.json(tfjob("tfjob-test")));
    const { data, error, response } = await api.PATCH(tfjobPath, {
      params,
      body: { metadata: { labels: { app: "test" } } },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(data?.metadata.name).toBe("tfjob-test");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe("PATCH");
    expect(seen[0]!.url.href).toBe(`${baseUrl}/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/tfjob-test`);
    expect(seen[0]!.headers.get("content-type")).toBe(mergePatch);
    expect(JSON.parse(seen[0]!.body)).toEqual({ metadata: { labels: { app: "test" } } });
  });

  test("api.request('patch') and a /status PATCH are merge patches too", async () => {
    const { api, seen } = observedClient(() => Response.json(tfjob("tfjob-test")));
    await api.request("patch", tfjobPath, { params, body: { spec: { cleanPodPolicy: "None" } } });
    await api.PATCH("/apis/batch/v1/namespaces/{namespace}/jobs/{name}/status", {
      params,
      body: { status: { active: 1 } },
    });
    expect(seen.map((s) => s.headers.get("content-type"))).toEqual([mergePatch, mergePatch]);
  });

  test("POST, PUT and DELETE with a body go as application/json; GET sends no Content-Type", async () => {
    const { api, seen } = observedClient(() => Response.json(tfjob("tfjob-test")));
    const job = tfjob("tfjob-test");
    await api.POST("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
      params: { path: { namespace: "kube-test" } },
      body: job,
    });
    await api.PUT(tfjobPath, { params, body: job });
    await api.DELETE(tfjobPath, { params, body: { propagationPolicy: "Background" } });
    await api.GET(tfjobPath, { params });
    expect(seen.map((s) => [s.method, s.headers.get("content-type")])).toEqual([
      ["POST", "application/json"],
      ["PUT", "application/json"],
      ["DELETE", "application/json"],
      ["GET", null],
    ]);
  });

  test("a Content-Type the caller chose is kept (to see the server's 415, say)", async () => {
    const { api, seen } = observedClient(() =>
      status(415, "UnsupportedMediaType", "the body of the request was in an unknown format"),
    );
    const { error } = await api.PATCH(tfjobPath, {
      params,
      body: { metadata: { labels: { app: "x" } } },
      headers: { "Content-Type": "application/json-patch+json" },
    });
    expect(seen[0]!.headers.get("content-type")).toBe("application/json-patch+json");
    expect(error?.reason).toBe("UnsupportedMediaType");
  });

  test("the caller's middleware runs after the client's and sees the final headers", async () => {
    const { api, seen } = observedClient(() => Response.json(tfjob("x")), { token: "t0k" });
    const observed: (string | null)[] = [];
    const mine: Middleware = {
      onRequest({ request }) {
        observed.push(request.headers.get("content-type"), request.headers.get("authorization"));
        request.headers.set("X-Trace", "1");
      },
    };
    api.use(mine);
    await api.PATCH(tfjobPath, { params, body: {} });
    expect(observed).toEqual([mergePatch, "Bearer t0k"]);
    expect(seen[0]!.headers.get("x-trace")).toBe("1");
  });
});

describe("auth", () => {
  test("a token goes as Authorization: Bearer", async () => {
    const { api, seen } = observedClient(() => Response.json({}), { token: "abc" });
    await api.GET("/apis");
    expect(seen[0]!.headers.get("authorization")).toBe("Bearer abc");
    expect(seen[0]!.headers.has("x-auth-token")).toBe(false);
  });

  test("authScheme x-auth-token sends X-Auth-Token and no Authorization", async () => {
    const { api, seen } = observedClient(() => Response.json({}), { token: "abc", authScheme: "x-auth-token" });
    await api.GET("/v1/{project_id}/training-jobs", { params: { path: { project_id: "p1" } } });
    expect(seen[0]!.headers.get("x-auth-token")).toBe("abc");
    expect(seen[0]!.headers.has("authorization")).toBe(false);
  });

  test("no token (an unset environment variable), no credentials", async () => {
    const { api, seen } = observedClient(() => Response.json({}), { token: undefined });
    await api.GET("/apis");
    expect(seen[0]!.headers.has("authorization")).toBe(false);
  });

  test("a token function is asked before each request", async () => {
    let n = 0;
    const { api, seen } = observedClient(() => Response.json({}), { token: async () => `t${++n}` });
    await api.GET("/apis");
    await api.GET("/apis");
    expect(seen.map((s) => s.headers.get("authorization"))).toEqual(["Bearer t1", "Bearer t2"]);
  });

  test("an Authorization header given on the request wins; client headers are sent", async () => {
    const { api, seen } = observedClient(() => Response.json({}), {
      token: "abc",
      headers: { "User-Agent": "tj-test/1" },
    });
    await api.GET("/apis", { headers: { Authorization: "Bearer other" } });
    expect(seen[0]!.headers.get("authorization")).toBe("Bearer other");
    expect(seen[0]!.headers.get("user-agent")).toBe("tj-test/1");
  });
});

describe("errors", () => {
  test("by default a failure is returned as the typed error, the Status", async () => {
    const { api } = observedClient(() => status(404, "NotFound", 'tfjobs.kubeflow.org "nope" not found'));
    const { data, error, response } = await api.GET(tfjobPath, {
      params: { path: { namespace: "kube-test", name: "nope" } },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ kind: "Status", reason: "NotFound", code: 404 });
  });

  test("throwOnError throws ApiError with the status, the typed body and the response", async () => {
    const { api } = observedClient(() => status(409, "Conflict", "the object has been modified"), {
      throwOnError: true,
    });
    const failure = await api
      .PATCH(tfjobPath, { params, body: { metadata: { resourceVersion: "1" } } })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    const err = failure as ApiError;
    expect(err.name).toBe("ApiError");
    expect(err.status).toBe(409);
    expect(err.response.status).toBe(409);
    expect(err.body).toMatchObject({ kind: "Status", reason: "Conflict" });
    expect(err.message).toBe("409 Conflict: the object has been modified");
    // Logged errors show status and body; the Response stays reachable but is not enumerated.
    expect(Object.keys(err).sort()).toEqual(["body", "name", "status"]);
  });

  test("throwOnError: the ModelArts error body under /v1/", async () => {
    const { api } = observedClient(
      () =>
        Response.json(
          { is_success: false, error_code: "ModelArts.0102", error_message: "no such job" },
          { status: 404 },
        ),
      { throwOnError: true },
    );
    const err = (await api
      .DELETE("/v1/{project_id}/training-jobs/{job_id}", { params: { path: { project_id: "p1", job_id: 7 } } })
      .catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(404);
    expect(err.body).toMatchObject({ error_code: "ModelArts.0102" });
    expect(err.message).toBe("404 ModelArts.0102: no such job");
  });

  test("throwOnError: a success returns data; an empty or non-JSON failure still throws", async () => {
    let answer = () => Response.json(tfjob("ok"));
    const { api } = observedClient(() => answer(), { throwOnError: true, retry: false });
    const { data } = await api.GET(tfjobPath, { params });
    expect(data.metadata.name).toBe("ok"); // data, not data?: the throwing client's result
    answer = () => new Response(null, { status: 502, headers: { "Content-Length": "0" } });
    await expect(api.GET(tfjobPath, { params })).rejects.toMatchObject({ status: 502, body: undefined });
    answer = () => new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" });
    await expect(api.GET(tfjobPath, { params })).rejects.toThrow("502 <html>bad gateway</html>");
  });
});

describe("the default fetch", () => {
  test("without an injected fetch, the client reaches a real HTTP server over loopback", async () => {
    const requests: { method?: string; url?: string; headers: IncomingMessage["headers"]; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        requests.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(tfjob("tfjob-test")));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const api = createClient({ baseUrl: `http://127.0.0.1:${port}`, token: "s3cret" });
      const { data } = await api.PATCH(tfjobPath, { params, body: { metadata: { labels: { app: "test" } } } });
      expect(data?.kind).toBe("TFJob");
      expect(requests).toMatchObject([
        {
          method: "PATCH",
          url: "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/tfjob-test",
          headers: { "content-type": mergePatch, authorization: "Bearer s3cret" },
          body: '{"metadata":{"labels":{"app":"test"}}}',
        },
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
