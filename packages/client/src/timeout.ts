// The fetch beneath the retry loop: one attempt, bounded by a timeout, with fetch's errors turned
// into typed ones. A refused or reset connection (undici's bare `TypeError: fetch failed`) becomes
// an `ApiConnectionError`, no response headers within the timeout an `ApiTimeoutError`; the
// caller's own abort is passed on as it is.
import { ApiConnectionError, ApiTimeoutError } from "./errors.js";
import type { FetchLike } from "./retry.js";

/** What a request may carry besides openapi-fetch's options. */
export interface RequestOptions {
  /**
   * How long to wait for the response headers, in ms, per attempt (this request's, over the
   * client's `timeout`). 0 waits for ever. The body (a watch stream, say) is not timed.
   */
  timeout?: number;
}

/** The client's timeout when it is not given: one minute. */
export const defaultTimeoutMs = 60_000;

/**
 * The timeout of `request`: openapi-fetch copies init keys that a Request does not have (here
 * `timeout`) onto the Request it builds, and the retry loop copies them onto its clones.
 */
function timeoutOf(request: Request, fallback: number): number {
  const own = (request as Request & RequestOptions).timeout;
  return typeof own === "number" && own >= 0 ? own : fallback;
}

/** A fetch whose attempts time out after `timeout` ms and whose failures are typed errors. */
export function guardedFetch(fetch: FetchLike, { timeout = defaultTimeoutMs }: RequestOptions = {}): FetchLike {
  return async (request, init) => {
    const ms = timeoutOf(request, timeout);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      if (!ms || !Number.isFinite(ms)) return await fetch(request, init);
      const controller = new AbortController();
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new ApiTimeoutError(request, ms);
          controller.abort(error);
          reject(error);
        }, ms);
      });
      const signal = AbortSignal.any([request.signal, controller.signal]);
      // Raced as well as signalled, so that a fetch that ignores the signal times out too.
      return await Promise.race([fetch(request, { ...init, signal }), expired]);
    } catch (error) {
      // An abort is the caller's decision, and a timeout is already typed.
      if (request.signal.aborted || error instanceof ApiConnectionError) throw error;
      throw ApiConnectionError.from(request, error);
    } finally {
      clearTimeout(timer);
    }
  };
}
