// Dev mode (`npm run dev`, TRAINJOBS_DEV=1): an operation that is in the spec but has no handler
// yet answers its documented example, marked with a `Warning: 199` header (as Prism does); outside
// dev mode it answers 501 in its family's error format. And the docs page reloads itself when the
// docs are rebuilt.
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { afterAll, describe, expect, test } from "vitest";
import { createServer } from "../src/app.js";
import { TokenTable } from "../src/http/auth.js";
import { openStore, type Store } from "../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "trainjobs-dev-"));
const stores: Store[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const pathParam = (name: string) => ({ name, in: "path", required: true, schema: { type: "string" } });
const logExample = { lines: ["step 1", "step 2"] };
const versionsExample = { is_success: true, versions: [] };

/** The bundle plus three operations without handlers: two with examples, one without. */
function documentWithNewOperations(): string {
  const bundle = JSON.parse(
    readFileSync(createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json"), "utf8"),
  );
  bundle.components.examples.TFJobLogExample = { value: logExample };
  bundle.paths["/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}/log"] = {
    get: {
      operationId: "readNamespacedTFJobLog",
      parameters: [pathParam("namespace"), pathParam("name")],
      responses: {
        "404": { description: "Not found." },
        "200": {
          description: "The log.",
          content: {
            "application/json": {
              schema: { type: "object" },
              examples: { log: { $ref: "#/components/examples/TFJobLogExample" }, other: { value: {} } },
            },
          },
        },
      },
    },
  };
  bundle.paths["/v1/{project_id}/training-jobs/{job_id}/metrics"] = {
    get: {
      operationId: "readTrainingJobMetrics",
      parameters: [pathParam("project_id"), pathParam("job_id")],
      responses: {
        "201": {
          description: "The metrics.",
          content: { "application/json": { schema: { type: "object" }, example: versionsExample } },
        },
      },
    },
    delete: {
      operationId: "deleteTrainingJobMetrics",
      parameters: [pathParam("project_id"), pathParam("job_id")],
      responses: { "200": { description: "Deleted.", content: { "application/json": { schema: {} } } } },
    },
  };
  const documentPath = join(dir, "openapi.json");
  writeFileSync(documentPath, JSON.stringify(bundle));
  return documentPath;
}

async function server(dev: boolean, docsPath?: string) {
  const store = await openStore("sqlite::memory:");
  stores.push(store);
  return createServer({
    store,
    dev,
    documentPath: documentWithNewOperations(),
    ...(docsPath ? { docsPath } : {}),
    tokens: new TokenTable().add("t", { name: "admin", uid: "a", groups: ["system:masters"] }),
  });
}

describe("an operation without a handler", () => {
  test("in dev mode answers its first success response's first example, with a Warning header", async () => {
    const app = await server(true);
    const kube = await request(app)
      .get("/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/x/log")
      .set("Authorization", "Bearer t");
    expect(kube.status).toBe(200);
    expect(kube.headers["content-type"]).toMatch(/^application\/json/);
    expect(kube.headers.warning).toBe('199 - "mock response: operation readNamespacedTFJobLog has no handler"');
    expect(kube.body).toEqual(logExample);

    const modelArts = await request(app).get("/v1/proj-a/training-jobs/1/metrics").set("Authorization", "Bearer t");
    expect(modelArts.status).toBe(201);
    expect(modelArts.headers.warning).toBe('199 - "mock response: operation readTrainingJobMetrics has no handler"');
    expect(modelArts.body).toEqual(versionsExample);
  });

  test("in dev mode, with no example to answer, still answers 501 and says why", async () => {
    const app = await server(true);
    const res = await request(app).delete("/v1/proj-a/training-jobs/1/metrics").set("Authorization", "Bearer t");
    expect(res.status).toBe(501);
    expect(res.headers.warning).toBeUndefined();
    expect(res.body).toMatchObject({ is_success: false });
    expect(res.body.error_message).toContain("no success response with an example");
  });

  test("outside dev mode answers 501 in its family's format, without a Warning", async () => {
    const app = await server(false);
    const kube = await request(app)
      .get("/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/x/log")
      .set("Authorization", "Bearer t");
    expect(kube.status).toBe(501);
    expect(kube.headers.warning).toBeUndefined();
    expect(kube.body).toMatchObject({ kind: "Status", reason: "NotImplemented", code: 501 });
    expect(kube.body.message).toContain("readNamespacedTFJobLog");

    const modelArts = await request(app).get("/v1/proj-a/training-jobs/1/metrics").set("Authorization", "Bearer t");
    expect(modelArts.status).toBe(501);
    expect(modelArts.headers.warning).toBeUndefined();
    expect(modelArts.body).toMatchObject({ is_success: false, error_code: "ModelArts.0010" });
    expect(modelArts.body.error_message).toContain("readTrainingJobMetrics");
  });
});

/** The next `build` event of /docs/_live, reading the stream until one satisfies `accept`. */
function nextBuild(res: http.IncomingMessage, accept: (id: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let buffer = "";
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      for (const match of buffer.matchAll(/event: build\ndata: (\S+)\n\n/g)) {
        if (accept(match[1] ?? "")) {
          res.off("data", onData);
          resolve(match[1] ?? "");
          return;
        }
      }
    };
    res.on("data", onData);
  });
}

