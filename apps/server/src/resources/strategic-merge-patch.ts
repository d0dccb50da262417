// Kubernetes strategic merge patch (apimachinery's strategicpatch.StrategicMergePatch), what
// kubectl sends for a built-in kind: a JSON Merge Patch, except for the lists the schema marks
// `x-kubernetes-patch-strategy: merge` (with `x-kubernetes-patch-merge-key` for lists of objects:
// containers by name, ports by containerPort, ...), which merge item by item, and for the
// directives kubectl emits: `$patch` (replace, merge, delete), `$setElementOrder/<list>`,
// `$deleteFromPrimitiveList/<list>` and `$retainKeys`. No maintained JavaScript implementation
// exists; the patch meta comes from the spec's schemas (PatchMeta), so the markers are written
// once, where kubectl reads them too (/openapi/v3).
import { isObject, type JsonObject, type JsonValue, jsonEqual } from "./object.js";

/** What the schema says of a field: how its lists merge, and the meta of what it holds. */
export interface FieldMeta {
  /** `merge` (possibly with `retainKeys`), or undefined: replace. */
  strategy?: string;
  mergeKey?: string;
  /** The meta of the field's value (of its items, for a list). */
  meta: PatchMeta;
}

export interface PatchMeta {
  field(name: string): FieldMeta;
}

/** No schema: every list is replaced, as in a JSON Merge Patch. */
export const noPatchMeta: PatchMeta = { field: () => ({ meta: noPatchMeta }) };

/** A patch that breaks the format (400), with why. */
export class StrategicMergePatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StrategicMergePatchError";
  }
}

const patchDirective = "$patch";
const retainKeysDirective = "$retainKeys";
const setElementOrderPrefix = "$setElementOrder/";
const deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";

/** The patched object; `original` is the caller's copy and may be changed. */
export function applyStrategicMergePatch(original: JsonObject, patch: JsonValue, meta: PatchMeta): JsonObject {
  if (!isObject(patch)) throw new StrategicMergePatchError("a strategic merge patch must be a JSON object");
  const merged = mergeMap(original, patch, meta);
  return merged ?? {};
}

function setOwn(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The merged map, or undefined when the patch deletes it (`$patch: delete`). */
function mergeMap(original: JsonObject, patch: JsonObject, meta: PatchMeta): JsonObject | undefined {
  const directive = patch[patchDirective];
  if (directive !== undefined) {
    if (directive === "replace") return clean(withoutKey(patch, patchDirective), meta) as JsonObject;
    if (directive === "delete") return undefined;
    if (directive !== "merge") throw new StrategicMergePatchError(`Unknown patch type: ${String(directive)}`);
  }
  const retain = patch[retainKeysDirective];
  if (retain !== undefined) {
    if (!Array.isArray(retain) || !retain.every((k) => typeof k === "string"))
      throw new StrategicMergePatchError(`invalid patch: ${retainKeysDirective} must be a list of strings`);
    for (const key of Object.keys(original)) if (!retain.includes(key)) delete original[key];
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === patchDirective || key === retainKeysDirective || key.startsWith(setElementOrderPrefix)) continue;
    if (key.startsWith(deleteFromPrimitiveListPrefix)) {
      const field = key.slice(deleteFromPrimitiveListPrefix.length);
      if (!Array.isArray(value))
        throw new StrategicMergePatchError(`invalid patch: ${key} must be a list of primitives`);
      const current = original[field];
      if (Array.isArray(current))
        setOwn(
          original,
          field,
          current.filter((v) => !value.some((d) => jsonEqual(d, v))),
        );
      continue;
    }
    const field = meta.field(key);
    if (value === null) {
      delete original[key];
      continue;
    }
    const current = Object.hasOwn(original, key) ? original[key] : undefined;
    if (isObject(value)) {
      const merged = mergeMap(isObject(current) ? current : {}, value, field.meta);
      if (merged === undefined) delete original[key];
      else setOwn(original, key, merged);
      continue;
    }
    if (Array.isArray(value)) {
      const order = patch[`${setElementOrderPrefix}${key}`];
      if (order !== undefined && !Array.isArray(order))
        throw new StrategicMergePatchError(`invalid patch: ${setElementOrderPrefix}${key} must be a list`);
      const merged =
        field.strategy?.split(",").includes("merge") === true
          ? mergeList(Array.isArray(current) ? current : [], value, field, order)
          : replaceList(value, field);
      setOwn(original, key, merged);
      continue;
    }
    setOwn(original, key, value);
  }
  // A `$setElementOrder` without the list in the patch only reorders the list.
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(setElementOrderPrefix)) continue;
    const field = key.slice(setElementOrderPrefix.length);
    if (Object.hasOwn(patch, field)) continue;
    const current = original[field];
    if (Array.isArray(order) && Array.isArray(current))
      setOwn(original, field, ordered(current, order, meta.field(field).mergeKey));
  }
  return original;
}

/** A list replaced whole: its items lose any directive (`{$patch: replace}` markers). */
function replaceList(patch: JsonValue[], field: FieldMeta): JsonValue[] {
  return patch
    .filter((item) => !(isObject(item) && item[patchDirective] !== undefined && Object.keys(item).length === 1))
    .map((item) => clean(item, field.meta));
}

