// A limit on how deeply a JSON body nests, checked right after parsing and before validation.
//
// JSON.parse is iterative and takes any depth, but what follows recurses: the request validator
// (ajv), merge patch, structural equality, structuredClone and JSON.stringify. At about 4,000 to
// 10,000 levels, depending on the frame sizes, one of them overflows the stack, which answered 500,
// and an object stored 4,097 levels deep could no longer be written back. Kubernetes' decoder
// allows 10,000 levels, but its Go stacks grow; ours do not. No object of this API comes near 100
// levels (a pod template with affinity rules is about 20), so 100 leaves room for any real body and
// far from where the stack ends. The walk below is iterative: it cannot overflow itself.
import type { NextFunction, Request, Response } from "express";
import { badRequest } from "../resources/errors.js";

/** The deepest nesting of objects and arrays a request body may have. */
export const maxJsonDepth = 100;

/** How deeply `value` nests (a scalar 0, `{}` 1, `{"a":[]}` 2), walking without recursion. */
export function jsonDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== "object" || node === null) continue;
    const here = depth + 1;
    if (here > deepest) {
      deepest = here;
      if (deepest > stopAbove) return deepest;
    }
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) if (typeof child === "object" && child !== null) stack.push([child, here]);
  }
  return deepest;
}

/** Refuses a parsed body nested deeper than `limit` with 400 (rendered in the family's format). */
export function jsonDepthLimit(limit = maxJsonDepth) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (typeof req.body === "object" && req.body !== null && jsonDepth(req.body, limit) > limit) {
      next(badRequest(`the request body is nested more than ${limit} levels deep`));
      return;
    }
    next();
  };
}
