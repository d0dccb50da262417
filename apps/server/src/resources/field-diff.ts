// Which fields differ between two versions of an object, reported at the deepest object level
// where they diverge: what the Kubeflow update rule and the immutable-field rule name in their
// causes. Paths are compared as arrays of keys, never as joined text: a top-level key spelled
// `"spec.activeDeadlineSeconds"` is not the field spec.activeDeadlineSeconds. Only the answer is
// printed as dotted paths (`spec.backoffLimit`), as Status causes name fields. Keys are read as
// own properties only (`__proto__` or `constructor` are keys like any other).
import { isObject, type JsonValue, jsonEqual } from "./object.js";

/** A field path such as `spec.cleanPodPolicy`, as Status causes name fields. */
export type FieldPath = string;

/** A field path as keys: `["spec", "activeDeadlineSeconds"]`. */
export type FieldPathKeys = readonly string[];

/**
 * Paths at which `before` and `after` differ, skipping `ignore`. The ignored paths are field
 * paths of our own (descriptor constants, whose keys hold no dot), given dotted.
 */
export function changedFields(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  ignore: ReadonlySet<string>,
): string[] {
  const ignored = [...ignore].map((p) => p.split("."));
  return changedPaths(before, after, ignored).map((p) => p.join("."));
}

/** Paths (as keys) at which `before` and `after` differ, skipping paths in `ignore`. */
export function changedPaths(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  ignore: readonly FieldPathKeys[],
  path: readonly string[] = [],
): string[][] {
  if (path.length > 0 && ignore.some((p) => samePath(p, path))) return [];
  if (isObject(before) && isObject(after)) {
    const out: string[][] = [];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) out.push(...changedPaths(own(before, key), own(after, key), ignore, [...path, key]));
    return out;
  }
  return jsonEqual(before, after) ? [] : [[...path]];
}

function samePath(a: FieldPathKeys, b: FieldPathKeys): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

function own(obj: { [key: string]: JsonValue }, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Reads a field path of our own (dotted, as descriptors write them), by own properties only. */
export function getField(obj: JsonValue | undefined, path: string): JsonValue | undefined {
  let node: JsonValue | undefined = obj;
  for (const part of path.split(".")) {
    if (!isObject(node)) return undefined;
    node = own(node, part);
  }
  return node;
}
