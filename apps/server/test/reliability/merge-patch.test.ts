// JSON Merge Patch (RFC 7386) as the server applies it: every example of the RFC's Appendix A,
// keys that name Object.prototype members treated as data, and properties checked with fast-check
// against a reference model built on Map (which has no prototype to confuse).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyMergePatch } from "../../src/resources/merge-patch.js";
import type { JsonValue } from "../../src/resources/object.js";

const parse = (text: string) => JSON.parse(text) as JsonValue;
/** Applies to a private copy, as the server does (the stored object is parsed afresh). */
const apply = (target: string, patch: string) => JSON.stringify(applyMergePatch(parse(target), parse(patch)));

describe("RFC 7386 Appendix A", () => {
  const examples: [target: string, patch: string, result: string][] = [
    ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
    ['{"a":"b"}', '{"a":null}', "{}"],
    ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
    ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
    ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
    ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
    ['["a","b"]', '["c","d"]', '["c","d"]'],
    ['{"a":"b"}', '["c"]', '["c"]'],
    ['{"a":"foo"}', "null", "null"],
    ['{"a":"foo"}', '"bar"', '"bar"'],
    ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
    ["[1,2]", '{"a":"b","c":null}', '{"a":"b"}'],
    ["{}", '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
  ];
  it.each(examples)("%s + %s = %s", (target, patch, result) => {
    expect(apply(target, patch)).toBe(result);
  });
});

describe("every key is data", () => {
  const special = ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString", "valueOf"];

  it.each(special)("a stored key %s does not break a later delete at its level", (key) => {
    expect(apply(`{"labels":{"${key}":"x","app":"y"}}`, '{"labels":{"app":null}}')).toBe(`{"labels":{"${key}":"x"}}`);
  });

  it.each(special)("%s is added, merged, replaced and deleted like any key, with the keys after it", (key) => {
    expect(apply('{"a":1}', `{"${key}":{"x":1},"b":2}`)).toBe(`{"a":1,"${key}":{"x":1},"b":2}`);
    expect(apply(`{"${key}":{"x":1}}`, `{"${key}":{"y":2}}`)).toBe(`{"${key}":{"x":1,"y":2}}`);
    expect(apply(`{"${key}":{"x":1}}`, `{"${key}":"s"}`)).toBe(`{"${key}":"s"}`);
    expect(apply(`{"${key}":"v","b":1}`, `{"${key}":null}`)).toBe('{"b":1}');
    expect(apply("{}", `{"${key}":null}`)).toBe("{}");
  });

  it("never touches Object.prototype", () => {
    applyMergePatch(
      parse("{}"),
      parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
    );
    applyMergePatch(parse('{"a":{}}'), parse('{"a":{"__proto__":{"polluted":true}}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a created object has its __proto__ key as an own, enumerable property", () => {
    const result = applyMergePatch(parse("{}"), parse('{"__proto__":{"a":1}}')) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });
});

// ---- properties against a model ----------------------------------------------------------------

type Model = null | boolean | number | string | Model[] | Map<string, Model>;

function toModel(v: JsonValue): Model {
  if (Array.isArray(v)) return v.map(toModel);
  if (v !== null && typeof v === "object") return new Map(Object.keys(v).map((k) => [k, toModel(v[k]!)]));
  return v;
}

function modelPatch(target: Model | undefined, patch: Model): Model {
  if (!(patch instanceof Map)) return patch;
  const out = target instanceof Map ? new Map(target) : new Map<string, Model>();
  for (const [k, v] of patch) {
    if (v === null) out.delete(k);
    else out.set(k, modelPatch(out.get(k), v));
  }
  return out;
}

function modelJson(m: Model): string {
  if (Array.isArray(m)) return `[${m.map(modelJson).join(",")}]`;
  if (m instanceof Map) return `{${[...m].map(([k, v]) => `${JSON.stringify(k)}:${modelJson(v)}`).join(",")}}`;
  return JSON.stringify(m);
}

// Keys drawn mostly from a small set (so that target and patch share them), prototype names included.
const key = fc.oneof(
  fc.constantFrom("a", "b", "c", "__proto__", "constructor", "prototype", "hasOwnProperty", "toString"),
  fc.string({ maxLength: 4 }),
);
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom<JsonValue>(null, true, false, 0, -1, 1.5, "", "x"),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 }).map((d) => JSON.parse(JSON.stringify(d)) as JsonValue),
  ),
})).value;
// fc.dictionary builds objects with defineProperty; the JSON round trip above gives parsed
// objects, as express.json does. Generate from text to be sure of the own-property shape:
const jsonObject = fc.dictionary(key, json, { maxKeys: 5 }).map((d) => JSON.parse(JSON.stringify(d)) as JsonValue);

describe("merge patch properties", () => {
  it("agrees with the model, prototype names included", () => {
    fc.assert(
      fc.property(json, json, (target, patch) => {
        // Through JSON.parse, so that the key order is JavaScript's (integer-like keys first).
        const expected = JSON.stringify(JSON.parse(modelJson(modelPatch(toModel(target), toModel(patch)))));
        const actual = JSON.stringify(applyMergePatch(structuredClone(target), structuredClone(patch)));
        expect(actual).toBe(expected);
      }),
      { seed: 7386, numRuns: 300 },
    );
  });

  it("is idempotent: applying a patch twice is applying it once", () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (target, patch) => {
        const once = applyMergePatch(structuredClone(target), patch);
        const twice = applyMergePatch(structuredClone(once), patch);
        expect(JSON.stringify(twice)).toBe(JSON.stringify(once));
      }),
      { seed: 7396, numRuns: 300 },
    );
  });

  it("the patch itself is never changed, and results never alias it", () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (target, patch) => {
        const before = JSON.stringify(patch);
        const result = applyMergePatch(structuredClone(target), patch);
        expect(JSON.stringify(patch)).toBe(before);
        // Changing the result deeply does not change the patch.
        const mutate = (v: unknown): void => {
          if (Array.isArray(v)) v.push(0);
          else if (v !== null && typeof v === "object") {
            for (const k of Object.keys(v)) mutate((v as Record<string, unknown>)[k]);
            Object.defineProperty(v, "zz", { value: 1, enumerable: true, writable: true, configurable: true });
          }
        };
        mutate(result);
        expect(JSON.stringify(patch)).toBe(before);
      }),
      { seed: 1, numRuns: 200 },
    );
  });

  it("a patch without null is the identity on its own result (target = patch applied to {})", () => {
    fc.assert(
      fc.property(jsonObject, (patch) => {
        const fromEmpty = applyMergePatch({}, patch);
        expect(JSON.stringify(applyMergePatch(structuredClone(fromEmpty), fromEmpty))).toBe(JSON.stringify(fromEmpty));
      }),
      { seed: 2, numRuns: 200 },
    );
  });
});
