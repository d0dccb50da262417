// JSON Patch (RFC 6902): the examples of its Appendix A, the all-or-nothing rule, and keys that are
// data whatever their name (__proto__, constructor, toString), never the prototype.
import { describe, expect, test } from "vitest";
import { applyJsonPatch, JsonPatchError } from "../src/resources/json-patch.js";
import type { JsonValue } from "../src/resources/object.js";

const apply = (doc: string, patch: unknown) => applyJsonPatch(JSON.parse(doc) as JsonValue, patch);

describe("RFC 6902 Appendix A", () => {
  test.each([
    [
      "A.1 adding an object member",
      '{"foo":"bar"}',
      [{ op: "add", path: "/baz", value: "qux" }],
      { foo: "bar", baz: "qux" },
    ],
    [
      "A.2 adding an array element",
      '{"foo":["bar","baz"]}',
      [{ op: "add", path: "/foo/1", value: "qux" }],
      { foo: ["bar", "qux", "baz"] },
    ],
    ["A.3 removing an object member", '{"baz":"qux","foo":"bar"}', [{ op: "remove", path: "/baz" }], { foo: "bar" }],
    [
      "A.4 removing an array element",
      '{"foo":["bar","qux","baz"]}',
      [{ op: "remove", path: "/foo/1" }],
      { foo: ["bar", "baz"] },
    ],
    [
      "A.5 replacing a value",
      '{"baz":"qux","foo":"bar"}',
      [{ op: "replace", path: "/baz", value: "boo" }],
      { baz: "boo", foo: "bar" },
    ],
    [
      "A.6 moving a value",
      '{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}',
      [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
      { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
    ],
    [
      "A.7 moving an array element",
      '{"foo":["all","grass","cows","eat"]}',
      [{ op: "move", from: "/foo/1", path: "/foo/3" }],
      { foo: ["all", "cows", "eat", "grass"] },
    ],
    [
      "A.8 testing a value: success",
      '{"baz":"qux","foo":["a",2,"c"]}',
      [
        { op: "test", path: "/baz", value: "qux" },
        { op: "test", path: "/foo/1", value: 2 },
      ],
      { baz: "qux", foo: ["a", 2, "c"] },
    ],
    [
      "A.10 adding a nested member object",
      '{"foo":"bar"}',
      [{ op: "add", path: "/child", value: { grandchild: {} } }],
      { foo: "bar", child: { grandchild: {} } },
    ],
    [
      "A.11 ignoring unrecognized elements",
      '{"foo":"bar"}',
      [{ op: "add", path: "/baz", value: "qux", xyz: 123 }],
      { foo: "bar", baz: "qux" },
    ],
    ["A.14 ~ escape ordering", '{"/":9,"~1":10}', [{ op: "test", path: "/~01", value: 10 }], { "/": 9, "~1": 10 }],
    [
      "A.16 adding an array value",
      '{"foo":["bar"]}',
      [{ op: "add", path: "/foo/-", value: ["abc", "def"] }],
      { foo: ["bar", ["abc", "def"]] },
    ],
    ["copy", '{"a":{"b":[1]}}', [{ op: "copy", from: "/a", path: "/c" }], { a: { b: [1] }, c: { b: [1] } }],
  ])("%s", (_, doc, patch, expected) => {
    expect(apply(doc, patch)).toEqual(expected);
  });

  test.each([
    ["A.9 testing a value: error", '{"baz":"qux"}', [{ op: "test", path: "/baz", value: "bar" }]],
    ["A.12 adding to a nonexistent target", '{"foo":"bar"}', [{ op: "add", path: "/baz/bat", value: "qux" }]],
    ["A.15 comparing strings and numbers", '{"/":9,"~1":10}', [{ op: "test", path: "/~01", value: "10" }]],
    ["removing what is not there", '{"foo":"bar"}', [{ op: "remove", path: "/baz" }]],
    ["replacing what is not there", '{"foo":"bar"}', [{ op: "replace", path: "/baz", value: 1 }]],
    ["an index past the end", '{"foo":[1]}', [{ op: "add", path: "/foo/2", value: 1 }]],
    ["a leading zero index", '{"foo":[1,2]}', [{ op: "remove", path: "/foo/01" }]],
    ["moving into its own child", '{"a":{"b":1}}', [{ op: "move", from: "/a", path: "/a/c" }]],
  ])("%s: does not apply", (_, doc, patch) => {
    expect(() => apply(doc, patch)).toThrow(expect.objectContaining({ kind: "failed" }));
  });

  test.each([
    ["not an array", { op: "add", path: "/a", value: 1 }],
    ["an unknown op", [{ op: "merge", path: "/a", value: 1 }]],
    ["A.13 invalid JSON Patch document (op missing)", [{ path: "/baz", value: "qux" }]],
    ["add without value", [{ op: "add", path: "/a" }]],
    ["move without from", [{ op: "move", path: "/a" }]],
    ["a path that is not a pointer", [{ op: "add", path: "a", value: 1 }]],
  ])("%s: malformed", (_, patch) => {
    expect(() => apply("{}", patch)).toThrow(expect.objectContaining({ kind: "malformed" }));
  });
});

test("all or nothing: operations apply in order on the caller's copy; a failure leaves no partial result", () => {
  const doc = { a: 1 } as JsonValue;
  expect(() =>
    applyJsonPatch(structuredClone(doc), [
      { op: "replace", path: "/a", value: 2 },
      { op: "test", path: "/a", value: 1 },
    ]),
  ).toThrow(JsonPatchError);
  expect(doc).toEqual({ a: 1 });
  expect(
    applyJsonPatch(structuredClone(doc), [
      { op: "replace", path: "/a", value: 2 },
      { op: "test", path: "/a", value: 2 },
    ]),
  ).toEqual({ a: 2 });
});

describe("every key is data: the prototype is never read nor written", () => {
  test("__proto__ is an ordinary member: added, tested, replaced, removed", () => {
    const added = apply("{}", [{ op: "add", path: "/__proto__", value: { polluted: true } }]) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(added)).toBe(Object.prototype);
    expect(Object.keys(added)).toEqual(["__proto__"]);
    expect(JSON.stringify(added)).toBe('{"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const doc = '{"__proto__":{"x":1}}';
    expect(JSON.stringify(apply(doc, [{ op: "test", path: "/__proto__/x", value: 1 }]))).toBe(doc);
    expect(JSON.stringify(apply(doc, [{ op: "replace", path: "/__proto__/x", value: 2 }]))).toBe(
      '{"__proto__":{"x":2}}',
    );
    expect(JSON.stringify(apply(doc, [{ op: "remove", path: "/__proto__" }]))).toBe("{}");
  });

  test("a nested __proto__ and constructor/prototype write data, not Object.prototype", () => {
    const result = apply('{"a":{}}', [
      { op: "add", path: "/a/__proto__", value: {} },
      { op: "add", path: "/a/__proto__/polluted", value: 1 },
    ]);
    expect(JSON.stringify(result)).toBe('{"a":{"__proto__":{"polluted":1}}}');
    expect(() => apply("{}", [{ op: "add", path: "/constructor/prototype/polluted", value: 1 }])).toThrow(
      expect.objectContaining({ kind: "failed" }),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test.each([
    ["test", { op: "test", path: "/constructor", value: {} }],
    ["replace", { op: "replace", path: "/toString", value: 1 }],
    ["remove", { op: "remove", path: "/hasOwnProperty" }],
    ["copy", { op: "copy", from: "/constructor", path: "/c" }],
  ])("inherited members are not there: %s fails", (_, op) => {
    expect(() => apply("{}", [op])).toThrow(expect.objectContaining({ kind: "failed" }));
  });
});
