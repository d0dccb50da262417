// Redocly plugin `trainjobs`: the `trainjobs/code-samples` decorator writes `x-codeSamples` on every
// operation of the bundle, a curl command and a TypeScript call through @trainjobs/client, both
// derived from the spec itself (server URL, path, method, parameters, security, request media type
// and the request body's first example). Nothing here is hand-maintained per operation: change the
// spec and `npm run build` regenerates every sample. The docs portal renders them; apps/docs
// type-checks the TypeScript ones against the client (`npm run typecheck -w @trainjobs/docs`).
//
// It runs on `Root.leave`, after the bundler has turned every reference into a local
// `#/components/...` one, so it reads the finished document and resolves local refs itself
// (`deref` of ../scripts/document.mjs, which throws on a non-local, circular or dangling one).

import { deref, operations } from "../scripts/document.mjs";

const FALLBACK_SERVER = "http://127.0.0.1:8080";
/** Lines of a sample stay inline up to this width, then objects break over several lines. */
const WIDTH = 100;

export default function trainjobsPlugin() {
  return {
    id: "trainjobs",
    decorators: {
      oas3: {
        "code-samples": CodeSamples,
      },
    },
  };
}

/** The decorator: `decorators: { trainjobs/code-samples: on }` in redocly.yaml. */
export function CodeSamples() {
  return {
    Root: {
      leave(root) {
        addCodeSamples(root);
      },
    },
  };
}

/** Writes `x-codeSamples` on every operation of a bundled (locally referenced) document. */
export function addCodeSamples(root) {
  for (const { path, method, pathItem, operation: op } of operations(root)) {
    const request = describeRequest(root, path, pathItem, method, op);
    const generated = [
      { lang: "curl", label: "curl", source: curlSample(request) },
      { lang: "TypeScript", label: "TypeScript", source: typescriptSample(request) },
    ];
    const labels = new Set(generated.map((s) => s.label));
    const others = (op["x-codeSamples"] ?? []).filter((s) => !labels.has(s.label ?? s.lang));
    op["x-codeSamples"] = [...generated, ...others];
  }
  return root;
}

/** Everything a sample needs about one operation, with values filled in from the spec. */
export function describeRequest(root, path, item, method, op) {
  const params = mergeParameters(root, item.parameters, op.parameters);
  const examples = operationExamples(root, op);
  const exampleValue = (p) => parameterValue(root, p, examples);
  const pathParams = params.filter((p) => p.in === "path").map((p) => [p.name, exampleValue(p)]);
  // Optional query and header parameters only clutter a sample: keep the required ones.
  const query = params.filter((p) => p.in === "query" && p.required).map((p) => [p.name, exampleValue(p)]);
  const headers = params.filter((p) => p.in === "header" && p.required).map((p) => [p.name, exampleValue(p)]);

  let body;
  const requestBody = deref(root, op.requestBody);
  const [mediaType, media] = Object.entries(requestBody?.content ?? {})[0] ?? [];
  if (media) {
    const example = firstExample(root, media);
    if (example !== undefined) body = { mediaType, value: example };
  }

  const server = serverUrl(op.servers?.[0] ?? item.servers?.[0] ?? root.servers?.[0]);
  return {
    method,
    path,
    server,
    pathParams,
    query,
    headers,
    body,
    auth: authHeader(root, op.security ?? root.security ?? []),
    parseAsText: !answersJson(root, op),
  };
}

// ---------------------------------------------------------------------------------------------
// curl

export function curlSample(req) {
  let url =
    req.server +
    req.path.replace(/\{([^}]+)\}/g, (_, name) => {
      const found = req.pathParams.find(([n]) => n === name);
      return encodeURIComponent(String(found ? found[1] : name));
    });
  if (req.query.length) {
    url += `?${req.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join("&")}`;
  }
  const lines = [`curl -X ${req.method.toUpperCase()} ${shellQuote(url)}`];
  // Double quotes so that the shell expands $TOKEN.
  if (req.auth) lines.push(`-H "${req.auth.header}: ${req.auth.prefix}$TOKEN"`);
  for (const [name, value] of req.headers) lines.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  if (req.body) {
    lines.push(`-H ${shellQuote(`Content-Type: ${req.body.mediaType}`)}`);
    const compact = JSON.stringify(req.body.value);
    const data = compact.length <= WIDTH - 10 ? compact : JSON.stringify(req.body.value, null, 2);
    lines.push(`-d ${shellQuote(data)}`);
  }
  return lines.join(" \\\n  ");
}

