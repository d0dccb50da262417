// Binds each operation of the OpenAPI document to its handler, by operationId: the routes come
// from the spec, so a path exists in the server exactly when it exists in the spec.
import { deref, operations } from "@trainjobs/openapi/document";
import type { Express, Request, Response } from "express";
import type { User } from "../http/auth.js";
import { ModelArtsError } from "../http/modelarts-error.js";
import { requestInfo } from "../http/request-info.js";
import { RawJson, Streamed, sendJson } from "../http/respond.js";
import { StatusError } from "../resources/errors.js";
import type { Handlers, OperationId } from "./handlers.js";

// Seen from the router, every handler takes a context and answers a status and a body; the
// handler map itself is typed per operation where it is built.
type AnyHandler = (ctx: unknown) => Promise<AnyReply> | AnyReply;
interface AnyReply {
  status: number;
  body: unknown;
  contentType?: string;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId?: string } | unknown>>;
}

export function bindRoutes(
  app: Express,
  document: OpenApiDocument,
  handlers: Handlers,
  options: { viaResJson: boolean; mockUnimplemented?: boolean },
): void {
  for (const { path, method, operation } of operations<OperationObject>(document)) {
    const route = path.replace(/\{([^}]+)\}/g, ":$1");
    const operationId = operation.operationId;
    if (!operationId) continue;
    const implemented = handlers[operationId] as AnyHandler | undefined;
    const mock = !implemented && options.mockUnimplemented ? mockResponse(document, operation) : undefined;
    if (mock) {
      app[method](route, (_req: Request, res: Response) => {
        res.set("Warning", `199 - "mock response: operation ${operationId} has no handler"`);
        if (mock.body === undefined) res.status(mock.status).end();
        else if (/[/+]json$/.test(mock.contentType))
          res.status(mock.status).type(mock.contentType).send(JSON.stringify(mock.body));
        else res.status(mock.status).type(mock.contentType).send(String(mock.body));
      });
      continue;
    }
    const handler =
      implemented ??
      notImplemented(
        operationId,
        requestInfo(method.toUpperCase(), path).family === "modelarts",
        options.mockUnimplemented === true,
      );
    app[method](route, async (req: Request, res: Response) => {
      const ctx = {
        params: req.params,
        query: req.query,
        body: req.body as unknown,
        user: res.locals.user as User | undefined,
        req,
      };
      const reply = await handler(ctx);
      if (reply.body instanceof Streamed) return;
      const status = reply.status;
      if (reply.contentType?.startsWith("application/json") && typeof reply.body === "object") {
        sendJson(req, res, status, reply.body, { ...options, contentType: reply.contentType });
        return;
      }
      if (reply.contentType && !(reply.body instanceof RawJson)) {
        res.status(status).type(reply.contentType).send(reply.body);
        return;
      }
      sendJson(req, res, status, reply.body, options);
    });
  }
}

/**
 * An operation added to the spec before its handler: the type check (`npm run typecheck`) fails
 * until the handler exists, while the build, the served spec and the docs already show the new
 * operation, which answers 501 (in its family's error format), or its documented example in dev
 * mode (below).
 */
function notImplemented(operationId: string, modelArts: boolean, mocking: boolean): AnyHandler {
  const why = mocking ? " (and its spec documents no success response with an example to mock)" : "";
  const message = `the operation ${operationId} is in the API's spec but this server does not implement it yet${why}`;
  return () => {
    // ModelArts documents no code of its own for this: its server-side one, with the real status.
    if (modelArts) throw new ModelArtsError(501, "ModelArts.0010", message);
    throw new StatusError(501, "NotImplemented", message);
  };
}

interface OperationObject {
  operationId?: OperationId;
  responses?: Record<string, unknown>;
}

interface MockResponse {
  status: number;
  contentType: string;
  body: unknown;
}

/**
 * In dev mode (`npm run dev`: TRAINJOBS_DEV=1), as Prism does: an operation without a handler
 * answers the first example of its first success response, so that designers and client authors
 * use a new operation before the server implements it. `undefined` when the spec gives nothing to
 * answer (then 501 as ever); a success response without content answers its status alone.
 */
export function mockResponse(document: unknown, operation: OperationObject): MockResponse | undefined {
  const code = Object.keys(operation.responses ?? {})
    .filter((c) => /^2(\d\d|XX)$/i.test(c))
    .sort()[0];
  if (!code) return undefined;
  const status = /^2\d\d$/.test(code) ? Number(code) : 200;
  const response = deref(document, operation.responses?.[code]) as { content?: Record<string, unknown> } | undefined;
  const content = Object.entries(response?.content ?? {});
  if (content.length === 0) return { status, contentType: "", body: undefined };
  for (const [contentType, rawMedia] of content) {
    const media = deref(document, rawMedia) as { example?: unknown; examples?: Record<string, unknown> };
    const first = Object.values(media?.examples ?? {})[0];
    const body =
      first !== undefined ? (deref(document, first) as { value?: unknown } | undefined)?.value : media?.example;
    if (body !== undefined) return { status, contentType, body };
  }
  return undefined;
}
