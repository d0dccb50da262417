// Retry beneath openapi-fetch's middleware chain: a `fetch` that openapi-fetch calls once per
// request and that may call the real fetch several times. Middleware (auth, content type, the
// caller's own) therefore runs once, and each attempt sends a fresh clone of the final Request,
// so a body can be sent again.

/** What a fetch beneath the client looks like (`globalThis.fetch` is one). */
export type FetchLike = (input: Request, init?: RequestInit) => Promise<Response>;

export interface RetryOptions {
  /** How many times a request is sent in all, the first try included (default 3; 1 turns retry off). */
  attempts?: number;
  /** The backoff before retry n (from 0) is a random delay in [0, min(maxDelayMs, baseDelayMs * 2^n)) ms ("full jitter"). Default 500. */
  baseDelayMs?: number;
  /** The cap of the backoff (default 8000). */
  maxDelayMs?: number;
  /**
   * The longest `Retry-After` (on a 429 or a 5xx) the client waits for (default 60000). When the
   * server asks for longer, the response is handed back instead of retried.
   */
  maxRetryAfterMs?: number;
  /**
   * The methods that are retried (default: the idempotent ones, GET, HEAD, PUT, DELETE and
   * OPTIONS). POST and PATCH are retried only when listed here: a retried POST after a lost
   * response may create twice.
   */
  methods?: readonly string[];
  /** How to wait; replace it in tests. Rejects with the signal's reason when the request is aborted. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The methods retried by default. */
export const idempotentMethods: readonly string[] = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"];

const sleepFor = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    if (signal.aborted) return done();
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", done);
      resolve();
    }, ms);
    signal.addEventListener("abort", done, { once: true });
  });

/**
 * A clone of `request` with the string-keyed own properties openapi-fetch set on it (a per-request
 * `timeout`). Not Object.assign: undici keeps a Request's state in own symbol-keyed properties,
 * which must stay the clone's own (its body above all).
 */
function cloneOf(request: Request): Request {
  const clone = request.clone();
  for (const key of Object.keys(request))
    (clone as unknown as Record<string, unknown>)[key] = request[key as keyof Request];
  return clone;
}

/** `Retry-After` in ms (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value == null || value.trim() === "") return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * A fetch that retries connection errors and timeouts (whatever the fetch beneath throws, but an
 * abort), 429 and 5xx with capped exponential backoff and full jitter.
 */
export function retryingFetch(fetch: FetchLike, options: RetryOptions = {}): FetchLike {
  const {
    attempts = 3,
    baseDelayMs = 500,
    maxDelayMs = 8000,
    maxRetryAfterMs = 60_000,
    methods = idempotentMethods,
    sleep = sleepFor,
  } = options;
  const retried = methods.map((m) => m.toUpperCase());
  return async (request, init) => {
    if (!retried.includes(request.method.toUpperCase()) || attempts <= 1) return fetch(request, init);
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= attempts;
      let delay = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      // The last attempt may use the request itself; earlier ones send a clone, which keeps the
      // keys openapi-fetch copied onto the request from its init (a per-request `timeout`).
      const sent = last ? request : cloneOf(request);
      let response: Response;
      try {
        response = await fetch(sent, init);
      } catch (error) {
        // A connection error or a timeout (the client's own `ApiConnectionError`s) is retried; an
        // abort of the request's signal is the caller's decision and stops at once.
        if (last || request.signal.aborted) throw error;
        await sleep(delay, request.signal);
        continue;
      }
      if (last || !(response.status === 429 || response.status >= 500)) return response;
      const after = retryAfterMs(response.headers.get("Retry-After"));
      if (after !== undefined) {
        if (after > maxRetryAfterMs) return response;
        delay = after;
      }
      await response.body?.cancel().catch(() => {});
      await sleep(delay, request.signal);
    }
  };
}
