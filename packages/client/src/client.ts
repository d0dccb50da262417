import type { paths } from "@trainjobs/types";
import createFetchClient, {
  type Client,
  type ClientOptions,
  type FetchResponse,
  type MaybeOptionalInit,
  type Middleware,
} from "openapi-fetch";
import { ApiError } from "./errors.js";
import { requestMediaType } from "./media-types.js";
import { type FetchLike, type RetryOptions, retryingFetch } from "./retry.js";
import { guardedFetch, type RequestOptions } from "./timeout.js";
import type { Closed, InitParam, Media, Method, Operation, PathsWith, RequestBody } from "./types.js";

/**
 * The PATCH init as given, its body checked against the operation's merge-patch schema with no
 * unknown key allowed at any depth (openapi-fetch infers the init generically, which skips
 * TypeScript's excess-property check).
 */
type ClosedPatch<P extends PathsWith<"patch">, I> = I & {
  body: Closed<RequestBody<P, "patch">, I extends { body: infer B } ? B : never>;
};
/** The init a call takes: openapi-fetch's, the PATCH body closed, and a `timeout`. */
type CallInit<M extends Method, P extends PathsWith<M>, I> = (M extends "patch"
  ? ClosedPatch<P & PathsWith<"patch">, I>
  : I) &
  RequestOptions;
type Result<R, M extends Method, P extends PathsWith<M>, I> = R extends "throwing"
  ? SuccessResult<Operation<P, M>, I>
  : FetchResponse<Operation<P, M>, I, Media>;
type CallMethod<M extends Method, R> = <P extends PathsWith<M>, I extends MaybeOptionalInit<paths[P], M>>(
  url: P,
  ...init: InitParam<CallInit<M, P, I>>
) => Promise<Result<R, M, P, I>>;
type RequestMethod<R> = <M extends Method, P extends PathsWith<M>, I extends MaybeOptionalInit<paths[P], M>>(
  method: M,
  url: P,
  ...init: InitParam<CallInit<M, P, I>>
) => Promise<Result<R, M, P, I>>;
type Upper = "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE";
type Methods<R> = { [U in Upper]: CallMethod<Lowercase<U>, R> } & { request: RequestMethod<R> };

/**
 * The client: openapi-fetch's `Client` over the API's `paths`, with two differences in its
 * methods' init: a PATCH body is closed (`{ spec: { activeDeadlineSecond: 600 } }` does not
 * compile), and a `timeout` (ms) may be given per request.
 */
export type TrainjobsClient = Omit<Client<paths, Media>, Upper | "request"> & Methods<"returning">;

/** A token, or a function asked for one before each request (for tokens that expire). */
export type TokenSource = string | (() => string | undefined | Promise<string | undefined>);

export interface TrainjobsClientOptions extends Omit<ClientOptions, "baseUrl" | "fetch"> {
  /** The server's URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** The API token; without one no credentials are sent. */
  token?: TokenSource | undefined;
  /** How the token is sent: `Authorization: Bearer <token>` (default) or `X-Auth-Token: <token>`. */
  authScheme?: "bearer" | "x-auth-token";
  /** The fetch beneath the client (default `globalThis.fetch`); inject one in tests. */
  fetch?: FetchLike;
  /** Retry options, or `false` for none. By default idempotent requests are tried up to 3 times. */
  retry?: RetryOptions | false;
  /** Throw an `ApiError` on a 4xx or 5xx instead of returning `{ error }`. */
  throwOnError?: boolean;
  /**
   * How long each attempt waits for the response headers, in ms, before it fails with an
   * `ApiTimeoutError` (retried as a connection error). Default 60000; 0 waits for ever. A request's
   * own `timeout` wins.
   */
  timeout?: number;
}

type DataOf<R> = R extends { data: infer D } ? D : never;
/** The result of a call on a throwing client: `data` is always the success body. */
export type SuccessResult<Op extends Record<string | number, any>, I> = {
  data: DataOf<FetchResponse<Op, I, Media>>;
  error?: never;
  response: Response;
};

/** The client made with `throwOnError: true`: failures throw `ApiError`, so results carry `data` only. */
export type TrainjobsThrowingClient = Omit<TrainjobsClient, Upper | "request"> & Methods<"throwing">;

/** Sends the token as `Authorization: Bearer` or `X-Auth-Token`, unless the request already has that header. */
export function authMiddleware(token: TokenSource, scheme: "bearer" | "x-auth-token" = "bearer"): Middleware {
  const bearer = scheme === "bearer";
  const header = bearer ? "Authorization" : "X-Auth-Token";
  return {
    async onRequest({ request }) {
      const value = typeof token === "function" ? await token() : token;
      if (value && !request.headers.has(header)) request.headers.set(header, bearer ? `Bearer ${value}` : value);
    },
  };
}

const upperCaseMethods = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "request"] as const;

/**
 * Creates a typed client of the trainjobs API on openapi-fetch:
 * `api.PATCH(path, { params, body })` answers `{ data, error, response }`.
 *
 * Beneath openapi-fetch's middleware sits a retrying fetch; above it, the client's own middleware
 * sets the operation's Content-Type (merge patch for PATCH) and the credentials. `api.use()` adds
 * yours after them.
 */
export function createClient(options: TrainjobsClientOptions & { throwOnError: true }): TrainjobsThrowingClient;
export function createClient(options: TrainjobsClientOptions): TrainjobsClient;
export function createClient(options: TrainjobsClientOptions): TrainjobsClient | TrainjobsThrowingClient {
  const { token, authScheme, fetch, retry, throwOnError, timeout, ...rest } = options;
  // Looked up per call, so a fetch installed after createClient() (or a browser's, unbound) works.
  // Each attempt is timed and its failures typed (guardedFetch); the retry loop sits above it.
  const base = guardedFetch(fetch ?? ((request, init) => globalThis.fetch(request, init)), { timeout });
  const api = createFetchClient<paths, Media>({ ...rest, fetch: retry === false ? base : retryingFetch(base, retry) });
  api.use(requestMediaType);
  if (token) api.use(authMiddleware(token, authScheme));
  if (throwOnError) {
    const methods = api as unknown as Record<
      string,
      (...args: unknown[]) => Promise<{ error?: unknown; response: Response }>
    >;
    for (const name of upperCaseMethods) {
      const call = methods[name]!;
      methods[name] = async (...args) => {
        const result = await call(...args);
        if (result.error !== undefined || !result.response.ok) throw new ApiError(result.response, result.error);
        return result;
      };
    }
  }
  // The runtime is openapi-fetch's; only the types of the methods' init are narrower.
  return api as unknown as TrainjobsClient;
}
