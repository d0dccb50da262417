// Methods, as the spec declares them per path: HEAD is served wherever GET is (as GET, without a
// body), and a method a known path does not have is 405 with an `Allow` header listing the ones it
// has (Kubernetes) or 404 ModelArts.0102 (ModelArts, as the validator's 405 always was there).
// Paths are matched case-sensitively, as the router is: `/V1/...` is no ModelArts path.
import type { NextFunction, Request, Response } from "express";
import { StatusError } from "../resources/errors.js";
import { modelArtsErrors } from "./modelarts-error.js";
import { requestInfo } from "./request-info.js";

const specMethods = ["get", "put", "post", "delete", "patch", "options", "head", "trace"] as const;

interface Route {
  pattern: RegExp;
  allow: string[];
  /** The methods whose operation takes a request body. */
  withBody: string[];
}

/** Each path of the document as a pattern (`{param}` is one non-empty segment) and its methods. */
export function routesOf(document: { paths: Record<string, Record<string, unknown>> }): Route[] {
  return Object.entries(document.paths).map(([path, item]) => {
    const source = path
      .split("/")
      .map((segment) => (/^\{[^}]+\}$/.test(segment) ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    const methods = specMethods.filter((m) => item[m] !== undefined).map((m) => m.toUpperCase());
    if (methods.includes("GET") && !methods.includes("HEAD")) methods.push("HEAD");
    const withBody = specMethods
      .filter((m) => (item[m] as { requestBody?: unknown } | undefined)?.requestBody !== undefined)
      .map((m) => m.toUpperCase());
    return { pattern: new RegExp(`^${source}$`), allow: methods, withBody };
  });
}

/**
 * Whether the request's operation takes a body. Bodies of the others (a GET's, a deletecollection's)
 * are not read, as the apiserver ignores them: they cannot make such a request fail.
 */
export function takesBody(routes: readonly Route[], req: Request): boolean {
  const route = routes.find((r) => r.pattern.test(req.path));
  return route !== undefined && route.withBody.includes(req.method);
}

/** HEAD is GET for everything after this (Node sends no body for a HEAD request's response). */
export function headAsGet(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === "HEAD") req.method = "GET";
  next();
}

export function methodNotAllowed(routes: readonly Route[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const route = routes.find((r) => r.pattern.test(req.path));
    if (!route || route.allow.includes(req.method)) {
      next();
      return;
    }
    if (requestInfo(req.method, req.path).family === "modelarts") {
      next(modelArtsErrors.notFound(`${req.method} ${req.path}`));
      return;
    }
    res.setHeader("Allow", route.allow.join(", "));
    next(new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"));
  };
}

/** After every route: a path no operation has is 404 in its family's format. */
export function unknownPath(req: Request, _res: Response, next: NextFunction): void {
  if (requestInfo(req.method, req.path).family === "modelarts") {
    next(modelArtsErrors.notFound(`${req.method} ${req.path}`));
    return;
  }
  next(new StatusError(404, "NotFound", "the server could not find the requested resource", {}));
}
