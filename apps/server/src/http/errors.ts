// The one error handler: whatever went wrong, the client gets its API's error body with a real
// status, never a stack trace, an HTML page or a 500 for what it sent. Under /api and /apis that
// is a Kubernetes Status; under /v1/ the ModelArts body.
import type { ErrorRequestHandler, Request } from "express";
import type { Logger } from "pino";
import {
  badRequest,
  internalError,
  invalid,
  type StatusCause,
  StatusError,
  unsupportedMediaType,
} from "../resources/errors.js";
import { allKinds } from "../resources/kinds.js";
import { schemaErrorToCause } from "../resources/validation.js";
import { ModelArtsError, modelArtsErrors } from "./modelarts-error.js";
import { requestInfo } from "./request-info.js";
import { sendJson } from "./respond.js";

/** An error of express-openapi-validator (its HttpError subclasses). */
interface ValidatorError {
  status: number;
  message: string;
  errors?: { path?: string; message?: string; errorCode?: string }[];
}

/** An error of body-parser. */
interface BodyParserError {
  type: string;
  status?: number;
  message: string;
  limit?: number;
}

const mergePatch = ["application/merge-patch+json"];

/** The patch types the request's kind accepts (kinds.ts); merge patch alone when it has none. */
function patchTypesOf(req: Request): readonly string[] {
  const info = requestInfo(req.method, req.path);
  const kind = allKinds.find((k) => k.plural === info.resource && k.group === info.group);
  return kind?.patchTypes ?? mergePatch;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const info = requestInfo(req.method, req.path);
    const failure = info.family === "modelarts" ? toModelArtsError(err, req) : toStatusError(err, req);
    if (failure.status >= 500) logger.error({ err, method: req.method, url: req.originalUrl }, "request failed");
    const body = failure instanceof ModelArtsError ? failure.toBody() : failure.toStatus();
    sendJson(req, res, failure.status, body);
  };
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return (
    typeof err === "object" && err !== null && typeof (err as BodyParserError).type === "string" && "expose" in err
  );
}

function isValidatorError(err: unknown): err is ValidatorError {
  return (
    typeof err === "object" &&
    err !== null &&
    typeof (err as ValidatorError).status === "number" &&
    !(err instanceof StatusError) &&
    !isBodyParserError(err)
  );
}

function toStatusError(err: unknown, req: Request): StatusError & { status: number } {
  return withStatus(statusErrorOf(err, req));
}

function withStatus(e: StatusError): StatusError & { status: number } {
  return Object.assign(e, { status: e.code });
}

function statusErrorOf(err: unknown, req: Request): StatusError {
  if (err instanceof StatusError) return err;
  if (isBodyParserError(err)) {
    if (err.type === "entity.too.large")
      return new StatusError(
        413,
        "RequestEntityTooLarge",
        `Request entity too large: limit is ${err.limit ?? 3145728}`,
      );
    if (err.type === "entity.parse.failed") return badRequest(`error decoding the request body: ${err.message}`);
    if (err.type === "encoding.unsupported" || err.type === "charset.unsupported")
      return unsupportedMediaType(["application/json"]);
    return badRequest(err.message);
  }
  if (isValidatorError(err)) {
    switch (err.status) {
      case 404:
        return new StatusError(404, "NotFound", "the server could not find the requested resource", {});
      case 405:
        return new StatusError(
          405,
          "MethodNotAllowed",
          `the server does not allow this method on the requested resource`,
          {},
        );
      case 415:
        return unsupportedMediaType(req.method === "PATCH" ? patchTypesOf(req) : ["application/json"]);
      case 413:
        return new StatusError(413, "RequestEntityTooLarge", "Request entity too large");
      case 400:
        return validationFailure(err, req);
      default:
        if (err.status >= 400 && err.status < 500) return new StatusError(err.status, "BadRequest", err.message);
    }
  }
  return internalError("the server could not complete the request");
}

/**
 * A request the validator refused. A PATCH whose body is not a merge patch is a 415, as the
 * apiserver answers. A body that breaks the schema is 422 Invalid with one cause per field, as the
 * apiserver answers for objects; bad parameters are 400.
 */
