// createServer(options): the Express app of the reference server, without listening. The request
// path: the access log; CORS (preflights answered before authentication); public endpoints; authentication; authorization from the URL; body parsing (JSON and
// every +json type, 3 MiB); validation against the bundled spec; the handler bound by
// operationId; one error handler.
import { existsSync, readFileSync } from "node:fs";
import type http from "node:http";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { operations } from "@trainjobs/openapi/document";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import * as OpenApiValidator from "express-openapi-validator";
import { type Logger, pino } from "pino";
import { discoveryHandlers } from "./api/discovery.js";
import type { Handlers } from "./api/handlers.js";
import { kindHandlers } from "./api/kube.js";
import { kubeOpenApiDocuments, kubeOpenApiHandlers } from "./api/kube-openapi.js";
import { modelArtsHandlers } from "./api/modelarts.js";
import { namespaceHandlers } from "./api/namespaces.js";
import { type Lifecycle, operationHandlers } from "./api/operations.js";
import { bindRoutes, type OpenApiDocument } from "./api/routes.js";
import { type WatchOptions, WatchStreams } from "./api/watch.js";
import { accessLog } from "./http/access-log.js";
import { authorize, type TokenTable, tokenOf, type User } from "./http/auth.js";
import { corsFor } from "./http/cors.js";
import { errorHandler } from "./http/errors.js";
import { fastPath } from "./http/fast-path.js";
import { effectiveUser } from "./http/impersonation.js";
import { jsonDepthLimit } from "./http/json-depth.js";
import { exactJsonNumbers } from "./http/json-numbers.js";
import { liveDocs } from "./http/live-reload.js";
import { headAsGet, methodNotAllowed, routesOf, takesBody, unknownPath } from "./http/methods.js";
import { modelArtsErrors } from "./http/modelarts-error.js";
import { type RequestInfo, requestInfo } from "./http/request-info.js";
import { isKubePath, kubeMediaTypes, negotiate, wantsPretty } from "./http/respond.js";
import { integerQueryParameters, strictIntegerQuery } from "./http/strict-numbers.js";
import { badRequest, forbidden, notAcceptable, unauthorized } from "./resources/errors.js";
import { allKinds, job, type KindDescriptor, mxJob, pyTorchJob, tfJob } from "./resources/kinds.js";
import { type KindStores, kindStores } from "./resources/store.js";
import { schemaPatchMeta } from "./resources/strategic-merge-patch.js";
import { compileObjectValidator } from "./resources/validation.js";
import type { Store } from "./store/index.js";

export interface ServerOptions {
  store: Store;
  tokens: TokenTable;
  /** Validate every response against the spec too (tests turn this on). */
  validateResponses?: boolean;
  logger?: Logger;
  /** The bundled OpenAPI document; defaults to @trainjobs/openapi's dist/openapi.json. */
  documentPath?: string;
  /** The docs portal's page; defaults to @trainjobs/docs's dist/index.html. */
  docsPath?: string;
  /** Watch timers and intervals (tests drive bookmarks and timeouts with a fake clock). */
  watch?: WatchOptions;
  /**
   * Dev mode (`npm run dev`, TRAINJOBS_DEV=1): an operation without a handler answers its
   * documented example with a `Warning: 199` header instead of 501, and the docs page reloads
   * itself after a rebuild (http/live-reload.ts).
   */
  dev?: boolean;
  /** Origins whose pages may call the API from a browser (CORS); none by default. */
  corsAllowedOrigins?: readonly string[];
  /**
   * Serve the simplest GET and merge-patch requests of one object before Express (http/fast-path.ts);
   * default true. The differential test turns it off to compare.
   */
  fastPath?: boolean;
}

export interface TrainjobsServer extends Express {
  /** Stop answering /readyz with 200 (graceful shutdown). */
  lifecycle: Lifecycle;
  /** The open watch streams: a graceful shutdown ends them (closeAll). */
  watches: WatchStreams;
  /** Ends the streams that never end by themselves (the docs' live reload in dev mode). */
  closeStreams(): void;
  /** Dev mode: why the docs page is stale (`npm run dev`'s last error), undefined when it is not. */
  setDevStatus(text: string | undefined): void;
  /** The kinds' stores, as the handlers use them: the controller (controller/) writes through them. */
  kindStores: readonly KindStores[];
  /** The request listener to serve with: the fast path in front of the app, or the app alone. */
  listener: http.RequestListener;
  /** How many requests the fast path has answered itself (the rest went to Express). */
  fastPathServed: number;
}

/** 3 MiB, as kube-apiserver's MaxRequestBodyBytes. */
export const maxBodyBytes = 3 * 1024 * 1024;

const require = createRequire(import.meta.url);

function resolveOptional(specifier: string): string | undefined {
  try {
    return require.resolve(specifier);
  } catch {
    return undefined;
  }
}

