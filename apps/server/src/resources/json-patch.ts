// JSON Patch (RFC 6902) over JSON Pointers (RFC 6901), as kube-apiserver applies
// `application/json-patch+json`: the operations in order, all or none (the caller passes a copy).
// Written here rather than taken from fast-json-patch (3.1.1, unmaintained since 2022): that one
// refuses `__proto__` even as an object's own key, and reads inherited members as present
// (`replace /toString` on `{}` succeeds), where every key must be plain data: an object's own
// properties only, written with defineProperty, never its prototype.
import { isObject, type JsonObject, type JsonValue, jsonEqual } from "./object.js";

/** A patch that is not a JSON Patch document (400), or that does not apply (422), with why. */
export class JsonPatchError extends Error {
  constructor(
    readonly kind: "malformed" | "failed",
    message: string,
  ) {
    super(message);
    this.name = "JsonPatchError";
  }
}

interface Operation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  from?: string;
  value?: JsonValue;
}

const ops = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/** Checks that `patch` is a JSON Patch document: an array of well-formed operations. */
export function parseJsonPatch(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw new JsonPatchError("malformed", "a JSON Patch must be an array of operations");
  return patch.map((raw, i) => {
    if (!isObject(raw)) throw new JsonPatchError("malformed", `operation ${i} is not an object`);
    const { op, path, from } = raw;
    if (typeof op !== "string" || !ops.has(op))
      throw new JsonPatchError("malformed", `operation ${i}: unknown op ${JSON.stringify(op)}`);
    if (typeof path !== "string") throw new JsonPatchError("malformed", `operation ${i}: missing path`);
    pointer(path);
    if ((op === "move" || op === "copy") && typeof from !== "string")
      throw new JsonPatchError("malformed", `operation ${i}: ${op} needs "from"`);
    if (typeof from === "string") pointer(from);
    if ((op === "add" || op === "replace" || op === "test") && !Object.hasOwn(raw, "value"))
      throw new JsonPatchError("malformed", `operation ${i}: ${op} needs "value"`);
    return raw as unknown as Operation;
  });
}

/** Applies the patch to `doc` (mutated where it can be) and returns the result. */
export function applyJsonPatch(doc: JsonValue, patch: unknown): JsonValue {
  let root = doc;
  for (const operation of parseJsonPatch(patch)) {
    const path = pointer(operation.path);
    switch (operation.op) {
      case "add":
        root = add(root, path, structuredClone(operation.value as JsonValue), operation.path);
        break;
      case "remove":
        root = remove(root, path, operation.path);
        break;
      case "replace":
        root = remove(root, path, operation.path);
        root = add(root, path, structuredClone(operation.value as JsonValue), operation.path);
        break;
      case "move": {
        const from = pointer(operation.from as string);
        if (from.length < path.length && from.every((t, i) => t === path[i]))
          throw new JsonPatchError("failed", `cannot move ${operation.from} into its own child ${operation.path}`);
        const value = get(root, from, operation.from as string);
        root = remove(root, from, operation.from as string);
        root = add(root, path, value, operation.path);
        break;
      }
      case "copy":
        root = add(
          root,
          path,
          structuredClone(get(root, pointer(operation.from as string), operation.from as string)),
          operation.path,
        );
        break;
      case "test":
        if (!jsonEqual(get(root, path, operation.path), operation.value))
          throw new JsonPatchError("failed", `testing value ${operation.path} failed: test failed`);
        break;
    }
  }
  return root;
}

/** The tokens of a JSON Pointer; `~1` is `/` and `~0` is `~`. */
function pointer(text: string): string[] {
  if (text === "") return [];
  if (!text.startsWith("/"))
    throw new JsonPatchError("malformed", `path ${JSON.stringify(text)} is not a JSON Pointer`);
  return text
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function arrayIndex(array: JsonValue[], token: string, path: string, forAdd: boolean): number {
  if (forAdd && token === "-") return array.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchError("failed", `${path}: invalid array index ${token}`);
  const index = Number(token);
  if (index > array.length || (!forAdd && index === array.length))
    throw new JsonPatchError("failed", `${path}: index ${index} is out of bounds`);
  return index;
}

function get(root: JsonValue, tokens: string[], path: string): JsonValue {
  let node = root;
  for (const token of tokens) {
    if (Array.isArray(node)) node = node[arrayIndex(node, token, path, false)] as JsonValue;
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token] as JsonValue;
    else throw new JsonPatchError("failed", `${path}: no value at this path`);
  }
  return node;
}

function setOwn(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function add(root: JsonValue, tokens: string[], value: JsonValue, path: string): JsonValue {
  if (tokens.length === 0) return value;
  const parent = get(root, tokens.slice(0, -1), path);
  const last = tokens.at(-1) as string;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, path, true), 0, value);
  else if (isObject(parent)) setOwn(parent, last, value);
  else throw new JsonPatchError("failed", `${path}: the parent is not an object or an array`);
  return root;
}

function remove(root: JsonValue, tokens: string[], path: string): JsonValue {
  if (tokens.length === 0) return null;
  const parent = get(root, tokens.slice(0, -1), path);
  const last = tokens.at(-1) as string;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, path, false), 1);
  else if (isObject(parent) && Object.hasOwn(parent, last)) delete parent[last];
  else throw new JsonPatchError("failed", `${path}: no value at this path`);
  return root;
}
