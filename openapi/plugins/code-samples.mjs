// Redocly plugin `trainjobs`: the `trainjobs/code-samples` decorator writes `x-codeSamples` on every
// operation of the bundle, a curl command and a TypeScript call through @trainjobs/client, both
// derived from the spec itself (server URL, path, method, parameters, security, request media type
// and the request body's first example), and a kubectl command for the Kubernetes-style ones.
// Nothing here is hand-maintained per operation: change the spec and `npm run build` regenerates
// every sample. The `trainjobs/reader-order` decorator orders the path items and their operations
// so that the samples, pasted in the order the portal shows them on a fresh server, all succeed:
// apps/docs runs them so (test/samples-run.test.ts) and type-checks the TypeScript ones.
//
// It runs on `Root.leave`, after the bundler has turned every reference into a local
// `#/components/...` one, so it reads the finished document and resolves local refs itself
// (`deref` of ../scripts/document.mjs, which throws on a non-local, circular or dangling one).

import { deref, operations } from "../scripts/document.mjs";

const fallbackServer = "http://127.0.0.1:8080";
/**
 * Lines of a sample stay inline up to this width, then objects break over several lines and a
 * curl command puts its URL on a line of its own: the portal's sample panel shows about 80 columns.
 */
const lineWidth = 80;

