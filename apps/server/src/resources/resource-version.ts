// A resourceVersion a client sends as a precondition. The apiserver compares it with the
// object's as a string, so only the canonical decimal text of a revision (no leading zeros, no
// sign) can be current: `"000123"` is a stale version (409), not revision 123.

/** Never a stored revision: a precondition holding it always fails with 409. */
export const neverCurrent = -1;

/**
 * The revision a precondition names: undefined when it is not a revision at all (garbage, which
 * callers refuse with 422), `neverCurrent` for digits that are not a canonical revision.
 */
export function preconditionRevision(value: unknown): number | undefined {
  if (typeof value !== "string" || !/^\d+$/.test(value)) return undefined;
  if (!/^[1-9]\d*$/.test(value)) return neverCurrent;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : neverCurrent;
}
