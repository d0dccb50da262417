// @ts-check
// `@trainjobs/openapi/document`: the few things every reader of the OpenAPI document does, in one
// place: walk its operations, resolve JSON pointers and local `$ref`s, and run Redocly CLI (the
// one pinned in this package) quietly. Plain JavaScript with JSDoc types so that the bundle step
// and the Redocly plugin run it as is; `npm run build` writes its declarations to
// dist/document.d.mts for the TypeScript packages.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The fields of a Path Item Object that hold an operation, in the order OpenAPI lists them. */
export const httpMethods = /** @type {const} */ (["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/** @typedef {(typeof httpMethods)[number]} HttpMethod */

/**
 * One operation of a document.
 * @template [Operation=Record<string, any>]
 * @typedef {object} OperationEntry
 * @property {string} path the key under `paths`, such as `/apis/batch/v1/jobs`
 * @property {HttpMethod} method
 * @property {Record<string, any>} pathItem its Path Item Object, `$ref` resolved
 * @property {Operation} operation
 */

/**
 * Every operation of a document, path by path in document order, methods in OpenAPI's order.
 * Path items given by a local `$ref` are resolved.
 * @template [Operation=Record<string, any>]
 * @param {{ paths?: Record<string, unknown> }} document
 * @returns {OperationEntry<Operation>[]}
 */
export function operations(document) {
  /** @type {OperationEntry<Operation>[]} */
  const out = [];
  for (const [path, rawItem] of Object.entries(document.paths ?? {})) {
    const pathItem = /** @type {Record<string, any>} */ (deref(document, rawItem));
    for (const method of httpMethods) {
      const operation = pathItem?.[method];
      if (operation && typeof operation === "object") out.push({ path, method, pathItem, operation });
    }
  }
  return out;
}

/**
 * The value a JSON pointer (RFC 6901) designates in a document: `/components/schemas/Job`, or a
 * URI fragment of one, `#/components/schemas/Job` (percent-decoded first). `undefined` when
 * nothing is there.
 * @param {unknown} document
 * @param {string} pointer
 * @returns {unknown}
 */
export function resolvePointer(document, pointer) {
  const fragment = pointer.startsWith("#");
  const path = fragment ? decodeURIComponent(pointer.slice(1)) : pointer;
  if (path === "") return document;
  if (!path.startsWith("/")) throw new Error(`not a JSON pointer: ${pointer}`);
  /** @type {unknown} */
  let node = document;
  for (const token of path.slice(1).split("/")) {
    const key = token.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return undefined;
    node = /** @type {Record<string, unknown>} */ (node)[key];
  }
  return node;
}

/**
 * A node with its local `$ref` followed, through chains of them; any other node as it is.
 * Throws on a reference that is not local, is circular or designates nothing: in a bundle, each
 * of them is a bug.
 * @param {unknown} document
 * @param {unknown} node
 * @returns {any}
 */
export function deref(document, node) {
  const seen = new Set();
  let current = node;
  while (current && typeof current === "object" && typeof (/** @type {any} */ (current).$ref) === "string") {
    const ref = /** @type {string} */ (/** @type {any} */ (current).$ref);
    if (!ref.startsWith("#")) throw new Error(`$ref ${ref} is not local to the document`);
    if (seen.has(ref)) throw new Error(`$ref ${ref} is circular`);
    seen.add(ref);
    current = resolvePointer(document, ref);
    if (current === undefined) throw new Error(`$ref ${ref} designates nothing`);
  }
  return current;
}

/**
 * @typedef {object} RedoclyOptions
 * @property {string} cwd the directory it runs in (its config files are found there)
 * @property {"pipe" | "inherit"} [output] `pipe` (default): keep stdout and stderr, show them only
 *   in the error when it fails; `inherit`: print them as they come
 * @property {boolean} [check] throw when it exits with a failure (default true)
 */

/**
 * Runs Redocly CLI, the `@redocly/cli` this package pins, with telemetry and update notices off.
 * @param {string[]} args such as `["bundle", "openapi.yaml", "--output", "dist/openapi.json"]`
 * @param {RedoclyOptions} options
 * @returns {{ status: number | null, stdout: string, stderr: string }}
 */
export function redocly(args, { cwd, output = "pipe", check = true }) {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve("@redocly/cli/package.json")), "bin", "cli.js");
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    encoding: "utf8",
    stdio: output === "inherit" ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
  });
  if (result.error) throw result.error;
  const stdout = result.stdout ?? "";
  const stderr = result.stderr ?? "";
  if (check && result.status !== 0) {
    throw new Error(`redocly ${args[0]} failed (exit ${result.status})\n${stdout}${stderr}`);
  }
  return { status: result.status, stdout, stderr };
}
