// JSON Merge Patch (RFC 7386/7396): `null` deletes a key, objects merge recursively, anything
// else (arrays included) replaces. Every key is data: `__proto__`, `constructor`, `prototype` or
// `hasOwnProperty` are keys like any other. Keys are read with Object.hasOwn and written with
// Object.defineProperty (own, enumerable data properties, as JSON.parse makes them), so that no
// key reaches Object.prototype and JSON.stringify writes every key back.
//
// `target` is changed in place and returned (callers pass a copy they own, such as the freshly
// parsed stored object); the patch is never changed, and nothing of it is shared with the result.
import { isObject, type JsonObject, type JsonValue } from "./object.js";

export function applyMergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return copyJson(patch);
  const result: JsonObject = isObject(target) ? target : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key]!;
    if (value === null) {
      if (Object.hasOwn(result, key)) delete result[key];
      continue;
    }
    const current = Object.hasOwn(result, key) ? result[key] : undefined;
    setOwn(result, key, applyMergePatch(current === undefined ? null : current, value));
  }
  return result;
}

/** Sets `obj[key]` as an own data property, whatever the key (`__proto__` included). */
export function setOwn(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A deep copy of a JSON value, with every key as an own property. */
export function copyJson(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(copyJson);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) setOwn(out, key, copyJson(value[key]!));
  return out;
}