function mergeList(original: JsonValue[], patch: JsonValue[], field: FieldMeta, order: JsonValue[] | undefined) {
  const key = field.mergeKey;
  // `{$patch: replace}` among the items: the list is the patch's other items.
  if (patch.some((item) => isObject(item) && item[patchDirective] === "replace")) {
    return replaceList(
      patch.filter((item) => !(isObject(item) && item[patchDirective] === "replace")),
      field,
    );
  }
  if (key === undefined || patch.every((item) => !isObject(item))) {
    // A list of primitives merged as a set (finalizers): the patch's values are added.
    const merged = [...original];
    for (const item of patch) {
      if (isObject(item)) throw new StrategicMergePatchError("invalid patch: a list of primitives holds an object");
      if (!merged.some((v) => jsonEqual(v, item))) merged.push(item);
    }
    return order ? ordered(merged, order, undefined) : merged;
  }
  const merged = [...original];
  for (const item of patch) {
    if (!isObject(item))
      throw new StrategicMergePatchError(`invalid patch: list items merged by ${key} must be objects`);
    if (!Object.hasOwn(item, key))
      throw new StrategicMergePatchError(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const index = merged.findIndex((o) => isObject(o) && jsonEqual(o[key], item[key]));
    if (item[patchDirective] === "delete") {
      if (index >= 0) merged.splice(index, 1);
      continue;
    }
    if (index >= 0) {
      const result = mergeMap(merged[index] as JsonObject, item, field.meta);
      if (result === undefined) merged.splice(index, 1);
      else merged[index] = result;
    } else {
      merged.push(clean(item, field.meta));
    }
  }
  return order ? ordered(merged, order, key) : merged;
}

/**
 * The list in `$setElementOrder`'s order: the items it names first, in its order, then the
 * others (the server's own items) in their order.
 */
function ordered(list: JsonValue[], order: JsonValue[], key: string | undefined): JsonValue[] {
  const identity = (item: JsonValue) => (key !== undefined && isObject(item) ? item[key] : item);
  const orderIds = order.map((o) => (key !== undefined && isObject(o) ? o[key] : o)) as JsonValue[];
  const position = (item: JsonValue) => orderIds.findIndex((id) => jsonEqual(id, identity(item)));
  const named = list.filter((item) => position(item) >= 0).sort((a, b) => position(a) - position(b));
  const others = list.filter((item) => position(item) < 0);
  return [...named, ...others];
}

/** A value added where nothing was: merged into nothing, so that nulls and directives go. */
function clean(value: JsonValue, meta: PatchMeta): JsonValue {
  if (isObject(value)) return mergeMap({}, value, meta) ?? {};
  if (Array.isArray(value)) return value.map((item) => clean(item, meta));
  return value;
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (k !== key) setOwn(out, k, v);
  return out;
}

/**
 * The patch meta of an OpenAPI schema (`#/components/schemas/Job` in the bundled document): a
 * property's `x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key`, followed through
 * `$ref`, `allOf`, `properties`, `additionalProperties` and `items`.
 */
export function schemaPatchMeta(document: unknown, schema: unknown): PatchMeta {
  const resolve = (node: unknown): JsonObject | undefined => {
    const seen = new Set<string>();
    let current = node;
    while (isObject(current) && typeof current.$ref === "string" && !seen.has(current.$ref)) {
      seen.add(current.$ref);
      current = lookup(document, current.$ref);
    }
    return isObject(current) ? current : undefined;
  };
  const metaOf = (node: unknown): PatchMeta => {
    const resolved = resolve(node);
    if (!resolved) return noPatchMeta;
    return {
      field(name) {
        const property = propertyOf(resolved, name, resolve);
        if (!property) return { meta: noPatchMeta };
        const target = resolve(property);
        const items = target?.type === "array" ? target.items : undefined;
        const strategy = property["x-kubernetes-patch-strategy"] ?? target?.["x-kubernetes-patch-strategy"];
        const mergeKey = property["x-kubernetes-patch-merge-key"] ?? target?.["x-kubernetes-patch-merge-key"];
        return {
          ...(typeof strategy === "string" ? { strategy } : {}),
          ...(typeof mergeKey === "string" ? { mergeKey } : {}),
          meta: metaOf(items ?? property),
        };
      },
    };
  };
  return metaOf(schema);
}

function propertyOf(
  node: JsonObject,
  name: string,
  resolve: (node: unknown) => JsonObject | undefined,
): JsonObject | undefined {
  const properties = node.properties;
  if (isObject(properties) && Object.hasOwn(properties, name) && isObject(properties[name]))
    return properties[name] as JsonObject;
  if (Array.isArray(node.allOf)) {
    for (const part of node.allOf) {
      const resolved = resolve(part);
      const found = resolved ? propertyOf(resolved, name, resolve) : undefined;
      if (found) return found;
    }
  }
  if (isObject(node.additionalProperties)) return node.additionalProperties;
  return undefined;
}

function lookup(document: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node = document;
  for (const token of ref.slice(2).split("/")) {
    const key = decodeURIComponent(token).replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}
