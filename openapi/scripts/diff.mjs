// @ts-check
// Compares two bundled OpenAPI documents (dist/openapi.json of two revisions) as a client sees
// them, operation by operation, and says what changed in words a designer reads:
//
//   breaking:  an operation or path removed or renamed; a parameter removed, or newly required; a
//              request body newly required; a property removed; a property newly required in a
//              request; an enum value removed; a range narrowed in a request (minimum, maximum,
//              lengths, item counts, pattern); a type changed; a response code or a media type
//              removed
//   additive:  anything added that clients may ignore (operations, optional parameters and
//              properties, response codes, enum values in requests, wider ranges)
//
// Schemas are compared where operations use them, in the direction they travel: what a request
// accepts may grow, what a response may hold may shrink. `redocly diff` (CLI 2.77, experimental)
// rates removing a property and narrowing an enum as "patch" even with `diff-recommended`, so this
// comparison is our own; it uses only the documents, no tool.
import { deref, operations } from "./document.mjs";

/**
 * @typedef {object} Change
 * @property {"breaking" | "additive"} kind
 * @property {string} where the operation (or path) and the place in it
 * @property {string} message
 */

/** @param {unknown} v @returns {string[]} */
const typesOf = (v) => {
  const t = /** @type {any} */ (v)?.type;
  return t === undefined ? [] : (Array.isArray(t) ? t : [t]).map(String).sort();
};
const show = (/** @type {unknown} */ v) => JSON.stringify(v);

/**
 * Every change from `base` to `head`.
 * @param {any} base
 * @param {any} head
 * @returns {Change[]}
 */