export function createServer(options: ServerOptions): TrainjobsServer {
  const logger = options.logger ?? pino({ level: "silent" });
  const documentPath = options.documentPath ?? require.resolve("@trainjobs/openapi/openapi.json");
  const documentJson = readFileSync(documentPath, "utf8");
  const yamlPath = documentPath.replace(/\.json$/, ".yaml");
  const documentYaml = existsSync(yamlPath) ? readFileSync(yamlPath, "utf8") : "";
  const document = JSON.parse(documentJson) as OpenApiDocument & { components: { schemas: Record<string, unknown> } };

  const validate = compileObjectValidator(
    document,
    allKinds.map((k) => k.kind),
  );
  const lifecycle: Lifecycle = { accepting: true };
  const watches = new WatchStreams();
  const watch = { ...options.watch, streams: watches };
  const stores = {
    tfJob: kindStores(tfJob, options.store, validate),
    pyTorchJob: kindStores(pyTorchJob, options.store, validate),
    mxJob: kindStores(mxJob, options.store, validate),
    job: kindStores(job, options.store, validate),
  };
  const handlers: Handlers = {
    ...kindHandlers(tfJob, stores.tfJob, watch),
    ...kindHandlers(pyTorchJob, stores.pyTorchJob, watch),
    ...kindHandlers(mxJob, stores.mxJob, watch),
    ...kindHandlers(job, stores.job, watch, {
      patchMeta: schemaPatchMeta(document, { $ref: `#/components/schemas/${job.kind}` }),
    }),
    ...modelArtsHandlers(options.store),
    ...discoveryHandlers(allKinds),
    ...namespaceHandlers(options.store, allKinds),
    ...kubeOpenApiHandlers(kubeOpenApiDocuments(document as never, allKinds)),
    ...operationHandlers(options.store, lifecycle, documentJson, documentYaml),
  };

  const app = express() as unknown as TrainjobsServer;
  app.lifecycle = lifecycle;
  app.kindStores = Object.values(stores);
  app.watches = watches;
  app.closeStreams = () => undefined;
  app.setDevStatus = () => undefined;
  app.fastPathServed = 0;
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  // First, so that every request is logged, those refused before their handler included.
  const log = accessLog(logger);
  app.use(log);
  // `/V1/...` is not `/v1/...`: see http/methods.ts.
  app.set("case sensitive routing", true);
  app.use(headAsGet);
  if (options.corsAllowedOrigins?.length) app.use(corsFor(options.corsAllowedOrigins));

  // The docs portal: a static page, public.
  const docsPath = options.docsPath ?? resolveOptional("@trainjobs/docs/index.html");
  if (docsPath && existsSync(docsPath)) {
    if (options.dev) {
      const live = liveDocs(app, docsPath);
      app.closeStreams = () => live.close();
      app.setDevStatus = (text) => live.setStatus(text);
    } else app.get(["/docs", "/docs/"], (_req, res) => res.sendFile(docsPath));
    app.use("/docs", express.static(dirname(docsPath), { index: false }));
  }

  // Operations the spec marks `security: []` need no token.
  // Their paths may be templates (/openapi/v3/apis/{group}/{version}): one segment per parameter.
  const publicPaths = operations<{ security?: unknown[] }>(document)
    .filter(({ operation }) => Array.isArray(operation.security) && operation.security.length === 0)
    .map(({ path }) => pathPattern(path));
  app.use(authenticate(options.tokens, publicPaths));
  const routes = routesOf(document as never);
  app.use(methodNotAllowed(routes));
  // As the apiserver: a POST or PUT body without a Content-Type is read as JSON (a PATCH must name
  // its patch type, else 415).
  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (
      (req.method === "POST" || req.method === "PUT") &&
      !req.headers["content-type"] &&
      req.path.startsWith("/api")
    ) {
      req.headers["content-type"] = "application/json";
    }
    next();
  });
  // Kubernetes-style answers come as JSON or YAML; an Accept naming neither (Protobuf alone) is 406.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (isKubePath(req.path) && negotiate(req.get("accept")) === undefined) next(notAcceptable(kubeMediaTypes));
    else next();
  });
  // Not strict: a JSON body that is not an object (null, "x") is valid JSON, and the validator says
  // what is wrong with it, rather than the parser calling it malformed.
  // Only the bodies of operations that take one are read (http/methods.ts: takesBody).
  const json = express.json({ type: ["application/json", "application/*+json"], limit: maxBodyBytes, strict: false });
  app.use((req: Request, res: Response, next: NextFunction) =>
    takesBody(routes, req) ? json(req, res, next) : next(),
  );
  // Before anything walks the body recursively (validation first): see http/json-depth.ts.
  app.use(jsonDepthLimit());
  // Numbers JSON.parse has rounded or made infinite: see http/json-numbers.ts.
  app.use(exactJsonNumbers());
  // Installed before the validator wraps res.json, so that validated responses are pretty too.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (wantsPretty(req))
      // A JSON media type already set (a Table's) is kept.
      res.json = (body: unknown) =>
        (res.get("Content-Type") ? res : res.type("application/json")).send(`${JSON.stringify(body, null, 2)}\n`);
    next();
  });
  app.use(typeMeta);
  // Before the validator, which coerces `0x10` to 16: see http/strict-numbers.ts.
  app.use(strictIntegerQuery(integerQueryParameters(document as never)));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: structuredClone(document) as never,
      validateApiSpec: false,
      // Parameters are always coerced from strings; bodies never are: "2" is not a number.
      validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false, allErrors: true },
      validateResponses: options.validateResponses ? { allErrors: true } : false,
      validateSecurity: false,
      ignorePaths: /^\/docs(\/|$)/,
    }),
  );
  bindRoutes(app, document, handlers, {
    viaResJson: options.validateResponses === true,
    mockUnimplemented: options.dev === true,
  });
  app.use(unknownPath);
  app.use(errorHandler(logger));
  // With CORS configured every answer varies by Origin (http/cors.ts), and dev mode mocks and
  // reloads: the fast path knows neither, so those servers are Express alone.
  app.listener =
    options.fastPath === false || options.corsAllowedOrigins?.length || options.dev
      ? app
      : fastPath({
          document,
          kinds: allKinds,
          handlers,
          tokens: options.tokens,
          maxBodyBytes,
          accessLog: log as never,
          app,
          onServed: () => {
            app.fastPathServed++;
          },
        });
  return app;
}

