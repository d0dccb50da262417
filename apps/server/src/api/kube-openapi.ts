// The OpenAPI documents in the form kubectl reads them (`/openapi/v3` and
// `/openapi/v3/apis/{group}/{version}`), derived from the bundled spec when the server starts, so
// that they are never written twice: per group-version, its paths and the components they use,
// as OpenAPI 3.0 with kube-apiserver's extensions. kubectl finds a kind's schema and its PATCH
// operation by `x-kubernetes-group-version-kind`, checks the `fieldValidation` parameter among the
// PATCH operation's own parameters, and reads `x-kubernetes-patch-merge-key` (written in the spec's
// schemas) to compute strategic merge patches.
import { createHash } from "node:crypto";
import { deref, httpMethods, resolvePointer } from "@trainjobs/openapi/document";
import { RawJson } from "../http/respond.js";
import { notFoundPath } from "../resources/errors.js";
import type { KindDescriptor } from "../resources/kinds.js";
import { isObject, type JsonObject, type JsonValue } from "../resources/object.js";
import type { Handlers } from "./handlers.js";

export interface GroupVersionDocument {
  /** `apis/kubeflow.org/v1`, the key of the discovery document. */
  key: string;
  /** The document as served. */
  json: string;
  /** Names the content, as kube-apiserver's hash in `serverRelativeURL`. */
  hash: string;
}

type Document = JsonObject & { paths: Record<string, JsonValue> };

/** Keys dropped from the derived documents: rendering aids kubectl never reads. */
const dropped = new Set(["examples", "example", "x-codeSamples"]);

/** The derived document of each group-version the kinds belong to, by key (`apis/batch/v1`). */
export function kubeOpenApiDocuments(
  document: Document,
  kinds: readonly KindDescriptor[],
): Map<string, GroupVersionDocument> {
  const out = new Map<string, GroupVersionDocument>();
  for (const apiVersion of new Set(kinds.map((k) => k.apiVersion))) {
    const gvKinds = kinds.filter((k) => k.apiVersion === apiVersion);
    const derived = groupVersionDocument(document, apiVersion, gvKinds);
    const json = JSON.stringify(derived);
    const hash = createHash("sha512").update(json).digest("hex").toUpperCase().slice(0, 64);
    out.set(`apis/${apiVersion}`, { key: `apis/${apiVersion}`, json, hash });
  }
  return out;
}

function groupVersionDocument(document: Document, apiVersion: string, kinds: readonly KindDescriptor[]): JsonObject {
  const prefix = `/apis/${apiVersion}`;
  const paths: JsonObject = {};
  for (const [path, rawItem] of Object.entries(document.paths)) {
    if (path !== prefix && !path.startsWith(`${prefix}/`)) continue;
    const item = deref(document, rawItem) as JsonObject;
    const kind = kinds.find((k) => path.split("/").includes(k.plural));
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    const outItem: JsonObject = {};
    for (const method of httpMethods) {
      const op = item[method];
      if (!isObject(op)) continue;
      // kubectl looks for `fieldValidation` among the operation's own parameters: the path
      // item's are copied into each operation, resolved.
      const params = new Map<string, JsonValue>();
      for (const p of [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
        const resolved = deref(document, p) as JsonObject;
        params.set(`${String(resolved.in)}:${String(resolved.name)}`, resolved);
      }
      outItem[method] = {
        ...(strip(op) as JsonObject),
        parameters: [...params.values()].map(strip),
        "x-kubernetes-action": action(method, path, kind),
        ...(kind ? { "x-kubernetes-group-version-kind": gvk(kind) } : {}),
      };
    }
    paths[path] = outItem;
  }
  const components = closure(document, paths);
  const schemas = components.schemas as JsonObject | undefined;
  for (const kind of kinds) {
    for (const name of [kind.kind, kind.listKind]) {
      const schema = schemas?.[name];
      if (isObject(schema))
        schema["x-kubernetes-group-version-kind"] = [{ ...gvk(kind), kind: name === kind.kind ? kind.kind : name }];
    }
  }
  const info = isObject(document.info) ? document.info : {};
  return {
    openapi: "3.0.0",
    info: { title: String(info.title ?? "trainjobs API"), version: String(info.version ?? "") },
    paths,
    components,
  };
}

function gvk(kind: KindDescriptor): JsonObject {
  return { group: kind.group, version: kind.version, kind: kind.kind };
}

/** kube-apiserver's `x-kubernetes-action` of an operation. */
function action(method: string, path: string, kind: KindDescriptor | undefined): string {
  const item = path.endsWith("/{name}") || path.endsWith("/status");
  switch (method) {
    case "get":
      return kind && !item ? "list" : "get";
    case "delete":
      return item ? "delete" : "deletecollection";
    default:
      return method;
  }
}

/** A copy without rendering aids, and in OpenAPI 3.0's dialect of JSON Schema. */
function strip(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(strip);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (dropped.has(key)) continue;
    out[key] = strip(v);
  }
  return to30(out);
}

