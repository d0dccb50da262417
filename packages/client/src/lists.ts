// Helpers over the Kubernetes list operations: every item across `limit`/`continue` pages, and the
// events of a `?watch=true` stream.
import type { Status } from "@trainjobs/types";
import type { TrainjobsClient, TrainjobsThrowingClient } from "./client.js";
import { ApiError } from "./errors.js";
import type { RequestOptions } from "./timeout.js";
import type { Init, InitParam, ListItem, ListPath } from "./types.js";

/** Either kind of client; the helpers throw `ApiError` on a failure with both. */
export type AnyClient = Pick<TrainjobsClient, "GET"> | Pick<TrainjobsThrowingClient, "GET">;

type ListInit = {
  params?: { query?: Record<string, unknown>; path?: Record<string, unknown> };
  signal?: AbortSignal | null;
  [key: string]: unknown;
};
type Get = (
  url: string,
  init: ListInit & { parseAs?: "stream" },
) => Promise<{ data?: any; error?: unknown; response: Response }>;

function get(api: AnyClient, path: string, init: ListInit, query: Record<string, unknown>, stream?: boolean) {
  const { params = {} } = init;
  return (api.GET as unknown as Get)(path, {
    ...init,
    params: { ...params, query: { ...params.query, ...query } },
    ...(stream ? { parseAs: "stream" } : {}),
  });
}

/** The page size `paginate()` asks for when the init sets no `limit` (kubectl's chunk size). */
export const defaultPageSize = 500;

/**
 * Every item of a Kubernetes list, page after page: the first request as given (with `limit`
 * defaulting to 500), then the same request with each page's `metadata.continue` until the last
 * page. Stops early on `break`; throws `ApiError` on a failed page (410 Gone when a continue token
 * expired).
 *
 * ```ts
 * for await (const job of paginate(api, "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
 *   params: { path: { namespace: "team-a" }, query: { labelSelector: "app=mnist", limit: 100 } },
 * })) console.log(job.metadata.name);
 * ```
 */
export async function* paginate<P extends ListPath>(
  api: AnyClient,
  path: P,
  ...[init]: InitParam<Init<P, "get"> & RequestOptions>
): AsyncGenerator<ListItem<P>, void, undefined> {
  const first = (init ?? {}) as ListInit;
  const query: Record<string, unknown> = { limit: first.params?.query?.limit ?? defaultPageSize };
  do {
    const { data, error, response } = await get(api, path, first, query);
    if (error !== undefined || !response.ok) throw new ApiError(response, error);
    yield* (data?.items ?? []) as ListItem<P>[];
    query.continue = data.metadata?.continue;
  } while (query.continue);
}

/** One event of a watch stream. An `ERROR` event carries a Status (410 Gone: resourceVersion too old). */
export type WatchEvent<T> =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: T }
  | { type: "BOOKMARK"; object: { kind?: string; apiVersion?: string; metadata: { resourceVersion: string } } }
  | { type: "ERROR"; object: Status };

/**
 * The events of a Kubernetes watch (`GET <list path>?watch=true`, one JSON `{ type, object }` per
 * line), as an async iterator. Pass `params.query.resourceVersion` to start after a known
 * revision. `break` (or `return`) closes the stream; aborting `signal` closes it too and makes the
 * loop throw the signal's reason. Throws `ApiError` when the server refuses the watch.
 *
 * ```ts
 * const ac = new AbortController();
 * for await (const ev of watch(api, "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
 *   params: { path: { namespace: "team-a" } }, signal: ac.signal,
 * })) if (ev.type === "MODIFIED") console.log(ev.object.status);
 * ```
 */
export async function* watch<P extends ListPath>(
  api: AnyClient,
  path: P,
  ...[init]: InitParam<Init<P, "get"> & RequestOptions>
): AsyncGenerator<WatchEvent<ListItem<P>>, void, undefined> {
  const options = (init ?? {}) as ListInit;
  const signal = options.signal ?? undefined;
  signal?.throwIfAborted();
  const { data, error, response } = await get(api, path, options, { watch: true }, true);
  if (error !== undefined || !response.ok || !data) throw new ApiError(response, error);
  const reader = (data as ReadableStream<Uint8Array>).getReader();
  const close = () => reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", close);
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        signal?.throwIfAborted();
        chunk = await reader.read();
      } catch (e) {
        signal?.throwIfAborted();
        throw e;
      }
      buffer += chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      const lines = buffer.split("\n");
      buffer = chunk.done ? "" : lines.pop()!;
      for (const line of lines) if (line.trim()) yield JSON.parse(line);
      if (chunk.done) break;
    }
    signal?.throwIfAborted();
  } finally {
    signal?.removeEventListener("abort", close);
    await close();
  }
}