export function compareDocuments(base, head) {
  /** @type {Change[]} */
  const changes = [];
  const add = (/** @type {Change["kind"]} */ kind, /** @type {string} */ where, /** @type {string} */ message) =>
    changes.push({ kind, where, message });

  /** Pairs of schemas compared already (in a direction): recursive schemas end. */
  const seen = new Set();
  /** @type {Map<unknown, number>} */
  const ids = new Map();
  const id = (/** @type {unknown} */ o) => {
    if (!ids.has(o)) ids.set(o, ids.size);
    return ids.get(o);
  };

  const baseOps = operations(base);
  const headOps = operations(head);
  const key = (/** @type {{ method: string, path: string }} */ o) => `${o.method.toUpperCase()} ${o.path}`;
  const headByKey = new Map(headOps.map((o) => [key(o), o]));
  const baseKeys = new Set(baseOps.map(key));
  const headById = new Map(headOps.filter((o) => o.operation.operationId).map((o) => [o.operation.operationId, o]));
  const name = (/** @type {any} */ o) => `${o.operation.operationId ?? "(no operationId)"} (${key(o)})`;

  // Paths gone as a whole, said once.
  const headPaths = new Set(Object.keys(head.paths ?? {}));
  for (const path of Object.keys(base.paths ?? {})) {
    if (headPaths.has(path)) continue;
    const moved = baseOps
      .filter((o) => o.path === path)
      .map((o) => headById.get(o.operation.operationId)?.path)
      .filter((p) => p && !Object.hasOwn(base.paths, p));
    if (moved.length && moved.every((p) => p === moved[0]))
      add("breaking", path, `path renamed: ${path} is now ${moved[0]}; clients calling ${path} get 404`);
    else add("breaking", path, `path removed: ${path}`);
  }

  for (const b of baseOps) {
    const h = headByKey.get(key(b));
    if (!h) {
      if (!headPaths.has(b.path)) continue; // said with its path
      const moved = headById.get(b.operation.operationId);
      if (moved && !baseKeys.has(key(moved)))
        add("breaking", name(b), `operation moved to ${key(moved)}; clients calling ${key(b)} fail`);
      else add("breaking", name(b), "operation removed");
      continue;
    }
    const where = name(b);
    if (b.operation.operationId !== h.operation.operationId)
      add(
        "breaking",
        where,
        `operationId renamed to ${h.operation.operationId} (generated clients call methods by it)`,
      );
    compareParameters(b, h, where);
    compareRequestBody(b.operation.requestBody, h.operation.requestBody, where);
    compareResponses(b.operation.responses ?? {}, h.operation.responses ?? {}, where);
  }
  for (const h of headOps)
    if (!baseKeys.has(key(h)) && !baseOps.some((b) => b.operation.operationId === h.operation.operationId))
      add("additive", name(h), "operation added");

  /** @param {any} b @param {any} h @param {string} where */
  function compareParameters(b, h, where) {
    /** @param {any} o */
    const params = (o) => {
      /** @type {Map<string, any>} */
      const map = new Map();
      for (const p of [...(o.pathItem.parameters ?? []), ...(o.operation.parameters ?? [])]) {
        const param = deref(o === b ? base : head, p);
        map.set(`${param.in} ${param.name}`, param);
      }
      return map;
    };
    const before = params(b);
    const after = params(h);
    for (const [k, p] of before) {
      const q = after.get(k);
      const label = `${p.in} parameter "${p.name}"`;
      if (!q) {
        add("breaking", where, `${label} removed (clients that send it are refused)`);
        continue;
      }
      if (q.required && !p.required) add("breaking", where, `${label} is now required`);
      compareSchema(p.schema, q.schema, "request", where, label);
    }
    for (const [k, q] of after)
      if (!before.has(k))
        add(
          q.required ? "breaking" : "additive",
          where,
          `${q.in} parameter "${q.name}" added${q.required ? ", required" : ""}`,
        );
  }

  /** @param {unknown} rawB @param {unknown} rawH @param {string} where */
  function compareRequestBody(rawB, rawH, where) {
    const b = rawB === undefined ? undefined : deref(base, rawB);
    const h = rawH === undefined ? undefined : deref(head, rawH);
    if (!b && !h) return;
    if (!b) {
      add(h.required ? "breaking" : "additive", where, `request body added${h.required ? ", required" : ""}`);
      return;
    }
    if (!h) {
      add("breaking", where, "request body removed (clients that send one are refused)");
      return;
    }
    if (h.required && !b.required) add("breaking", where, "request body is now required");
    compareContent(b.content ?? {}, h.content ?? {}, "request", where, "request body");
  }

  /** @param {Record<string, unknown>} b @param {Record<string, unknown>} h @param {string} where */
  function compareResponses(b, h, where) {
    for (const [code, rawB] of Object.entries(b)) {
      if (!Object.hasOwn(h, code)) {
        add("breaking", where, `response ${code} removed`);
        continue;
      }
      const rb = deref(base, rawB);
      const rh = deref(head, h[code]);
      compareContent(rb.content ?? {}, rh.content ?? {}, "response", where, `response ${code}`);
    }
    for (const code of Object.keys(h)) if (!Object.hasOwn(b, code)) add("additive", where, `response ${code} added`);
  }

  /**
   * @param {Record<string, any>} b @param {Record<string, any>} h
   * @param {"request" | "response"} direction @param {string} where @param {string} label
   */
  function compareContent(b, h, direction, where, label) {
    for (const [type, media] of Object.entries(b)) {
      if (!Object.hasOwn(h, type)) {
        add("breaking", where, `${label}: media type ${type} removed`);
        continue;
      }
      compareSchema(deref(base, media)?.schema, deref(head, h[type])?.schema, direction, where, `${label} (${type})`);
    }
    for (const type of Object.keys(h))
      if (!Object.hasOwn(b, type)) add("additive", where, `${label}: media type ${type} added`);
  }

  /**
   * @param {unknown} rawB @param {unknown} rawH
   * @param {"request" | "response"} direction @param {string} where @param {string} at
   */
  function compareSchema(rawB, rawH, direction, where, at) {
    if (rawB === undefined || rawH === undefined) return;
    const b = deref(base, rawB);
    const h = deref(head, rawH);
    if (!b || !h || typeof b !== "object" || typeof h !== "object") return;
    const pair = `${id(b)}:${id(h)}:${direction}`;
    if (seen.has(pair)) return;
    seen.add(pair);
    const request = direction === "request";

    const tb = typesOf(b);
    const th = typesOf(h);
    if (tb.length && th.length && tb.join() !== th.join()) {
      const widened = tb.every((t) => th.includes(t) || (t === "integer" && th.includes("number")));
      const narrowed = th.every((t) => tb.includes(t) || (t === "integer" && tb.includes("number")));
      if (request ? !widened : !narrowed)
        add("breaking", where, `${at}: type changed from ${tb.join(" | ")} to ${th.join(" | ")}`);
      else
        add(
          "additive",
          where,
          `${at}: type ${request ? "widened" : "narrowed"} from ${tb.join(" | ")} to ${th.join(" | ")}`,
        );
    }

    if (Array.isArray(b.enum) && Array.isArray(h.enum)) {
      const removed = b.enum.filter(
        (/** @type {unknown} */ v) => !h.enum.some((/** @type {unknown} */ w) => show(w) === show(v)),
      );
      const added = h.enum.filter(
        (/** @type {unknown} */ v) => !b.enum.some((/** @type {unknown} */ w) => show(w) === show(v)),
      );
      if (removed.length) add("breaking", where, `${at}: enum narrowed, ${removed.map(show).join(", ")} removed`);
      if (added.length)
        add(
          "additive",
          where,
          `${at}: enum value${added.length > 1 ? "s" : ""} ${added.map(show).join(", ")} added${request ? "" : " (clients that switch on it exhaustively must handle it)"}`,
        );
    } else if (!Array.isArray(b.enum) && Array.isArray(h.enum)) {
      add(request ? "breaking" : "additive", where, `${at}: now limited to ${h.enum.map(show).join(", ")}`);
    }
    if ("const" in h && (!("const" in b) || show(b.const) !== show(h.const)) && request)
      add("breaking", where, `${at}: now must be ${show(h.const)}`);

    if (request) {
      /** @type {[string, "min" | "max", string][]} */
      const bounds = [
        ["minimum", "min", "minimum"],
        ["exclusiveMinimum", "min", "exclusive minimum"],
        ["maximum", "max", "maximum"],
        ["exclusiveMaximum", "max", "exclusive maximum"],
        ["minLength", "min", "minimum length"],
        ["maxLength", "max", "maximum length"],
        ["minItems", "min", "minimum item count"],
        ["maxItems", "max", "maximum item count"],
        ["minProperties", "min", "minimum property count"],
        ["maxProperties", "max", "maximum property count"],
      ];
      for (const [field, side, words] of bounds) {
        const vb = typeof b[field] === "number" ? b[field] : undefined;
        const vh = typeof h[field] === "number" ? h[field] : undefined;
        if (vh === undefined || vb === vh) continue;
        const narrower = vb === undefined || (side === "min" ? vh > vb : vh < vb);
        if (narrower)
          add("breaking", where, `${at}: range narrowed, ${words} ${vb === undefined ? "set to" : `${vb} →`} ${vh}`);
      }
      if (typeof h.pattern === "string" && h.pattern !== b.pattern)
        add(
          "breaking",
          where,
          `${at}: pattern ${b.pattern ? `changed from ${show(b.pattern)} to` : "set to"} ${show(h.pattern)}`,
        );
      if (h.additionalProperties === false && b.additionalProperties !== false)
        add("breaking", where, `${at}: no longer accepts properties it does not list`);
    }

    const pb = b.properties ?? {};
    const ph = h.properties ?? {};
    const reqB = new Set(b.required ?? []);
    const reqH = new Set(h.required ?? []);
    for (const prop of Object.keys(pb)) {
      const path = `${at} › ${prop}`;
      if (!Object.hasOwn(ph, prop)) {
        add("breaking", where, `${at}: property "${prop}" removed`);
        continue;
      }
      if (request && reqH.has(prop) && !reqB.has(prop))
        add("breaking", where, `${at}: property "${prop}" is now required`);
      compareSchema(pb[prop], ph[prop], direction, where, path);
    }
    for (const prop of Object.keys(ph)) {
      if (Object.hasOwn(pb, prop)) continue;
      const required = reqH.has(prop);
      add(
        request && required ? "breaking" : "additive",
        where,
        `${at}: property "${prop}" added${required ? ", required" : ""}`,
      );
    }
    compareSchema(b.items, h.items, direction, where, `${at}[]`);
    if (typeof b.additionalProperties === "object" && typeof h.additionalProperties === "object")
      compareSchema(b.additionalProperties, h.additionalProperties, direction, where, `${at}{}`);
    for (const combinator of ["allOf", "oneOf", "anyOf"]) {
      const lb = b[combinator] ?? [];
      const lh = h[combinator] ?? [];
      for (let i = 0; i < Math.min(lb.length, lh.length); i++)
        compareSchema(lb[i], lh[i], direction, where, `${at} (${combinator}[${i}])`);
    }
  }

  return changes;
}

