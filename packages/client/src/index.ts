// @trainjobs/client: a typed fetch client for the trainjobs API, on openapi-fetch and the
// generated `paths`.

// The generated declarations and their aliases (paths, components, operations, Status, TFJob, ...).
export type * from "@trainjobs/types";
export type { Middleware } from "openapi-fetch";
export {
  authMiddleware,
  createClient,
  type SuccessResult,
  type TokenSource,
  type TrainjobsClient,
  type TrainjobsClientOptions,
  type TrainjobsThrowingClient,
} from "./client.js";
export { ApiConnectionError, ApiError, type ApiErrorBody, ApiTimeoutError } from "./errors.js";
export { type AnyClient, defaultPageSize, paginate, type WatchEvent, watch } from "./lists.js";
export { mergePatch } from "./media-types.js";
export { type FetchLike, idempotentMethods, type RetryOptions, retryAfterMs, retryingFetch } from "./retry.js";
export { defaultTimeoutMs, guardedFetch, type RequestOptions } from "./timeout.js";
export type {
  Closed,
  ErrorBody,
  Init,
  ListItem,
  ListPath,
  Method,
  Operation,
  PathsWith,
  QueryParams,
  RequestBody,
  ResponseData,
} from "./types.js";
