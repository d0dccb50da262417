// The fast path: a node:http request listener in front of the Express app that serves the hottest,
// simplest requests (GET of one object, a JSON Merge Patch of one object) without Express's router,
// middleware chain and express-openapi-validator's per-request route matching, which cost most of
// their time. It answers only what it is sure of, with the same modules the app uses: the token
// table and authorize(), requestInfo(), the kind's handlers (hence the ResourceStore and its SQLite
// transaction), the JSON depth and number checks, the spec's own schemas compiled once with
// express-openapi-validator's ajv factory and options, and the same access log (pino-http).
//
// Everything else goes to the Express app untouched: an unusual header, query parameter or media
// type before the body is read; and, once it has been read, a body or a request that fails any
// check or that the handler refuses (an error stores nothing). The Express app then answers as it
// would have, on a copy of the request that replays the body already read: its errors are the
// only ones clients see.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { parse as parseQuery } from "node:querystring";
import type { Handlers } from "../api/handlers.js";
import type { OpenApiDocument } from "../api/routes.js";
import type { KindDescriptor } from "../resources/kinds.js";
import { mergePatchType } from "../resources/kinds.js";
import { acceptedTable } from "../resources/table.js";
import { authorize, type TokenTable, tokenOf } from "./auth.js";
import { jsonDepth, maxJsonDepth } from "./json-depth.js";
import { inexactNumber } from "./json-numbers.js";
import { requestInfo } from "./request-info.js";
import { negotiate, prettyAgents, RawJson } from "./respond.js";

const require = createRequire(import.meta.url);

/** A validator compiled by ajv: true when the data is valid (it may fill in defaults). */
type Check = (data: unknown) => boolean;

interface FastOperation {
  operationId: string;
  /** The query parameters the operation declares, each with its schema's check. */
  query: Map<string, Check>;
  namespace: Check;
  name: Check;
  /** The merge patch body's schema (PATCH only). */
  body?: Check;
}

interface FastKind {
  kind: KindDescriptor;
  get?: FastOperation;
  patch?: FastOperation;
}

export interface FastPathOptions {
  document: OpenApiDocument;
  kinds: readonly KindDescriptor[];
  handlers: Handlers;
  tokens: TokenTable;
  maxBodyBytes: number;
  /** The access log's pino-http instance, shared with the app. */
  accessLog: (req: IncomingMessage, res: ServerResponse) => void;
  /** The Express app: everything the fast path does not serve. */
  app: (req: IncomingMessage, res: ServerResponse) => void;
  /** Told of each request the fast path answers itself. */
  onServed?: () => void;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: unknown;
  $ref?: string;
}

/**
 * The ajv instances express-openapi-validator builds for requests, with the options app.ts gives
 * it (bodies never coerced, all errors): the same keywords, formats and readOnly handling.
 */
function requestAjvs(document: OpenApiDocument) {
  const { createRequestAjv } = require("express-openapi-validator/dist/framework/ajv/index.js") as {
    createRequestAjv: (
      doc: unknown,
      options: Record<string, unknown>,
    ) => { compile: (schema: unknown) => Check & { errors?: unknown } };
  };
  const { defaultSerDes } = require("express-openapi-validator/dist/framework/base.serdes.js") as {
    defaultSerDes: { format: string }[];
  };
  const serDesMap = Object.fromEntries(defaultSerDes.map((s) => [s.format, s]));
  const base = {
    strict: false,
    strictNumbers: true,
    strictTuples: true,
    allowUnionTypes: false,
    validateSchema: false,
    useDefaults: true,
    removeAdditional: false,
    validateFormats: true,
    formats: {},
    serDesMap,
    allErrors: true,
  };
  const spec = structuredClone(document) as OpenApiDocument & { components?: { examples?: unknown } };
  delete spec.components?.examples;
  return {
    // Parameters are always coerced by the validator; the body never is (app.ts).
    parameters: createRequestAjv(spec, { ...base, coerceTypes: true }),
    body: createRequestAjv(spec, { ...base, coerceTypes: false }),
  };
}

