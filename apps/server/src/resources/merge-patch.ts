// JSON Merge Patch (RFC 7386/7396) through json-merge-patch: `null` deletes a key, objects merge
// recursively, anything else (arrays included) replaces. It mutates and returns `target`, so
// callers pass a copy they own (the freshly parsed stored object).
import jsonMergePatch from "json-merge-patch";
import type { JsonValue } from "./object.js";

export function applyMergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  return jsonMergePatch.apply(target, patch) as JsonValue;
}
