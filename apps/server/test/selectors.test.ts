// Label and field selectors: cases and messages checked against k8s.io/apimachinery
// pkg/labels/selector.go and pkg/fields/selector.go (and their tests).
import { describe, expect, test } from "vitest";
import {
  escapeFieldValue,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
  unescapeFieldValue,
} from "../src/resources/selectors.js";

type Labels = Record<string, string>;

function selectorError(fn: () => unknown): SelectorError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SelectorError);
    return e as SelectorError;
  }
  throw new Error("expected a SelectorError");
}

describe("label selector matching", () => {
  const cases: [selector: string, labels: Labels, expected: boolean][] = [
    ["", {}, true],
    ["", { x: "y" }, true],
    ["   ", { x: "y" }, true],
    // = and ==: the key must exist with that value
    ["x=y", { x: "y" }, true],
    ["x=y", { x: "z" }, false],
    ["x=y", {}, false],
    ["x==y", { x: "y" }, true],
    ["x==y", { x: "z" }, false],
    ["x==y", { y: "y" }, false],
    // = with nothing after it is the empty value, not "exists"
    ["x=", { x: "" }, true],
    ["x=", { x: "a" }, false],
    ["x=", {}, false],
    // != matches a different value and a missing key
    ["x!=y", { x: "z" }, true],
    ["x!=y", {}, true],
    ["x!=y", { x: "y" }, false],
    ["x!=", { x: "a" }, true],
    ["x!=", { x: "" }, false],
    // in: the key must exist with one of the values
    ["x in (a,b)", { x: "a" }, true],
    ["x in (a,b)", { x: "b" }, true],
    ["x in (a,b)", { x: "c" }, false],
    ["x in (a,b)", {}, false],
    ["x in (a)", { x: "a" }, true],
    ["x in (a,,b)", { x: "" }, true],
    ["x in (,a)", { x: "" }, true],
    ["x in (a,)", { x: "" }, true],
    ["x in (a,b)", { x: "" }, false],
    // `()` is the set {""}, as in apimachinery
    ["x in ()", { x: "" }, true],
    ["x in ()", { x: "a" }, false],
    ["x in ()", {}, false],
    // notin matches other values and a missing key
    ["x notin (a,b)", { x: "c" }, true],
    ["x notin (a,b)", {}, true],
    ["x notin (a,b)", { x: "a" }, false],
    ["x notin (a,b)", { x: "b" }, false],
    ["x notin ()", { x: "a" }, true],
    ["x notin ()", { x: "" }, false],
    // exists / does not exist
    ["x", { x: "z" }, true],
    ["x", { x: "" }, true],
    ["x", { y: "z" }, false],
    ["!x", { y: "z" }, true],
    ["!x", {}, true],
    ["!x", { x: "z" }, false],
    ["!x", { x: "" }, false],
    // several requirements are ANDed
    ["x=y,z=w", { x: "y", z: "w" }, true],
    ["x=y,z=w", { x: "w", z: "w" }, false],
    ["x=y,z=w", { x: "y" }, false],
    ["x!=y,z!=w", { x: "z", z: "a" }, true],
    ["x!=y,z!=w", { x: "z", z: "w" }, false],
    ["app=web,tier in (fe,be),!canary,env", { app: "web", tier: "be", env: "p" }, true],
    ["app=web,tier in (fe,be),!canary,env", { app: "web", tier: "be", env: "p", canary: "1" }, false],
    ["app=web,tier in (fe,be),!canary,env", { app: "web", tier: "be" }, false],
    // the same key twice
    ["x!=a,x!=b", { x: "c" }, true],
    ["x!=a,x!=b", { x: "b" }, false],
    ["x,x=a", { x: "a" }, true],
    // whitespace (space, tab, CR, LF) is allowed around every token
    ["  x = y ,  z  in ( a , b ) , ! w  ", { x: "y", z: "b" }, true],
    ["  x = y ,  z  in ( a , b ) , ! w  ", { x: "y", z: "b", w: "" }, false],
    ["x\t==\ty\r\n,\nz", { x: "y", z: "" }, true],
    ["x= ,z= ", { x: "", z: "" }, true],
    ["x notin(a)", { x: "b" }, true],
    // "in" and "notin" are keywords only in operator position
    ["notin=in", { notin: "in" }, true],
    ["in in (notin)", { in: "notin" }, true],
    ["!in", { in: "x" }, false],
    // prefixed keys
    ["app.kubernetes.io/name=web", { "app.kubernetes.io/name": "web" }, true],
    ["app.kubernetes.io/name=web", { name: "web" }, false],
    // keys that are also Object.prototype members are looked up as own properties only
    ["constructor", {}, false],
    ["!toString", {}, true],
    ["hasOwnProperty!=x", {}, true],
    ["valueOf in (a)", { valueOf: "a" }, true],
  ];
  test.each(cases)("%j on %j → %s", (selector, labels, expected) => {
    expect(parseLabelSelector(selector).matches(labels)).toBe(expected);
  });

  test("a long value list (hashed) matches like a short one", () => {
    const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
    const inSel = parseLabelSelector(`x in (${values.join(",")})`);
    const notInSel = parseLabelSelector(`x notin (${values.join(",")})`);
    expect(inSel.matches({ x: "v7" })).toBe(true);
    expect(inSel.matches({ x: "v19" })).toBe(true);
    expect(inSel.matches({ x: "v20" })).toBe(false);
    expect(inSel.matches({})).toBe(false);
    expect(notInSel.matches({ x: "v7" })).toBe(false);
    expect(notInSel.matches({ x: "v20" })).toBe(true);
    expect(notInSel.matches({})).toBe(true);
  });

  test("matches works on objects without a prototype", () => {
    const labels = Object.assign(Object.create(null) as Labels, { x: "y" });
    expect(parseLabelSelector("x=y,!z").matches(labels)).toBe(true);
  });
});