/** A path of the spec as a pattern: each `{parameter}` is one segment. */
function pathPattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+");
  return new RegExp(`^${escaped}$`);
}

/**
 * apiVersion and kind of a created or replaced object, before the schema sees them. For a built-in
 * kind (Job) the apiserver decodes into the type the URL names: absent ones are that type's (typed
 * clients leave them out), a different one is 400. For a custom resource it decodes unstructured
 * JSON, which must name its kind and apiVersion (400 otherwise), and they must be the URL's.
 */
function typeMeta(req: Request, _res: Response, next: NextFunction): void {
  try {
    defaultTypeMeta(req);
    next();
  } catch (err) {
    next(err);
  }
}

function defaultTypeMeta(req: Request): void {
  if (req.method !== "POST" && req.method !== "PUT") return;
  const info = requestInfo(req.method, req.path);
  const kind = allKinds.find((k) => k.plural === info.resource && k.group === info.group && k.version === info.version);
  const body = req.body as Record<string, unknown> | undefined;
  if (!kind || info.family !== "kube" || typeof body !== "object" || body === null || Array.isArray(body)) return;
  const missing = (v: unknown) => v === undefined || v === "";
  if (kind.defaultsTypeMeta && (missing(body.apiVersion) || missing(body.kind))) {
    // First, where the apiserver writes them.
    const { apiVersion, kind: k, ...rest } = body;
    req.body = {
      apiVersion: missing(apiVersion) ? kind.apiVersion : apiVersion,
      kind: missing(k) ? kind.kind : k,
      ...rest,
    };
    typeMetaMatches(kind, req.body as Record<string, unknown>);
    return;
  }
  const text = () => JSON.stringify(body).slice(0, 200);
  if (missing(body.kind)) throw badRequest(`Object 'Kind' is missing in '${text()}'`);
  if (missing(body.apiVersion)) throw badRequest(`Object 'apiVersion' is missing in '${text()}'`);
  typeMetaMatches(kind, body);
}

function typeMetaMatches(kind: KindDescriptor, body: Record<string, unknown>): void {
  if (typeof body.apiVersion === "string" && body.apiVersion !== kind.apiVersion) {
    throw badRequest(
      `the API version in the data (${body.apiVersion}) does not match the expected API version (${kind.apiVersion})`,
    );
  }
  if (typeof body.kind === "string" && body.kind !== kind.kind) {
    throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${kind.kind})`);
  }
}

/** Authentication, then authorization from the URL alone, before any body is read. */
function authenticate(tokens: TokenTable, publicPaths: readonly RegExp[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (publicPaths.some((p) => p.test(req.path))) {
      next();
      return;
    }
    const info = requestInfo(req.method, req.path);
    const token = tokenOf(req.get("authorization"), req.get("x-auth-token"));
    const caller = tokens.authenticate(token);
    if (!caller) {
      if (info.family === "modelarts") next(token ? modelArtsErrors.tokenInvalid() : modelArtsErrors.tokenMissing());
      else next(unauthorized());
      return;
    }
    // Impersonate-* headers: see http/impersonation.ts.
    const user = effectiveUser(caller, req, info, (name) => tokens.userNamed(name));
    if (!authorize(user, info)) {
      next(denial(user, info));
      return;
    }
    res.locals.user = user;
    next();
  };
}

/** The apiserver's wording: `User "alice" cannot patch resource "tfjobs" in API group ...`. */
function denial(user: User, info: RequestInfo): Error {
  if (info.family === "modelarts") return modelArtsErrors.notAllowed();
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : (info.resource ?? "");
  const where = info.namespace !== undefined ? `in the namespace "${info.namespace}"` : "at the cluster scope";
  const kind = allKinds.find((k) => k.plural === info.resource && k.group === info.group);
  const ref = kind ?? { group: info.group ?? "", plural: info.resource ?? "", kind: "" };
  return forbidden(
    ref,
    info.name,
    `User "${user.name}" cannot ${info.verb} resource "${resource}" in API group "${info.group ?? ""}" ${where}`,
  );
}
