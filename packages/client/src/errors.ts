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