describe("label selector structure", () => {
  test("empty", () => {
    expect(parseLabelSelector("").empty).toBe(true);
    expect(parseLabelSelector(" \t").empty).toBe(true);
    expect(parseLabelSelector("x").empty).toBe(false);
    expect(parseLabelSelector("").requirements).toEqual([]);
  });

  test("requirements are sorted by key, values sorted and de-duplicated", () => {
    const s = parseLabelSelector("z notin (b,a,b),y==1,!x,w,v=,u in (in)");
    expect(s.requirements).toEqual([
      { key: "u", operator: "in", values: ["in"] },
      { key: "v", operator: "=", values: [""] },
      { key: "w", operator: "exists", values: [] },
      { key: "x", operator: "!", values: [] },
      { key: "y", operator: "==", values: ["1"] },
      { key: "z", operator: "notin", values: ["a", "b"] },
    ]);
  });

  test("requirements with the same key keep their written order", () => {
    const s = parseLabelSelector("b=1,a!=2,a=3,a");
    expect(s.requirements.map((r) => `${r.key}${r.operator}${r.values.join()}`)).toEqual([
      "a!=2",
      "a=3",
      "aexists",
      "b=1",
    ]);
  });

  test("requirements cannot be mutated", () => {
    const s = parseLabelSelector("x in (a,b)");
    expect(Object.isFrozen(s.requirements)).toBe(true);
    expect(Object.isFrozen(s.requirements[0])).toBe(true);
    expect(Object.isFrozen(s.requirements[0]?.values)).toBe(true);
  });

  const canonical: [input: string, output: string][] = [
    ["", ""],
    ["x=a,y=b,z=c", "x=a,y=b,z=c"],
    ["z=c,x=a", "x=a,z=c"],
    ["x=a,a=x", "a=x,x=a"],
    ["a=x,x=a", "a=x,x=a"],
    ["x==a", "x==a"],
    ["x!=a,y=b", "x!=a,y=b"],
    ["x=", "x="],
    ["x= ,z= ", "x=,z="],
    ["x", "x"],
    ["!x", "!x"],
    [" ! x ", "!x"],
    [" x  in ( b , a , a ) ", "x in (a,b)"],
    ["x in (a,,b)", "x in (,a,b)"],
    ["x in ()", "x in ()"],
    ["x notin (c)", "x notin (c)"],
    ["b,!a,c notin (z,y),a.b/c==d", "!a,a.b/c==d,b,c notin (y,z)"],
  ];
  test.each(canonical)("toString of %j is %j", (input, output) => {
    const s = parseLabelSelector(input);
    expect(s.toString()).toBe(output);
    expect(String(s)).toBe(output);
    // the canonical form parses back to itself
    expect(parseLabelSelector(output).toString()).toBe(output);
  });

  test("valid keys and values at the limits", () => {
    const name63 = `a${"b".repeat(61)}c`;
    const prefix253 = `${Array.from({ length: 4 }, () => "d".repeat(62)).join(".")}.e`;
    expect(prefix253).toHaveLength(253);
    for (const text of [
      `${name63}=${name63}`,
      `${prefix253}/${name63}`,
      "A_b.c-D=E_f.g-H",
      "1=2",
      "example.com/MyName in (my_value,12345)",
      "x=",
    ]) {
      expect(() => parseLabelSelector(text), text).not.toThrow();
    }
  });
});