function validationFailure(err: ValidatorError, req: Request): StatusError {
  const errors = err.errors ?? [];
  const contentType = (req.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (req.method === "PATCH" && !patchTypesOf(req).includes(contentType))
    return unsupportedMediaType(patchTypesOf(req));
  // A JSON Patch that is not a list of operations cannot be decoded: 400, as kube-apiserver answers.
  if (req.method === "PATCH" && contentType === "application/json-patch+json") {
    const causes = errors.map(validatorErrorToCause);
    return badRequest(
      `invalid JSON Patch: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(", ")}`,
    );
  }
  const bodyErrors = errors.filter((e) => e.path?.startsWith("/body"));
  const causes = errors.map(validatorErrorToCause);
  if (bodyErrors.length === errors.length && bodyErrors.length > 0 && bodyErrors.some((e) => e.path !== "/body")) {
    const info = requestInfo(req.method, req.path);
    const kind = allKinds.find((k) => k.plural === info.resource && k.group === info.group);
    const body = req.body as { metadata?: { name?: unknown } } | undefined;
    const name = typeof body?.metadata?.name === "string" ? body.metadata.name : (info.name ?? "");
    if (kind) return invalid(kind, name, causes);
  }
  const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(", ");
  return badRequest(summary || err.message, causes.length > 0 ? { causes } : undefined);
}

/** Keywords for which the validator appends the property it names to the error's path. */
const propertyKeywords: Record<string, string> = {
  required: "missingProperty",
  additionalProperties: "additionalProperty",
  unevaluatedProperties: "unevaluatedProperty",
};

/** Where the validator's error paths point: a part of the request, else the URL path itself. */
const locations = new Set(["body", "query", "path", "params", "headers", "cookies"]);

/** The validator's message, readable (it says `malformed uri'` for a bad percent-encoding). */
function validatorMessage(e: { message?: string }): string {
  if (e.message === "malformed uri'") return "malformed URI: the path holds an invalid percent-encoding";
  return e.message ?? "is invalid";
}

function validatorErrorToCause(e: { path?: string; message?: string; errorCode?: string }): StatusCause {
  const path = e.path ?? "";
  const [, where = "", ...rest] = path.split("/");
  // An error about the URL (its path is the request's path): no field to name.
  if (!locations.has(where)) return { reason: "FieldValueInvalid", message: validatorMessage(e) };
  const segments =
    where === "body"
      ? rest
      : [where === "query" || where === "params" || where === "path" ? "" : where, ...rest].filter(Boolean);
  const keyword = (e.errorCode ?? "").replace(/\.openapi\.validation$/, "");
  // express-openapi-validator puts the missing (or extra) property at the end of the path
  // (`/body/spec/tfReplicaSpecs`) and drops ajv's params: give schemaErrorToCause the parent and
  // the property, as ajv would, so that the field is named once (`spec.tfReplicaSpecs`).
  const param = propertyKeywords[keyword];
  const property = param !== undefined && segments.length > 0 ? segments[segments.length - 1]! : undefined;
  const pointer = `/${(property !== undefined ? segments.slice(0, -1) : segments).join("/")}`;
  const params = param !== undefined && property !== undefined ? { [param]: property } : undefined;
  const cause = schemaErrorToCause({
    pointer,
    keyword,
    message: e.message ?? "is invalid",
    ...(params ? { params } : {}),
  });
  if (keyword === "enum" || keyword === "const") cause.message = `Unsupported value: ${e.message}`;
  return cause;
}

function toModelArtsError(err: unknown, req: Request): ModelArtsError {
  if (err instanceof ModelArtsError) return err;
  if (err instanceof StatusError) {
    if (err.code === 401) return modelArtsErrors.tokenMissing();
    // An operation of the spec without a handler yet (api/routes.ts): not implemented, not an error.
    if (err.code === 501) return new ModelArtsError(501, "ModelArts.0010", err.message);
    if (err.code >= 500) return modelArtsErrors.internal();
    return new ModelArtsError(err.code, "ModelArts.0101", err.message);
  }
  if (isBodyParserError(err)) {
    if (err.type === "entity.too.large")
      return new ModelArtsError(413, "ModelArts.0101", "The request body is too large.");
    return modelArtsErrors.invalidParameter(`The request body is not valid JSON: ${err.message}`);
  }
  if (isValidatorError(err)) {
    if (err.status === 404 || err.status === 405)
      return new ModelArtsError(404, "ModelArts.0102", `The resource does not exist: ${req.method} ${req.path}.`);
    if (err.status === 415) {
      // No body at all is a missing parameter (400), not a body in the wrong format.
      if (!hasBody(req)) return modelArtsErrors.invalidParameter("The request body is required: a JSON object.");
      return new ModelArtsError(415, "ModelArts.0101", "The request body must be application/json.");
    }
    const details = (err.errors ?? []).map((e) => {
      const c = validatorErrorToCause(e);
      return c.field ? `${c.field}: ${validatorMessage(e)}` : validatorMessage(e);
    });
    return modelArtsErrors.invalidParameter(details.join("; ") || err.message);
  }
  return modelArtsErrors.internal();
}

/** Whether the request carries a body (as Node's HTTP parser tells it: a length or chunks). */
function hasBody(req: Request): boolean {
  return req.get("transfer-encoding") !== undefined || Number(req.get("content-length") ?? 0) > 0;
}
