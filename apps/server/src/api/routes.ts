// Binds each operation of the OpenAPI document to its handler, by operationId: the routes come
// from the spec, so a path exists in the server exactly when it exists in the spec.
import { operations } from "@trainjobs/openapi/document";
import type { Express, Request, Response } from "express";
import type { User } from "../http/auth.js";
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
  options: { viaResJson: boolean },
): void {
  for (const { path, method, operation } of operations<{ operationId?: OperationId }>(document)) {
    const route = path.replace(/\{([^}]+)\}/g, ":$1");
    const operationId = operation.operationId;
    if (!operationId) continue;
    const handler = (handlers[operationId] as AnyHandler | undefined) ?? notImplemented(operationId);
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
 * operation, which answers 501.
 */
function notImplemented(operationId: string): AnyHandler {
  return () => {
    throw new StatusError(
      501,
      "NotImplemented",
      `the operation ${operationId} is in the API's spec but this server does not implement it yet`,
    );
  };
}