function compileOperations(options: FastPathOptions): Map<string, FastKind> {
  const doc = options.document as OpenApiDocument & {
    components: { parameters: Record<string, Parameter> };
  };
  const ajv = requestAjvs(options.document);
  const deref = (p: Parameter): Parameter =>
    p.$ref ? (doc.components.parameters[p.$ref.replace("#/components/parameters/", "")] as Parameter) : p;
  const kinds = new Map<string, FastKind>();
  for (const kind of options.kinds) {
    const path = `/apis/${kind.group}/${kind.version}/namespaces/{namespace}/${kind.plural}/{name}`;
    const item = doc.paths[path] as Record<string, unknown> | undefined;
    if (!item) continue;
    const common = ((item.parameters ?? []) as Parameter[]).map(deref);
    const operation = (method: "get" | "patch"): FastOperation | undefined => {
      const op = item[method] as
        | {
            operationId?: string;
            parameters?: Parameter[];
            requestBody?: { content?: Record<string, { schema?: unknown }> };
          }
        | undefined;
      if (!op?.operationId || !(op.operationId in options.handlers)) return undefined;
      const params = [...common, ...(op.parameters ?? []).map(deref)];
      const query = new Map<string, Check>();
      let namespace: Check | undefined;
      let name: Check | undefined;
      for (const p of params) {
        // A header or cookie parameter, or a required query parameter: not a request for the fast path.
        if (p.in === "query" && p.required) return undefined;
        // Only plain string parameters: the app refuses some numbers the validator would coerce
        // (http/strict-numbers.ts), so a request with any other parameter goes to the app.
        if (p.in === "query") {
          if ((p.schema as { type?: unknown } | undefined)?.type === "string")
            query.set(p.name, ajv.parameters.compile(p.schema));
        } else if (p.in === "path" && p.name === "namespace") namespace = ajv.parameters.compile(p.schema ?? {});
        else if (p.in === "path" && p.name === "name") name = ajv.parameters.compile(p.schema ?? {});
        else return undefined;
      }
      if (!namespace || !name) return undefined;
      if (method === "get") return { operationId: op.operationId, query, namespace, name };
      const schema = op.requestBody?.content?.[mergePatchType]?.schema;
      if (!schema || !kind.patchTypes.includes(mergePatchType)) return undefined;
      return { operationId: op.operationId, query, namespace, name, body: ajv.body.compile(schema) };
    };
    const get = operation("get");
    const patch = operation("patch");
    kinds.set(`${kind.group}/${kind.version}/${kind.plural}`, {
      kind,
      ...(get ? { get } : {}),
      ...(patch ? { patch } : {}),
    });
  }
  return kinds;
}

/** /apis/{group}/{version}/namespaces/{namespace}/{plural}/{name}, plain characters only. */
const objectPath = /^\/apis\/([a-z0-9.-]+)\/([a-z0-9]+)\/namespaces\/([a-z0-9-]+)\/([a-z0-9]+)\/([a-z0-9.-]+)$/;