function shellQuote(s) {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------------------
// TypeScript (@trainjobs/client, openapi-fetch underneath)

export function typescriptSample(req) {
  const options = [];
  const params = {};
  if (req.pathParams.length) params.path = Object.fromEntries(req.pathParams);
  if (req.query.length) params.query = Object.fromEntries(req.query);
  if (req.headers.length) params.header = Object.fromEntries(req.headers);
  if (Object.keys(params).length) options.push(["params", params]);
  if (req.body) options.push(["body", req.body.value]);
  // openapi-fetch parses JSON by default; text/plain and YAML answers need `parseAs: "text"`.
  if (req.parseAsText) options.push(["parseAs", "text"]);

  const call = `await api.${req.method.toUpperCase()}(${JSON.stringify(req.path)}`;
  const invocation = options.length
    ? `${call}, {\n${options.map(([k, v]) => `  ${k}: ${literal(v, 2, `  ${k}: `.length + 1)},`).join("\n")}\n});`
    : `${call});`;
  return [
    `import { createClient } from "@trainjobs/client";`,
    `const api = createClient({ baseUrl: ${JSON.stringify(req.server)}, token: process.env.TRAINJOBS_TOKEN });`,
    `const { data, error } = ${invocation}`,
  ].join("\n");
}

/**
 * A JavaScript literal of a JSON value, formatted the way people write one: inline when it fits in
 * the line (`used` columns are already taken), else one property per line.
 */
export function literal(value, indent = 0, used = indent) {
  const inline = inlineLiteral(value);
  if (inline.length + used <= WIDTH || value === null || typeof value !== "object") return inline;
  const pad = " ".repeat(indent + 2);
  if (Array.isArray(value)) {
    if (!value.length) return "[]";
    return `[\n${value.map((v) => `${pad}${literal(v, indent + 2, pad.length + 1)},`).join("\n")}\n${" ".repeat(indent)}]`;
  }
  const entries = Object.entries(value);
  if (!entries.length) return "{}";
  return `{\n${entries
    .map(([k, v]) => `${pad}${key(k)}: ${literal(v, indent + 2, `${pad}${key(k)}: `.length + 1)},`)
    .join("\n")}\n${" ".repeat(indent)}}`;
}

function inlineLiteral(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return value.length ? `[${value.map(inlineLiteral).join(", ")}]` : "[]";
  const entries = Object.entries(value);
  return entries.length ? `{ ${entries.map(([k, v]) => `${key(k)}: ${inlineLiteral(v)}`).join(", ")} }` : "{}";
}

function key(k) {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
}

// ---------------------------------------------------------------------------------------------
// Reading the spec

/** Path-item parameters overridden by operation parameters of the same name and location. */
function mergeParameters(root, itemParams = [], opParams = []) {
  const byKey = new Map();
  for (const raw of [...itemParams, ...opParams]) {
    const p = deref(root, raw);
    byKey.set(`${p.in}:${p.name}`, p);
  }
  return [...byKey.values()];
}

function firstExample(root, holder) {
  if (!holder) return undefined;
  if (holder.example !== undefined) return holder.example;
  const first = Object.values(holder.examples ?? {})[0];
  if (first !== undefined) return deref(root, first).value;
  return undefined;
}

/** The operation's example bodies, request first, then its 2xx responses. */
function operationExamples(root, op) {
  const out = [];
  const collect = (content) => {
    for (const media of Object.values(content ?? {})) {
      if (media.example !== undefined) out.push(media.example);
      for (const ex of Object.values(media.examples ?? {})) {
        const value = deref(root, ex).value;
        if (value !== undefined) out.push(value);
      }
    }
  };
  collect(deref(root, op.requestBody)?.content);
  for (const [code, resp] of Object.entries(op.responses ?? {})) {
    if (/^2/.test(code)) collect(deref(root, resp)?.content);
  }
  return out;
}

/**
 * A value for a parameter: its own example, else the first field of the same name in the
 * operation's examples (so `namespace` and `name` come out as the seed's `kube-test` and
 * `tfjob-test`), else in any named example of the document, else its schema's example, default,
 * const or first enum value, else a placeholder of the right type (its name, or 1).
 */
function parameterValue(root, param, operationExamples) {
  const own = firstExample(root, param);
  if (own !== undefined) return own;
  const schema = deref(root, param.schema) ?? {};
  const type = schemaType(root, schema);
  const fits = (v) =>
    (type === "string" && typeof v === "string") ||
    ((type === "integer" || type === "number") && typeof v === "number") ||
    (type === "boolean" && typeof v === "boolean");
  for (const example of operationExamples) {
    const found = findField(example, param.name, fits);
    if (found !== undefined) return found;
  }
  for (const ex of Object.values(root.components?.examples ?? {})) {
    const found = findField(deref(root, ex).value, param.name, fits);
    if (found !== undefined) return found;
  }
  const fromSchema = schemaValue(root, schema);
  if (fromSchema !== undefined) return fromSchema;
  return type === "integer" || type === "number" ? 1 : type === "boolean" ? true : param.name;
}

function schemaType(root, schema) {
  const s = deref(root, schema) ?? {};
  if (typeof s.type === "string") return s.type;
  if (Array.isArray(s.type)) return s.type.find((t) => t !== "null");
  for (const sub of [...(s.allOf ?? []), ...(s.oneOf ?? []), ...(s.anyOf ?? [])]) {
    const t = schemaType(root, sub);
    if (t) return t;
  }
  return "string";
}

function schemaValue(root, schema) {
  const s = deref(root, schema) ?? {};
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  for (const sub of s.allOf ?? []) {
    const v = schemaValue(root, sub);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Breadth-first: the shallowest field called `name` whose value fits, so metadata wins. */
function findField(value, name, fits) {
  let level = [value];
  while (level.length) {
    const next = [];
    for (const node of level) {
      if (!node || typeof node !== "object") continue;
      if (!Array.isArray(node) && Object.hasOwn(node, name) && fits(node[name])) return node[name];
      next.push(...Object.values(node));
    }
    level = next;
  }
  return undefined;
}

function serverUrl(server) {
  if (!server?.url) return FALLBACK_SERVER;
  const url = server.url.replace(/\{([^}]+)\}/g, (_, v) => server.variables?.[v]?.default ?? v);
  return url.replace(/\/$/, "");
}

/** The header of the first security requirement we can show, or none for `security: []`. */
function authHeader(root, requirements) {
  for (const requirement of requirements) {
    for (const name of Object.keys(requirement)) {
      const scheme = deref(root, root.components?.securitySchemes?.[name]);
      if (scheme?.type === "http" && scheme.scheme?.toLowerCase() === "bearer") {
        return { header: "Authorization", prefix: "Bearer " };
      }
    }
  }
  for (const requirement of requirements) {
    for (const name of Object.keys(requirement)) {
      const scheme = deref(root, root.components?.securitySchemes?.[name]);
      if (scheme?.type === "apiKey" && scheme.in === "header") return { header: scheme.name, prefix: "" };
    }
  }
  return undefined;
}

/** Whether the operation's success answer is JSON (or empty), what openapi-fetch parses by default. */
function answersJson(root, op) {
  const success = Object.entries(op.responses ?? {}).filter(([code]) => /^2/.test(code));
  const types = success.flatMap(([, resp]) => Object.keys(deref(root, resp)?.content ?? {}));
  return types.length === 0 || types.some((t) => /^application\/([\w.-]+\+)?json\b/.test(t));
}