describe("label selector errors", () => {
  const KEY_REGEX_ERR =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  const VALUE_REGEX_ERR =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  const PREFIX_REGEX_ERR =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  const REQ = "unable to parse requirement: ";
  const long64 = "a".repeat(64);

  const cases: [selector: string, message: string][] = [
    // syntax: what may follow a requirement
    ["a=b=c", "found '=', expected: ',' or 'end of string'"],
    ["x==a==b", "found '==', expected: ',' or 'end of string'"],
    ["!x=a", "found '=', expected: ',' or 'end of string'"],
    ["x=a y=b", "found 'y', expected: ',' or 'end of string'"],
    ["x in (a) b", "found 'b', expected: ',' or 'end of string'"],
    // syntax: what may start a requirement
    ["=a", "found '=', expected: !, identifier, or 'end of string'"],
    ["!=a", "found '!=', expected: !, identifier, or 'end of string'"],
    [",", "found ',', expected: !, identifier, or 'end of string'"],
    ["(x)", "found '(', expected: !, identifier, or 'end of string'"],
    ["a,", "found '', expected: identifier after ','"],
    ["a,,b", "found ',', expected: identifier after ','"],
    ["a,=b", "found '=', expected: identifier after ','"],
    ["!", `${REQ}found '', expected: identifier`],
    ["!!x", `${REQ}found '!', expected: identifier`],
    ["! =x", `${REQ}found '=', expected: identifier`],
    // operators
    ["x b", `${REQ}found 'b', expected: in, notin, =, ==, !=`],
    ["x!y", `${REQ}found '!', expected: in, notin, =, ==, !=`],
    ["x (a)", `${REQ}found '(', expected: in, notin, =, ==, !=`],
    // apimachinery's gt/lt (`>`, `<`) are not supported
    ["x>1", `${REQ}found '>', expected: in, notin, =, ==, !=`],
    ["x<a", `${REQ}found '<', expected: in, notin, =, ==, !=`],
    // exact values
    ["x=(a)", `${REQ}found '(', expected: identifier`],
    ["x===a", `${REQ}found '=', expected: identifier`],
    ["x!=!a", `${REQ}found '!', expected: identifier`],
    // set values
    ["x in a", `${REQ}found 'a' expected: '('`],
    ["x in", `${REQ}found '' expected: '('`],
    ["x notin a,b", `${REQ}found 'a' expected: '('`],
    ["x in (", `${REQ}found '', expected: ',', ')' or identifier`],
    ["x in (=)", `${REQ}found '=', expected: ',', ')' or identifier`],
    ["x in (a", `${REQ}found '', expected: ',' or ')'`],
    ["x in (a,b", `${REQ}found '', expected: ',' or ')'`],
    ["x in (a b)", `${REQ}found 'b', expected: ',' or ')'`],
    ["x in (a,=)", `${REQ}found '=', expected: ',', or identifier`],
    ["x in (a,b,", `${REQ}found '', expected: ',', or identifier`],
    // keys
    ["-x=a", `${REQ}invalid label key "-x": name part ${KEY_REGEX_ERR}`],
    ["x_", `${REQ}invalid label key "x_": name part ${KEY_REGEX_ERR}`],
    ["!x.", `${REQ}invalid label key "x.": name part ${KEY_REGEX_ERR}`],
    ["x|y=a", `${REQ}invalid label key "x|y": name part ${KEY_REGEX_ERR}`],
    [`${long64}=a`, `${REQ}invalid label key "${long64}": name part must be no more than 63 bytes`],
    ["/x=a", `${REQ}invalid label key "/x": prefix part must be non-empty`],
    ["x/=a", `${REQ}invalid label key "x/": name part must be non-empty; name part ${KEY_REGEX_ERR}`],
    ["Example.com/x", `${REQ}invalid label key "Example.com/x": prefix part ${PREFIX_REGEX_ERR}`],
    [
      "a/b/c",
      `${REQ}invalid label key "a/b/c": a valid label key ${KEY_REGEX_ERR} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
    [
      `${"a".repeat(254)}/x`,
      `${REQ}invalid label key "${"a".repeat(254)}/x": prefix part must be no more than 253 bytes`,
    ],
    // values
    [`x=${long64}`, `${REQ}invalid label value: "${long64}": at key: "x": must be no more than 63 bytes`],
    ["x=-a", `${REQ}invalid label value: "-a": at key: "x": ${VALUE_REGEX_ERR}`],
    ["x!=a.", `${REQ}invalid label value: "a.": at key: "x": ${VALUE_REGEX_ERR}`],
    ["x=a||y=b", `${REQ}invalid label value: "a||y": at key: "x": ${VALUE_REGEX_ERR}`],
    ["x in (a,-b)", `${REQ}invalid label value: "-b": at key: "x": ${VALUE_REGEX_ERR}`],
    ["x notin (é)", `${REQ}invalid label value: "é": at key: "x": ${VALUE_REGEX_ERR}`],
    [
      `x=a${"b".repeat(62)}_`,
      `${REQ}invalid label value: "a${"b".repeat(62)}_": at key: "x": must be no more than 63 bytes; ${VALUE_REGEX_ERR}`,
    ],
  ];
  test.each(cases)("%j → %s", (selector, message) => {
    const err = selectorError(() => parseLabelSelector(selector));
    expect(err.message).toBe(message);
    expect(err.parameter).toBe("labelSelector");
    expect(err.name).toBe("SelectorError");
    expect(err).toBeInstanceOf(Error);
  });
});

describe("field selector", () => {
  const allowed = ["metadata.name", "metadata.namespace"] as const;

  const matching: [selector: string, fields: Labels, expected: boolean][] = [
    ["", {}, true],
    ["", { "metadata.name": "a" }, true],
    [",", { "metadata.name": "a" }, true],
    ["metadata.name=foo", { "metadata.name": "foo" }, true],
    ["metadata.name=foo", { "metadata.name": "bar" }, false],
    ["metadata.name=foo", {}, false],
    ["metadata.name==foo", { "metadata.name": "foo" }, true],
    ["metadata.name==foo", { "metadata.name": "bar" }, false],
    ["metadata.name!=foo", { "metadata.name": "bar" }, true],
    ["metadata.name!=foo", {}, true],
    ["metadata.name!=foo", { "metadata.name": "foo" }, false],
    // a missing field reads as "" (fields.Set.Get)
    ["metadata.name=", {}, true],
    ["metadata.name=", { "metadata.name": "" }, true],
    ["metadata.name=", { "metadata.name": "a" }, false],
    ["metadata.name!=", {}, false],
    ["metadata.name!=", { "metadata.name": "a" }, true],
    // several terms are ANDed; empty terms are skipped
    [
      "metadata.name=a,metadata.namespace!=kube-system",
      { "metadata.name": "a", "metadata.namespace": "default" },
      true,
    ],
    [
      "metadata.name=a,metadata.namespace!=kube-system",
      { "metadata.name": "a", "metadata.namespace": "kube-system" },
      false,
    ],
    ["metadata.name=a,,metadata.namespace=b", { "metadata.name": "a", "metadata.namespace": "b" }, true],
    ["metadata.name!=a,metadata.name!=b", { "metadata.name": "c" }, true],
    ["metadata.name!=a,metadata.name!=b", { "metadata.name": "b" }, false],
    // escapes
    ["metadata.name=a\\,b", { "metadata.name": "a,b" }, true],
    ["metadata.name=a\\=b", { "metadata.name": "a=b" }, true],
    ["metadata.name=a\\\\b", { "metadata.name": "a\\b" }, true],
    ["metadata.name=a\\!b", { "metadata.name": "a!b" }, true],
    ["metadata.name=a!b", { "metadata.name": "a!b" }, true],
    ["metadata.name!=a\\,b", { "metadata.name": "a,b" }, false],
    ["metadata.name=a\\,b,metadata.namespace=c", { "metadata.name": "a,b", "metadata.namespace": "c" }, true],
    // values are taken literally, spaces included
    ["metadata.name= a", { "metadata.name": " a" }, true],
    ["metadata.name= a", { "metadata.name": "a" }, false],
  ];
  test.each(matching)("%j on %j → %s", (selector, fields, expected) => {
    expect(parseFieldSelector(selector, allowed).matches(fields)).toBe(expected);
  });

  test("empty", () => {
    expect(parseFieldSelector("", allowed).empty).toBe(true);
    expect(parseFieldSelector(",,", allowed).empty).toBe(true);
    expect(parseFieldSelector("metadata.name=", allowed).empty).toBe(false);
  });

  test("requirements: sorted as apimachinery sorts the terms, values unescaped", () => {
    const s = parseFieldSelector("metadata.namespace!=b,metadata.name==a\\,b", allowed);
    expect(s.requirements).toEqual([
      { field: "metadata.name", operator: "==", value: "a,b" },
      { field: "metadata.namespace", operator: "!=", value: "b" },
    ]);
    expect(Object.isFrozen(s.requirements)).toBe(true);
    expect(s.toString()).toBe("metadata.name=a\\,b,metadata.namespace!=b");
  });

  test("own properties only", () => {
    expect(parseFieldSelector("constructor!=", ["constructor"]).matches({})).toBe(false);
  });

  const errors: [selector: string, message: string][] = [
    ["metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ["metadata.name=a,foo", "invalid selector: 'metadata.name=a,foo'; can't understand 'foo'"],
    ["metadata.name=a=b", "invalid field selector: unescaped character in value: ="],
    ["metadata.name===b", "invalid field selector: unescaped character in value: ="],
    ["metadata.name!==b", "invalid field selector: unescaped character in value: ="],
    ["metadata.name=a\\x", "invalid field selector: invalid escape sequence: \\x"],
    ["metadata.name=a\\", "invalid field selector: invalid escape sequence: \\"],
    ["spec.nodeName=n1", '"spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ["=a", '"" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    // field names are not trimmed
    [" metadata.name=a", '" metadata.name" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ["metadata.name =a", '"metadata.name " is not a known field selector: only "metadata.name", "metadata.namespace"'],
    // syntax errors win over unknown fields, whatever the order
    ["spec.x=1,zzz", "invalid selector: 'spec.x=1,zzz'; can't understand 'zzz'"],
    ["spec.x=1,metadata.name=a=b", "invalid field selector: unescaped character in value: ="],
  ];
  test.each(errors)("%j → %s", (selector, message) => {
    const err = selectorError(() => parseFieldSelector(selector, allowed));
    expect(err.message).toBe(message);
    expect(err.parameter).toBe("fieldSelector");
  });

  test("the unknown-field message lists the allowed fields in the order given", () => {
    const err = selectorError(() => parseFieldSelector("x=1", ["status.phase", "metadata.name"]));
    expect(err.message).toBe('"x" is not a known field selector: only "status.phase", "metadata.name"');
  });

  test("escapeFieldValue and unescapeFieldValue round-trip", () => {
    for (const v of ["", "plain", "a,b", "a=b", "a\\b", "\\,=", "a!=b", "é,ü"]) {
      const escaped = escapeFieldValue(v);
      expect(unescapeFieldValue(escaped)).toBe(v);
      const s = parseFieldSelector(`metadata.name=${escaped}`, allowed);
      expect(s.matches({ "metadata.name": v })).toBe(true);
      expect(s.toString()).toBe(`metadata.name=${escaped}`);
    }
    expect(escapeFieldValue("a\\,=b")).toBe("a\\\\\\,\\=b");
  });
});