/**
 * JSON Schema 2020-12 (OpenAPI 3.1) to OpenAPI 3.0, where it differs in what kubectl reads:
 * `type: [t, "null"]` is `type: t, nullable: true`; `const` is a one-value enum; a `$ref` with
 * siblings is wrapped in `allOf`, as kube-apiserver writes it.
 */
function to30(node: JsonObject): JsonObject {
  if (Array.isArray(node.type)) {
    const types = node.type.filter((t) => t !== "null");
    if (types.length < node.type.length) node.nullable = true;
    if (types.length === 1) node.type = types[0] as JsonValue;
    else delete node.type;
  }
  if (node.const !== undefined && typeof node.const !== "object") {
    node.enum = [node.const];
    delete node.const;
  }
  if (typeof node.$ref === "string" && Object.keys(node).length > 1) {
    const { $ref, ...rest } = node;
    return { ...rest, allOf: [{ $ref }] };
  }
  return node;
}

/** The components the paths use, transitively, each in OpenAPI 3.0's dialect. */
function closure(document: Document, root: JsonValue): JsonObject {
  const components: Record<string, JsonObject> = {};
  const pending: string[] = [];
  const collect = (value: JsonValue): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (isObject(value)) {
      if (typeof value.$ref === "string") pending.push(value.$ref);
      Object.values(value).forEach(collect);
    }
  };
  collect(root);
  const seen = new Set<string>();
  while (pending.length) {
    const ref = pending.pop() as string;
    if (seen.has(ref)) continue;
    seen.add(ref);
    const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref);
    if (!match) continue;
    const [, section, name] = match as unknown as [string, string, string];
    const target = resolvePointer(document, ref) as JsonValue | undefined;
    if (target === undefined) continue;
    const copy = strip(target);
    components[section] ??= {};
    components[section][name] = copy;
    collect(copy);
  }
  return components;
}

type KubeOpenApiHandlers = Pick<Handlers, "getOpenAPIV3Discovery" | "getOpenAPIV3GroupVersion">;

export function kubeOpenApiHandlers(documents: Map<string, GroupVersionDocument>): KubeOpenApiHandlers {
  const discovery: JsonObject = { paths: {} };
  for (const d of [...documents.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    (discovery.paths as JsonObject)[d.key] = { serverRelativeURL: `/openapi/v3/${d.key}?hash=${d.hash}` };
  }
  return {
    getOpenAPIV3Discovery: () => ({ status: 200, body: discovery as never }),
    getOpenAPIV3GroupVersion: ({ params, query, req }) => {
      const found = documents.get(`apis/${params.group}/${params.version}`);
      if (!found) throw notFoundPath();
      // With the current hash the answer never changes: cached for good, as kube-apiserver says.
      if (query.hash === found.hash) req.res?.setHeader("Cache-Control", "public, immutable");
      else req.res?.setHeader("Cache-Control", "no-cache, private");
      req.res?.setHeader("Etag", `"${found.hash}"`);
      return { status: 200, body: new RawJson<never>(found.json) };
    },
  };
}
