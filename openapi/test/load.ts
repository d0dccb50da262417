// Loads the bundled document (dist/openapi.json, built by `npm run build`) for the tests, and
// re-exports the readers of ../scripts/document.mjs with the tests' JSON types.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { deref as derefNode, operations as documentOperations } from "../scripts/document.mjs";

export const bundlePath = fileURLToPath(new URL("../dist/openapi.json", import.meta.url));

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function loadBundle(): JsonObject {
  return JSON.parse(readFileSync(bundlePath, "utf8")) as JsonObject;
}

/** Resolves a local `#/a/b` reference in the document (throws when it designates nothing). */
export function deref(doc: JsonObject, value: Json | undefined): Json | undefined {
  return derefNode(doc, value) as Json | undefined;
}

/** Every operation of the document: path, method, path item and operation. */
export function operations(
  doc: JsonObject,
): { path: string; method: string; pathItem: JsonObject; operation: JsonObject }[] {
  return documentOperations<JsonObject>(doc as { paths?: Record<string, unknown> }) as {
    path: string;
    method: string;
    pathItem: JsonObject;
    operation: JsonObject;
  }[];
}