/**
 * The major of a semver version (`2` of `2.0.0-rc.1`); NaN when it is not one.
 * @param {unknown} version
 */
export function majorOf(version) {
  const match = /^v?(\d+)\./.exec(String(version ?? ""));
  return match ? Number(match[1]) : Number.NaN;
}

/**
 * Whether the changes are allowed: no breaking one, or `info.version`'s major moved up (for
 * `0.x`, the minor counts as the major, as semver says of initial development).
 * @param {any} base
 * @param {any} head
 * @param {Change[]} changes
 */
export function allowed(base, head, changes) {
  if (!changes.some((c) => c.kind === "breaking")) return true;
  const b = String(base?.info?.version ?? "");
  const h = String(head?.info?.version ?? "");
  const mb = majorOf(b);
  const mh = majorOf(h);
  if (Number.isNaN(mb) || Number.isNaN(mh)) return false;
  if (mh !== mb) return mh > mb;
  if (mb === 0) return Number(/^v?0\.(\d+)/.exec(h)?.[1]) > Number(/^v?0\.(\d+)/.exec(b)?.[1]);
  return false;
}

/**
 * The changes as text: breaking ones first, grouped by where.
 * @param {Change[]} changes
 */
export function describeChanges(changes) {
  const lines = [];
  for (const kind of /** @type {const} */ (["breaking", "additive"])) {
    const some = changes.filter((c) => c.kind === kind);
    if (!some.length) continue;
    lines.push(`${kind === "breaking" ? "Breaking" : "Additive"} changes (${some.length}):`);
    let last = "";
    for (const c of some) {
      if (c.where !== last) lines.push(`  ${c.where}`);
      last = c.where;
      lines.push(`    - ${c.message}`);
    }
  }
  return lines;
}