export default function trainjobsPlugin() {
  return {
    id: "trainjobs",
    decorators: {
      oas3: {
        "code-samples": CodeSamples,
        "reader-order": ReaderOrder,
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
  const all = operations(root);
  for (const { path, method, pathItem, operation: op } of all) {
    const request = describeRequest(root, path, pathItem, method, op, createExamples(root, all, op));
    const generated = [
      { lang: "curl", label: "curl", source: curlSample(request) },
      { lang: "TypeScript", label: "TypeScript", source: typescriptSample(request) },
    ];
    const kubectl = kubectlSample(request);
    if (kubectl) generated.push({ lang: "kubectl", label: "kubectl", source: kubectl });
    const labels = new Set(generated.map((s) => s.label));
    const others = (op["x-codeSamples"] ?? []).filter((s) => !labels.has(s.label ?? s.lang));
    op["x-codeSamples"] = [...generated, ...others];
  }
  return root;
}

/**
 * The request examples of the operations that create what `op` works on (POSTs of its tag): path
 * parameters take their values from them first, so that every sample of a tag names the object
 * its create sample made.
 */
function createExamples(root, all, op) {
  const tag = op.tags?.[0];
  return all
    .filter((o) => o.method === "post" && o.operation.tags?.[0] === tag)
    .flatMap((o) => {
      const media = Object.values(deref(root, o.operation.requestBody)?.content ?? {})[0];
      const example = firstExample(root, media);
      return example === undefined ? [] : [example];
    });
}

/** Everything a sample needs about one operation, with values filled in from the spec. */
export function describeRequest(root, path, item, method, op, creates = []) {
  const params = mergeParameters(root, item.parameters, op.parameters);
  const examples = [...creates, ...operationExamples(root, op)];
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
    operationId: op.operationId,
    server,
    // A Kubernetes object's replace is conditional on its current resourceVersion, which no
    // example can know: the samples read the object, change it and send it back.
    readModifyWrite: method === "put" && body !== undefined && isKubernetesObject(body.value),
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

/** The request's URL with its path and required query parameters filled in. */
export function requestUrl(req) {
  let url =
    req.server +
    req.path.replace(/\{([^}]+)\}/g, (_, name) => {
      const found = req.pathParams.find(([n]) => n === name);
      return encodeURIComponent(String(found ? found[1] : name));
    });
  if (req.query.length) {
    url += `?${req.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join("&")}`;
  }
  return url;
}

export function curlSample(req) {
  const url = shellQuote(requestUrl(req));
  // Double quotes so that the shell expands $TOKEN.
  const auth = req.auth ? `-H "${req.auth.header}: ${req.auth.prefix}$TOKEN"` : undefined;
  if (req.readModifyWrite) {
    // GET | python3 (change the object) | PUT: the PUT carries the resourceVersion just read.
    const read = curlCommand("GET", url, [auth], "-s");
    const write = curlCommand("PUT", url, [auth, `-H ${shellQuote(`Content-Type: ${req.body.mediaType}`)}`, "-d @-"]);
    return [`${read} |`, `${pythonEdit(req)} |`, write].join("\n");
  }
  const options = [auth];
  for (const [name, value] of req.headers) options.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  if (req.body) {
    options.push(`-H ${shellQuote(`Content-Type: ${req.body.mediaType}`)}`);
    const compact = JSON.stringify(req.body.value);
    const data = compact.length <= lineWidth - 10 ? compact : JSON.stringify(req.body.value, null, 2);
    options.push(`-d ${shellQuote(data)}`);
  }
  return curlCommand(req.method.toUpperCase(), url, options);
}

/** `curl -X METHOD 'url'` and its options, one per `\` continuation line; the URL alone if long. */
function curlCommand(method, quotedUrl, options, flags) {
  const start = `curl ${flags ? `${flags} ` : ""}${method === "GET" && flags ? "" : `-X ${method} `}`;
  const first = `${start}${quotedUrl}`;
  const lines = first.length + 2 <= lineWidth ? [first] : [start.trimEnd(), `  ${quotedUrl}`];
  return [...lines, ...options.filter(Boolean).map((o) => `  ${o}`)].join(" \\\n");
}

/**
 * The change a read-modify-write sample makes, as a python3 program between the read and the
 * write: `status` for a /status replace, else the labels (what every kind lets a replace change),
 * both taken from the request example.
 */
function replacedField(req) {
  const value = req.body.value;
  if (req.path.endsWith("/status")) return { python: `o["status"]`, ts: "status", value: value.status ?? {} };
  return {
    python: `o["metadata"]["labels"]`,
    ts: "labels",
    value: value.metadata?.labels ?? { app: "test" },
  };
}

function pythonEdit(req) {
  const field = replacedField(req);
  const program = [
    "import json, sys",
    "o = json.load(sys.stdin)",
    `${field.python} = ${pythonLiteral(field.value, 0, field.python.length + 3)}`,
    "json.dump(o, sys.stdout)",
  ].join("\n");
  return `python3 -c ${shellQuote(`\n${program}\n`)}`;
}

/** A Python literal of a JSON value, inline when it fits, else one item per line. */
function pythonLiteral(value, indent = 0, used = indent) {
  const inline = JSON.stringify(value, null, 1)
    .replace(/\n\s*/g, " ")
    .replace(/\[ /g, "[")
    .replace(/ \]/g, "]")
    .replace(/\{ /g, "{")
    .replace(/ \}/g, "}");
  const scalar = (v) => (v === null ? "None" : v === true ? "True" : v === false ? "False" : JSON.stringify(v));
  if (value === null || typeof value !== "object") return scalar(value);
  if (inline.length + used <= lineWidth && !/\b(true|false|null)\b/.test(inline)) return inline;
  const pad = " ".repeat(indent + 4);
  if (Array.isArray(value)) {
    if (!value.length) return "[]";
    return `[\n${value.map((v) => `${pad}${pythonLiteral(v, indent + 4, pad.length)},`).join("\n")}\n${" ".repeat(indent)}]`;
  }
  const entries = Object.entries(value);
  if (!entries.length) return "{}";
  return `{\n${entries
    .map(([k, v]) => `${pad}${JSON.stringify(k)}: ${pythonLiteral(v, indent + 4, pad.length + k.length + 4)},`)
    .join("\n")}\n${" ".repeat(indent)}}`;
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

  const head = [
    `import { createClient } from "@trainjobs/client";`,
    `const api = createClient({`,
    `  baseUrl: ${JSON.stringify(req.server)},`,
    `  token: process.env.TOKEN,`,
    `});`,
  ];
  const call = `await api.${req.method.toUpperCase()}(${JSON.stringify(req.path)}`;
  const tail = "console.log(response.status, error ?? data);";
  if (req.readModifyWrite) {
    const field = replacedField(req);
    const changed =
      field.ts === "status"
        ? `{ ...current, status: ${literal(field.value, 2, "  body: { ...current, status: ".length)} }`
        : `{ ...current, metadata: { ...current.metadata, labels: ${literal(field.value, 2, 50)} } }`;
    return [
      ...head,
      `const path = ${literal(params.path)};`,
      "// A replace carries the object's resourceVersion: read the object, change it, send it back.",
      `const { data: current } = await api.GET(${JSON.stringify(req.path)}, { params: { path } });`,
      `if (!current) throw new Error("cannot read the object to replace");`,
      `const { data, error, response } = ${call}, {`,
      "  params: { path },",
      `  body: ${changed},`,
      "});",
      tail,
    ].join("\n");
  }
  const invocation = options.length
    ? `${call}, {\n${options.map(([k, v]) => `  ${k}: ${literal(v, 2, `  ${k}: `.length + 1)},`).join("\n")}\n});`
    : `${call});`;
  return [...head, `const { data, error, response } = ${invocation}`, tail].join("\n");
}

/**
 * A JavaScript literal of a JSON value, formatted the way people write one: inline when it fits in
 * the line (`used` columns are already taken), else one property per line.
 */
export function literal(value, indent = 0, used = indent) {
  const inline = inlineLiteral(value);
  if (inline.length + used <= lineWidth || value === null || typeof value !== "object") return inline;
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
  if (!server?.url) return fallbackServer;
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

function isKubernetesObject(value) {
  return typeof value?.kind === "string" && typeof value?.metadata === "object" && value.metadata !== null;
}

// ---------------------------------------------------------------------------------------------
// kubectl (1.32), for the Kubernetes-style operations

/**
 * What kubectl calls the operation's target, read off its path: `/apis/<group>/<version>` then
 * optionally `namespaces/<ns>`, the resource (plural), a name and a subresource.
 */
function kubernetesTarget(req) {
  const value = (segment) => {
    const m = /^\{(.+)\}$/.exec(segment);
    if (!m) return segment;
    return String(req.pathParams.find(([n]) => n === m[1])?.[1] ?? m[1]);
  };
  const parts = req.path.split("/").filter(Boolean).map(value);
  const rest = parts[0] === "api" ? parts.slice(2) : parts[0] === "apis" ? parts.slice(3) : undefined;
  if (!rest?.length) return undefined;
  let namespace;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest.splice(0, 2);
  }
  const [resource, name, subresource] = rest;
  return { group: parts[0] === "apis" ? parts[1] : "", resource, name, subresource, namespace };
}

/** A kubectl command doing what the operation does, or none for operations kubectl has no verb for. */
export function kubectlSample(req) {
  if (!/^\/apis?(\/|$)/.test(req.path)) return undefined;
  const target = kubernetesTarget(req);
  if (!target?.resource) return `kubectl get --raw ${shellQuote(req.path)}`;
  const ns = target.namespace ? ` -n ${target.namespace}` : "";
  const sub = target.subresource ? ` --subresource=${target.subresource}` : "";
  const json = (value) => `<<'EOF'\n${JSON.stringify(value, null, 2)}\nEOF`;
  const method = req.method;
  if (!target.name) {
    if (method === "get") return `kubectl get ${target.resource}${target.namespace ? ns : " --all-namespaces"}`;
    // --validate=false: kubectl would check the object against /openapi/v2, which this server
    // does not serve; the server validates it.
    if (method === "post") return `kubectl create --validate=false${ns} -f - ${json(req.body.value)}`;
    if (method === "delete") return `kubectl delete ${target.resource}${ns} --all`;
    return undefined;
  }
  // The singular, as `kubectl get tfjob`: kubectl maps it through discovery.
  const one = `${target.resource.replace(/s$/, "")} ${target.name}`;
  if (method === "get") return `kubectl get ${one}${ns}${sub} -o yaml`;
  if (method === "delete") return `kubectl delete ${one}${ns}`;
  if (method === "patch") {
    const patch = shellQuote(JSON.stringify(req.body?.value ?? {}));
    const type = req.body?.mediaType === "application/json-patch+json" ? "json" : "merge";
    return `kubectl patch ${one}${ns}${sub} --type ${type} \\\n  -p ${patch}`;
  }
  if (method === "put" && req.readModifyWrite) {
    return [
      `kubectl get ${one}${ns}${sub} -o json |`,
      `${pythonEdit(req)} |`,
      `kubectl replace --validate=false${sub} -f -`,
    ].join("\n");
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The order readers meet the operations in

/** The decorator: `decorators: { trainjobs/reader-order: on }` in redocly.yaml. */
export function ReaderOrder() {
  return {
    Root: {
      leave(root) {
        orderForReaders(root);
      },
    },
  };
}

const methodOrder = ["get", "delete", "post", "put", "patch", "head", "options", "trace"];
const itemMethodOrder = ["get", "put", "patch", "post", "head", "options", "trace", "delete"];

/**
 * Orders the paths and, within each path item, the operations, so that a reader who runs the
 * samples one after the other, as the portal lists them (by tag, then in document order), never
 * reads what is not created yet nor what a previous sample deleted:
 * - a path item that creates (POST) lists, deletes the collection (nothing yet, on a fresh
 *   server), then creates; any other path item deletes last;
 * - a path item that deletes comes after the paths beneath it (`…/{name}` after `…/{name}/status`),
 *   which then still find their object.
 * Nothing else moves: paths keep their order otherwise.
 */
export function orderForReaders(root) {
  const entries = Object.entries(root.paths ?? {});
  const deletesLast = (item) => item.delete && !item.post;
  const order = entries.map(([path]) => path);
  for (const [path, item] of entries) {
    if (!deletesLast(item)) continue;
    const beneath = order.filter((p) => p.startsWith(`${path}/`));
    if (!beneath.length) continue;
    order.splice(order.indexOf(path), 1);
    order.splice(Math.max(...beneath.map((p) => order.indexOf(p))) + 1, 0, path);
  }
  const byPath = new Map(entries);
  root.paths = Object.fromEntries(order.map((path) => [path, sortMethods(byPath.get(path))]));
  return root;
}

function sortMethods(item) {
  const methods = item.post ? methodOrder : itemMethodOrder;
  const rank = (key) => (methods.includes(key) ? methods.indexOf(key) : -1);
  // Keys that are not methods (parameters, servers, summary…) stay first, in their order.
  return Object.fromEntries(Object.entries(item).sort(([a], [b]) => rank(a) - rank(b)));
}
