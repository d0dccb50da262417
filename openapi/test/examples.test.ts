// Every example in the spec validates against the schema it illustrates, and the seed pages'
// bodies (test/fixtures/seeds/) are examples of their operations, verbatim.
import { readdirSync, readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, test } from "vitest";
import { deref, type Json, type JsonObject, loadBundle, operations } from "./load.js";

const doc = loadBundle();
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
// ajv-formats brings the OpenAPI number formats too (int32, int64, float, double).
addFormats.default(ajv);
ajv.addSchema({ ...(doc as object), $id: "openapi.json" } as object);

interface Case {
  where: string;
  schema: Json;
  value: Json;
}

// Walks every media type object (request bodies and responses) and every parameter with examples.
function collect(): Case[] {
  const cases: Case[] = [];
  const visitContent = (where: string, content: JsonObject) => {
    for (const [media, raw] of Object.entries(content)) {
      const mt = raw as JsonObject;
      for (const [name, ex] of Object.entries((mt.examples as JsonObject) ?? {})) {
        const example = deref(doc, ex) as JsonObject;
        cases.push({ where: `${where} ${media} ${name}`, schema: mt.schema!, value: example.value! });
      }
    }
  };
  for (const { path, method, operation: op } of operations(doc)) {
    const body = deref(doc, op.requestBody) as JsonObject | undefined;
    if (body) visitContent(`${method} ${path} request`, body.content as JsonObject);
    for (const [code, rawResp] of Object.entries(op.responses as JsonObject)) {
      const resp = deref(doc, rawResp) as JsonObject;
      if (resp.content) visitContent(`${method} ${path} ${code}`, resp.content as JsonObject);
    }
  }
  return cases;
}

const cases = collect();

test("the spec has examples to check", () => {
  expect(cases.length).toBeGreaterThan(100);
});

describe("every example validates against its schema", () => {
  test.each(cases.map((c) => [c.where, c] as const))("%s", (_where, c) => {
    const schema =
      typeof c.schema === "object" && c.schema && "$ref" in c.schema
        ? { $ref: `openapi.json${(c.schema as JsonObject).$ref}` }
        : c.schema;
    const validate = ajv.compile(rewriteRefs(schema) as object);
    const ok = validate(c.value);
    expect(ok, JSON.stringify(validate.errors, null, 1)).toBe(true);
  });
});

function rewriteRefs(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        k === "$ref" && typeof v === "string" && v.startsWith("#") ? `openapi.json${v}` : rewriteRefs(v),
      ]),
    );
  }
  return node;
}

describe("every operation that takes a body has an example request, every response an example", () => {
  for (const { path, method, operation: op } of operations(doc)) {
    test(`${method} ${path}`, () => {
      const body = deref(doc, op.requestBody) as JsonObject | undefined;
      for (const mt of Object.values((body?.content as JsonObject) ?? {})) {
        expect(Object.keys(((mt as JsonObject).examples as JsonObject) ?? {}).length).toBeGreaterThan(0);
      }
      for (const [code, rawResp] of Object.entries(op.responses as JsonObject)) {
        const resp = deref(doc, rawResp) as JsonObject;
        for (const mt of Object.values((resp.content as JsonObject) ?? {})) {
          expect(Object.keys(((mt as JsonObject).examples as JsonObject) ?? {}), `${code}`).not.toHaveLength(0);
        }
      }
    });
  }
});

// The seed pages' bodies, copied into test/fixtures/seeds/ (see its README): each one is, verbatim,
// an example of its operation's request body (`<operationId>-request.json`) or of one of its
// responses (`<operationId>-response*.json`).
const seedsDir = new URL("fixtures/seeds/", import.meta.url);
const seedFiles = readdirSync(seedsDir).filter((f) => f.endsWith(".json"));

test("the seed pages give 11 bodies", () => {
  expect(seedFiles).toHaveLength(11);
});

describe("the seeds' request and response bodies are examples of their operations, verbatim", () => {
  test.each(seedFiles)("%s", (file) => {
    const [, operationId, part] = /^(\w+)-(request|response)(?:-[\w-]+)?\.json$/.exec(file) ?? [];
    expect(operationId, `${file}: not <operationId>-<request|response>[-note].json`).toBeTruthy();
    const op = operations(doc).find((o) => o.operation.operationId === operationId)?.operation;
    expect(op, `no operation ${operationId}`).toBeTruthy();
    const contents =
      part === "request"
        ? [(deref(doc, op!.requestBody) as JsonObject | undefined)?.content]
        : Object.values(op!.responses as JsonObject).map((r) => (deref(doc, r) as JsonObject).content);
    const examples = contents.flatMap((content) =>
      Object.values((content as JsonObject | undefined) ?? {}).flatMap((mt) =>
        Object.values(((mt as JsonObject).examples as JsonObject) ?? {}).map((e) =>
          JSON.stringify((deref(doc, e) as JsonObject).value),
        ),
      ),
    );
    const body = JSON.stringify(JSON.parse(readFileSync(new URL(file, seedsDir), "utf8")));
    expect(examples).toContain(body);
  });
});
