// Which fields differ between two versions of an object, as field paths (`spec.backoffLimit`),
// reported at the deepest object level where they diverge: what the Kubeflow update rule and the
// immutable-field rule name in their causes.
import { isObject, type JsonValue, jsonEqual } from "./object.js";

/** A field path such as `spec.cleanPodPolicy`, as Status causes name fields. */
export type FieldPath = string;

/** Paths under `prefix` at which `before` and `after` differ, skipping paths in `ignore`. */
export function changedFields(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  ignore: ReadonlySet<string>,
  prefix = "",
): string[] {
  if (prefix && ignore.has(prefix)) return [];
  if (isObject(before) && isObject(after)) {
    const out: string[] = [];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.push(...changedFields(before[key], after[key], ignore, path));
    }
    return out;
  }
  return jsonEqual(before, after) ? [] : [prefix];
}

/** Reads a dotted field path. */
export function getField(obj: JsonValue | undefined, path: string): JsonValue | undefined {
  let node: JsonValue | undefined = obj;
  for (const part of path.split(".")) {
    if (!isObject(node)) return undefined;
    node = node[part];
  }
  return node;
}
