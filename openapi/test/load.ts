// Loads the bundled document (dist/openapi.json, built by `npm run build`) for the tests.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const bundlePath = fileURLToPath(new URL("../dist/openapi.json", import.meta.url));

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function loadBundle(): JsonObject {
  return JSON.parse(readFileSync(bundlePath, "utf8")) as JsonObject;
}

/** Resolves a local `#/a/b` reference in the document. */
export function deref(doc: JsonObject, value: Json | undefined): Json | undefined {
  if (value && typeof value === "object" && !Array.isArray(value) && typeof value.$ref === "string") {
    const parts = value.$ref
      .replace(/^#\//, "")
      .split("/")
      .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    let node: Json | undefined = doc;
    for (const part of parts) node = node && typeof node === "object" && !Array.isArray(node) ? node[part] : undefined;
    return deref(doc, node);
  }
  return value;
}