/** The request listener: the fast path, falling through to `options.app`. */
export function fastPath(options: FastPathOptions): http.RequestListener {
  const kinds = compileOperations(options);
  const { app, tokens, handlers, accessLog } = options;

  /** The request's operation, user and parsed query, if the fast path may serve it. */
  const admit = (req: IncomingMessage) => {
    const method = req.method;
    if (method !== "GET" && method !== "PATCH") return undefined;
    const url = req.url ?? "";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const m = objectPath.exec(path);
    if (!m) return undefined;
    const fast = kinds.get(`${m[1]}/${m[2]}/${m[4]}`);
    const op = method === "GET" ? fast?.get : fast?.patch;
    if (!fast || !op) return undefined;
    const namespace = m[3]!;
    const name = m[5]!;
    if (!op.namespace(namespace) || !op.name(name)) return undefined;
    const headers = req.headers;
    // Answers the app would shape differently: YAML, a Table, pretty JSON.
    const accept = headers.accept;
    if (negotiate(accept) !== "application/json" || acceptedTable(accept) !== undefined) return undefined;
    if (prettyAgents.test(headers["user-agent"] ?? "")) return undefined;
    for (const h in headers) if (h.startsWith("impersonate-")) return undefined;
    // A browser's request from another origin is CORS's to answer (http/cors.ts).
    if (headers.origin !== undefined) return undefined;
    const query: Record<string, string> = {};
    if (q >= 0) {
      const parsed = parseQuery(url.slice(q + 1));
      for (const [key, value] of Object.entries(parsed)) {
        const check = op.query.get(key);
        if (!check || typeof value !== "string" || key === "pretty" || !check(value)) return undefined;
        query[key] = value;
      }
    }
    const caller = tokens.authenticate(tokenOf(headers.authorization, headerValue(headers["x-auth-token"])));
    if (!caller) return undefined;
    const info = requestInfo(method, path);
    if (!authorize(caller, info)) return undefined;
    if (method === "PATCH") {
      // Exactly the merge patch media type, no parameters (a charset goes to the app), an
      // unencoded body of a declared length within the limit.
      if ((headers["content-type"] ?? "").toLowerCase() !== mergePatchType) return undefined;
      if (headers["content-encoding"] !== undefined || headers["transfer-encoding"] !== undefined) return undefined;
      const length = Number(headers["content-length"]);
      if (!(length > 0 && length <= options.maxBodyBytes)) return undefined;
    }
    return { op, user: caller, params: { namespace, name }, query };
  };

  const serve = async (
    req: IncomingMessage,
    res: ServerResponse,
    admitted: NonNullable<ReturnType<typeof admit>>,
    body: unknown,
  ): Promise<boolean> => {
    const handler = handlers[admitted.op.operationId as keyof Handlers] as unknown as (
      ctx: unknown,
    ) => Promise<{ status: number; body: unknown; contentType?: string }>;
    let reply: { status: number; body: unknown; contentType?: string };
    try {
      reply = await handler({
        params: admitted.params,
        query: admitted.query,
        body,
        user: admitted.user,
        req: { get: (h: string) => headerValue(req.headers[h.toLowerCase()]), res },
      });
    } catch {
      // A refusal (404, 409, 422...) stored nothing: the app answers it, in its own words.
      return false;
    }
    if (!(reply.body instanceof RawJson) || reply.contentType !== undefined) return false;
    // The access log names the query and the (not yet routed) params as it does for Express's requests.
    Object.assign(req, { query: admitted.query, params: {} });
    accessLog(req, res);
    options.onServed?.();
    res.statusCode = reply.status;
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", String(Buffer.byteLength(reply.body.text)));
    res.end(reply.body.text);
    return true;
  };

  return (req, res) => {
    const admitted = admit(req);
    if (!admitted) {
      app(req, res);
      return;
    }
    if (req.method === "GET") {
      serve(req, res, admitted, undefined).then(
        (served) => served || app(req, res),
        () => app(req, res),
      );
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
    });
    req.once("error", () => undefined);
    req.once("end", () => {
      const raw = Buffer.concat(chunks, size);
      const fallThrough = () => app(replay(req, raw), res);
      const body = acceptableBody(raw, admitted.op.body!);
      if (body === undefined) {
        fallThrough();
        return;
      }
      serve(req, res, admitted, body).then(
        (served) => served || fallThrough(),
        () => fallThrough(),
      );
    });
  };
}

/** The parsed body, when it passes every check the app makes before its handler; else undefined. */
function acceptableBody(raw: Buffer, schema: Check): object | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  if (jsonDepth(body, maxJsonDepth) > maxJsonDepth) return undefined;
  if (inexactNumber(body) !== undefined) return undefined;
  if (!schema(body)) return undefined;
  return body;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * A copy of a request whose body has been read, replaying that body: the app reads it as it would
 * have read the original (its parser, its limits, its errors).
 */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = new http.IncomingMessage(req.socket);
  copy.method = req.method as string;
  copy.url = req.url as string;
  copy.httpVersion = req.httpVersion;
  copy.httpVersionMajor = req.httpVersionMajor;
  copy.httpVersionMinor = req.httpVersionMinor;
  copy.headers = req.headers;
  copy.rawHeaders = req.rawHeaders;
  // Complete once read, as the parser marks a request: an incomplete one is destroyed as aborted,
  // and its socket with it.
  copy.once("end", () => {
    copy.complete = true;
  });
  copy.push(body);
  copy.push(null);
  return copy;
}
