import type { ModelArtsError, Status } from "@trainjobs/types";

/** What the API answers on failure: a Kubernetes `Status` under /api and /apis, the ModelArts body under /v1/. */
export type ApiErrorBody = Status | ModelArtsError;

function describe(response: Response, body: unknown): string {
  const b = body as Partial<Status & ModelArtsError> | undefined;
  const detail =
    typeof b === "object" && b
      ? b.error_code
        ? `${b.error_code}: ${b.error_message}`
        : [b.reason, b.message].filter(Boolean).join(": ")
      : typeof body === "string"
        ? body.slice(0, 200)
        : "";
  return `${response.status} ${detail || response.statusText || "request failed"}`;
}

/**
 * A failed response (status 4xx or 5xx), thrown by a client made with `throwOnError: true` and by
 * `paginate()` and `watch()`. `body` is the parsed error body; `response` is the raw Response
 * (its body already read).
 */
export class ApiError<Body = ApiErrorBody> extends Error {
  override name = "ApiError";
  /** The HTTP status code. */
  readonly status: number;
  /** The response (not enumerable, so that logging the error shows status and body, not the Response's internals). */
  declare readonly response: Response;
  constructor(
    response: Response,
    readonly body: Body,
  ) {
    super(describe(response, body));
    this.status = response.status;
    Object.defineProperty(this, "response", { value: response });
  }
}

/** The `code` of a Node network error (`ECONNREFUSED`, `ENOTFOUND`, ...), found along the cause chain. */
function networkCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; e = (e as Error).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/**
 * No response came: the connection was refused or reset, the name did not resolve, TLS failed.
 * `cause` is what fetch threw (undici's `TypeError: fetch failed`, itself caused by the system
 * error). Idempotent requests are retried on it before it is thrown.
 */
export class ApiConnectionError extends Error {
  override name = "ApiConnectionError";
  /** The system error code, when there is one (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, ...). */
  readonly code: string | undefined;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = networkCode(options?.cause);
  }
  /** An error for `request`, from what its fetch threw. */
  static from(request: Request, cause: unknown): ApiConnectionError {
    const code = networkCode(cause);
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new ApiConnectionError(
      `connection error: ${request.method} ${request.url}: ${reason}${code ? ` (${code})` : ""}`,
      { cause },
    );
  }
}

/**
 * No response headers came within the timeout (the client's `timeout` option, or the request's).
 * A kind of `ApiConnectionError`, retried as one; `timeout` is the limit in ms.
 */
export class ApiTimeoutError extends ApiConnectionError {
  override name = "ApiTimeoutError";
  constructor(
    request: Request,
    readonly timeout: number,
  ) {
    super(`timeout: ${request.method} ${request.url}: no response within ${timeout} ms`);
  }
}
