// Integer query parameters as Go's strconv.ParseInt reads them in base 10: an optional sign and
// decimal digits, within int64. The validator coerces with Number(), which reads `0x10` as 16,
// `1e400` as Infinity (no limit) and ` 16` as 16; those are refused here with 400, in the
// family's format, before the validator sees them. Which parameters are integers comes from the
// spec, so a new integer parameter is checked without a change here.
import type { NextFunction, Request, Response } from "express";
import { badRequest } from "../resources/errors.js";

interface ParameterObject {
  $ref?: string;
  name?: string;
  in?: string;
  schema?: { type?: string | string[]; $ref?: string };
}

interface Document {
  paths: Record<string, Record<string, unknown>>;
  components?: { parameters?: Record<string, ParameterObject>; schemas?: Record<string, { type?: unknown }> };
}

const maxInt64 = 2n ** 63n - 1n;
const minInt64 = -(2n ** 63n);

/** The names of the query parameters whose schema is an integer, anywhere in the document. */
export function integerQueryParameters(document: Document): Set<string> {
  const names = new Set<string>();
  const resolve = (p: ParameterObject): ParameterObject =>
    p.$ref ? (document.components?.parameters?.[p.$ref.split("/").pop() ?? ""] ?? {}) : p;
  const typeOf = (schema: ParameterObject["schema"]): unknown =>
    schema?.$ref ? document.components?.schemas?.[schema.$ref.split("/").pop() ?? ""]?.type : schema?.type;
  for (const item of Object.values(document.paths)) {
    const lists = [item.parameters, ...Object.values(item).map((op) => (op as { parameters?: unknown }).parameters)];
    for (const list of lists) {
      if (!Array.isArray(list)) continue;
      for (const raw of list as ParameterObject[]) {
        const p = resolve(raw);
        if (p.in === "query" && p.name && typeOf(p.schema) === "integer") names.add(p.name);
      }
    }
  }
  return names;
}

export function isDecimalInt64(text: string): boolean {
  if (!/^-?\d+$/.test(text)) return false;
  const n = BigInt(text);
  return n >= minInt64 && n <= maxInt64;
}

export function strictIntegerQuery(names: ReadonlySet<string>) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const search = req.originalUrl.includes("?") ? req.originalUrl.slice(req.originalUrl.indexOf("?") + 1) : "";
    if (search) {
      for (const [name, value] of new URLSearchParams(search)) {
        if (names.has(name) && !isDecimalInt64(value)) {
          const message = `Invalid value: ${JSON.stringify(value)}: must be an integer in decimal digits`;
          next(
            badRequest(`${name}: ${message}`, { causes: [{ reason: "FieldValueTypeInvalid", message, field: name }] }),
          );
          return;
        }
      }
    }
    next();
  };
}
