// Numbers that a JSON body cannot carry through this server exactly are refused, not changed.
//
// JSON.parse reads every number as an IEEE double: an int64 such as 2^63−1 becomes
// 9223372036854775808 (written back as 9223372036854776000), and 1e400 becomes Infinity, which
// JSON.stringify writes as null. Rather than parse losslessly (every handler, the validator and
// the store would then have to carry big numbers), a body holding a number that is not finite, or
// an integral number beyond ±(2^53−1), the range in which every integer is exact, is refused with
// 400 in the family's format. An integral value beyond that range may be what the client sent, but
// it cannot be told from a rounded one, so it is refused as well. Fractions are kept as parsed:
// JSON.stringify writes back the shortest text that reads as the same double.
import type { NextFunction, Request, Response } from "express";
import { badRequest } from "../resources/errors.js";

/** The path (`config.spec_id`, `items[2]`) of the first number that cannot be kept, if any. */
export function inexactNumber(value: unknown): { path: string; value: number } | undefined {
  const stack: [unknown, string][] = [[value, ""]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, path] = item;
    if (typeof node === "number") {
      if (!Number.isFinite(node) || (Number.isInteger(node) && !Number.isSafeInteger(node)))
        return { path, value: node };
    } else if (Array.isArray(node)) {
      node.forEach((child, i) => {
        stack.push([child, `${path}[${i}]`]);
      });
    } else if (typeof node === "object" && node !== null) {
      for (const key of Object.keys(node)) {
        stack.push([(node as Record<string, unknown>)[key], path ? `${path}.${key}` : key]);
      }
    }
  }
  return undefined;
}

export function exactJsonNumbers() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const found = typeof req.body === "object" && req.body !== null ? inexactNumber(req.body) : undefined;
    if (found) {
      const what = Number.isFinite(found.value)
        ? "an integer beyond ±9007199254740991, which this server cannot keep exactly"
        : "a number beyond the range of a double";
      next(badRequest(`${found.path || "the request body"}: ${what}`));
      return;
    }
    next();
  };
}
