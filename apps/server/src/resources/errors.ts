// Kubernetes API errors, as apimachinery's `errors` package makes them: a Status with a reason,
// an HTTP code and details. Thrown by the resource machinery, rendered by the HTTP layer; nothing
// here knows about HTTP frameworks.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A failure to answer with a Kubernetes Status. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = "StatusError";
  }

  toStatus(): StatusBody {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** What an error names: the resource (`tfjobs`), its group and the Kind (`TFJob`). */
export interface ResourceRef {
  group: string;
  plural: string;
  kind: string;
}

/** `tfjobs.kubeflow.org`, or `jobs.batch`: the "group resource" of apimachinery's messages. */
export function groupResource(ref: ResourceRef): string {
  return ref.group ? `${ref.plural}.${ref.group}` : ref.plural;
}

/** `TFJob.kubeflow.org`: the qualified kind of Invalid messages. */
function groupKind(ref: ResourceRef): string {
  return ref.group ? `${ref.kind}.${ref.group}` : ref.kind;
}

export function badRequest(message: string, details?: StatusDetails): StatusError {
  return new StatusError(400, "BadRequest", message, details);
}

export function notFound(ref: ResourceRef, name: string): StatusError {
  return new StatusError(404, "NotFound", `${groupResource(ref)} "${name}" not found`, {
    name,
    group: ref.group,
    kind: ref.plural,
  });
}

export function alreadyExists(ref: ResourceRef, name: string): StatusError {
  return new StatusError(409, "AlreadyExists", `${groupResource(ref)} "${name}" already exists`, {
    name,
    group: ref.group,
    kind: ref.plural,
  });
}

export const optimisticLockMessage =
  "the object has been modified; please apply your changes to the latest version and try again";

export function conflict(ref: ResourceRef, name: string, reason: string = optimisticLockMessage): StatusError {
  return new StatusError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${groupResource(ref)} "${name}": ${reason}`,
    {
      name,
      group: ref.group,
      kind: ref.plural,
    },
  );
}

/** 422: the object is well-formed but breaks a rule; one cause per field. */
export function invalid(ref: ResourceRef, name: string, causes: StatusCause[]): StatusError {
  const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(", ");
  return new StatusError(422, "Invalid", `${groupKind(ref)} "${name}" is invalid: ${summary}`, {
    name,
    group: ref.group,
    kind: ref.kind,
    causes,
  });
}

/** 400 with causes: the seeds' answer to a change of a field that may not be updated. */
export function forbiddenFields(
  ref: ResourceRef,
  name: string,
  fields: string[],
  allowed: readonly string[],
): StatusError {
  return new StatusError(
    400,
    "BadRequest",
    `${groupKind(ref)} "${name}" is invalid: only ${allowed.join(", ")} may be updated; refused: ${fields.join(", ")}`,
    {
      name,
      group: ref.group,
      kind: ref.kind,
      causes: fields.map((field) => ({
        reason: "FieldValueForbidden",
        message: "Forbidden: field is not updatable",
        field,
      })),
    },
  );
}

export function forbidden(ref: ResourceRef, name: string | undefined, message: string): StatusError {
  const subject = name === undefined ? groupResource(ref) : `${groupResource(ref)} "${name}"`;
  return new StatusError(403, "Forbidden", `${subject} is forbidden: ${message}`, {
    ...(name !== undefined ? { name } : {}),
    group: ref.group,
    kind: ref.plural,
  });
}

/** No route: kube-apiserver's answer to a path it does not serve. */
export function notFoundPath(): StatusError {
  return new StatusError(404, "NotFound", "the server could not find the requested resource", {});
}

export function unauthorized(): StatusError {
  return new StatusError(401, "Unauthorized", "Unauthorized");
}

export function unsupportedMediaType(accepted: readonly string[]): StatusError {
  return new StatusError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
  );
}

export function internalError(message: string): StatusError {
  return new StatusError(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ message }] });
}

/** 410 Expired: a watch's resourceVersion (or a continue token's) is older than the history kept. */
export function expired(message: string): StatusError {
  return new StatusError(410, "Expired", message);
}

/** 406: the Accept header names nothing this server writes. */
export function notAcceptable(accepted: readonly string[]): StatusError {
  return new StatusError(406, "NotAcceptable", `only the following media types are accepted: ${accepted.join(", ")}`);
}