/** The next `status` event's text (JSON-decoded) that satisfies `accept`. */
function nextStatus(res: http.IncomingMessage, accept: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let buffer = "";
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      for (const match of buffer.matchAll(/event: status\ndata: (.*)\n\n/g)) {
        const text = JSON.parse(match[1] ?? '""') as string;
        if (accept(text)) {
          res.off("data", onData);
          resolve(text);
          return;
        }
      }
      buffer = buffer.slice(buffer.lastIndexOf("\n\n") + 2);
    };
    res.on("data", onData);
  });
}

describe("the docs page", () => {
  test("in dev mode carries the live-reload script and hears a rebuild on /docs/_live", async () => {
    const docs = join(dir, "docs");
    rmSync(docs, { recursive: true, force: true });
    const docsPath = join(docs, "index.html");
    await import("node:fs").then((fs) => fs.mkdirSync(docs, { recursive: true }));
    // Redoc's inlined script holds "</body>" too: the live script goes before the page's own end.
    writeFileSync(docsPath, '<html><body><script>var s = "</body>";</script>first</body></html>');
    const app = await server(true, docsPath);
    const page = await request(app).get("/docs");
    expect(page.text).toContain("first");
    expect(page.text.indexOf("/docs/_live")).toBeGreaterThan(page.text.indexOf("first"));
    const id = /var id="([^"]+)"/.exec(page.text)?.[1];
    expect(id).toBeTruthy();
    expect(page.text).toContain('new EventSource("/docs/_live")');
    expect(page.text).toContain("Stale: the last edit does not build");

    const listener = http.createServer(app);
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const { port } = listener.address() as AddressInfo;
    const stream = await new Promise<http.IncomingMessage>((resolve) =>
      http.get(`http://127.0.0.1:${port}/docs/_live`, resolve),
    );
    expect(stream.headers["content-type"]).toBe("text/event-stream");
    expect(await nextBuild(stream, () => true)).toBe(id);

    // A rebuild replaces the page in one rename, as apps/docs/scripts/build.mjs does.
    const changed = nextBuild(stream, (next) => next !== id);
    writeFileSync(join(docs, "index.next.html"), "<html><body>second, longer</body></html>");
    renameSync(join(docs, "index.next.html"), docsPath);
    const newId = await changed;
    expect((await request(app).get("/docs")).text).toContain(`var id="${newId}"`);

    // The dev loop's last error makes the page say it is stale; an empty status clears it.
    const stale = nextStatus(stream, (text) => text !== "");
    app.setDevStatus("openapi/x.yaml:1:1  struct  broken");
    expect(await stale).toBe("openapi/x.yaml:1:1  struct  broken");
    const fresh = nextStatus(stream, (text) => text === "");
    app.setDevStatus(undefined);
    expect(await fresh).toBe("");

    app.closeStreams();
    await new Promise<void>((resolve) => stream.on("end", resolve));
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  test("outside dev mode is served as built", async () => {
    const docsPath = join(dir, "plain.html");
    writeFileSync(docsPath, "<html><body>plain</body></html>");
    const app = await server(false, docsPath);
    const page = await request(app).get("/docs");
    expect(page.text).toBe("<html><body>plain</body></html>");
    expect((await request(app).get("/docs/_live")).headers["content-type"]).not.toBe("text/event-stream");
  });
});
