// These tests answer `?watch=true` with streamed Responses of their own, written chunk by chunk
// (splits at any byte), as a Kubernetes apiserver streams newline-delimited JSON; server.test.ts
// reads the reference server's real stream.
import { describe, expect, test } from "vitest";
import { ApiError, type TFJob, type WatchEvent, watch } from "../src/index.js";
import { observedClient, status, tfjob } from "./observe.js";

const listPath = "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs" as const;
const encoder = new TextEncoder();

/** A stream the test writes to chunk by chunk, recording whether the reader cancelled it. */
function pushStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const state = { cancelled: false, reason: undefined as unknown };
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel(reason) {
      state.cancelled = true;
      state.reason = reason;
    },
  });
  return {
    stream,
    state,
    push: (chunk: string | Uint8Array) => controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk),
    end: () => controller.close(),
  };
}

const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;
const streamed = (stream: ReadableStream<Uint8Array>) =>
  new Response(stream, { headers: { "Content-Type": "application/json", "Transfer-Encoding": "chunked" } });

describe("watch", () => {
  test("parses events split across chunks, including a multi-byte character split in two", async () => {
    const job = {
      ...tfjob("tfjob-test"),
      metadata: { ...tfjob("tfjob-test").metadata, annotations: { note: "ünïcødé ✓" } },
    };
    const text = line("ADDED", job) + line("MODIFIED", { ...job, status: { conditions: [] } }) + line("DELETED", job);
    const bytes = encoder.encode(text);
    const { stream, push, end } = pushStream();
    // Cut the bytes into uneven pieces: mid-line, mid-JSON and inside the UTF-8 of "ü".
    const u = bytes.indexOf(0xc3);
    for (const [a, b] of [
      [0, 7],
      [7, u + 1],
      [u + 1, 200],
      [200, 201],
      [201, bytes.length],
    ] as const)
      push(bytes.slice(a, b));
    end();
    const { api, seen } = observedClient(() => streamed(stream));
    const events: WatchEvent<TFJob>[] = [];
    for await (const ev of watch(api, listPath, {
      params: { path: { namespace: "kube-test" }, query: { resourceVersion: "41" } },
    })) {
      events.push(ev);
    }
    expect(events.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    expect(events[0]!.object).toEqual(job);
    expect((events[0]!.object as TFJob).metadata.annotations?.note).toBe("ünïcødé ✓");
    expect(seen[0]!.url.pathname).toBe("/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs");
    expect(seen[0]!.url.searchParams.get("watch")).toBe("true");
    expect(seen[0]!.url.searchParams.get("resourceVersion")).toBe("41");
  });

  test("yields events as they arrive, before the stream ends", async () => {
    const { stream, push } = pushStream();
    const { api } = observedClient(() => streamed(stream));
    const events = watch(api, listPath, { params: { path: { namespace: "kube-test" } } });
    push(line("ADDED", tfjob("a")));
    expect((await events.next()).value).toMatchObject({ type: "ADDED", object: { metadata: { name: "a" } } });
    push(line("MODIFIED", tfjob("a")).slice(0, 10));
    const next = events.next();
    push(line("MODIFIED", tfjob("a")).slice(10));
    expect((await next).value).toMatchObject({ type: "MODIFIED" });
    await events.return();
  });

  test("a last event without a trailing newline, blank lines and \\r\\n endings are read", async () => {
    const { stream, push, end } = pushStream();
    push(`\n${line("ADDED", tfjob("a")).replace("\n", "\r\n")}\n`);
    push(
      JSON.stringify({
        type: "BOOKMARK",
        object: { kind: "TFJob", apiVersion: "kubeflow.org/v1", metadata: { resourceVersion: "99" } },
      }),
    );
    end();
    const { api } = observedClient(() => streamed(stream));
    const types: string[] = [];
    for await (const ev of watch(api, listPath, { params: { path: { namespace: "kube-test" } } })) {
      types.push(ev.type);
      if (ev.type === "BOOKMARK") expect(ev.object.metadata.resourceVersion).toBe("99");
    }
    expect(types).toEqual(["ADDED", "BOOKMARK"]);
  });

  test("an ERROR event carries the Status", async () => {
    const { stream, push, end } = pushStream();
    push(
      line("ERROR", {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        reason: "Expired",
        code: 410,
      }),
    );
    end();
    const { api } = observedClient(() => streamed(stream));
    for await (const ev of watch(api, listPath, { params: { path: { namespace: "kube-test" } } })) {
      expect(ev.type).toBe("ERROR");
      if (ev.type === "ERROR") expect(ev.object.code).toBe(410);
    }
  });

  test("break closes the stream", async () => {
    const { stream, state, push } = pushStream();
    push(line("ADDED", tfjob("a")) + line("ADDED", tfjob("b")));
    const { api } = observedClient(() => streamed(stream));
    for await (const ev of watch(api, listPath, { params: { path: { namespace: "kube-test" } } })) {
      expect(ev.type).toBe("ADDED");
      break;
    }
    expect(state.cancelled).toBe(true);
  });

  test("aborting the signal while waiting for an event closes the stream and throws the abort", async () => {
    const { stream, state, push } = pushStream();
    push(line("ADDED", tfjob("a")));
    const { api } = observedClient(() => streamed(stream));
    const controller = new AbortController();
    const events: string[] = [];
    const run = (async () => {
      for await (const ev of watch(api, listPath, {
        params: { path: { namespace: "kube-test" } },
        signal: controller.signal,
      })) {
        events.push(ev.type);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(events).toEqual(["ADDED"]);
    expect(state.cancelled).toBe(true);
  });

  test("an already aborted signal never sends the request", async () => {
    const { api, seen } = observedClient(() => streamed(pushStream().stream));
    const controller = new AbortController();
    controller.abort();
    const events = watch(api, listPath, { params: { path: { namespace: "kube-test" } }, signal: controller.signal });
    await expect(events.next()).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toHaveLength(0);
  });

  test("a refused watch throws ApiError with the Status", async () => {
    const { api } = observedClient(() => status(403, "Forbidden", "tfjobs is forbidden"));
    const events = watch(api, listPath, { params: { path: { namespace: "kube-test" } } });
    const err = await events.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 403, body: { reason: "Forbidden" } });
  });
});
