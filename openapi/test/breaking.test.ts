// check:breaking's comparison (scripts/diff.mjs), kind by kind, on pairs of small specs; and the
// gate that `npm test` runs: the working tree's spec against its base (scripts/check-breaking.mjs).
import { describe, expect, test } from "vitest";
import { checkBreaking } from "../scripts/check-breaking.mjs";
import { allowed, compareDocuments } from "../scripts/diff.mjs";

type Doc = Record<string, any>;

/** A small spec: one collection path with a list and a create operation, sharing the Pet schema. */
function spec(): Doc {
  return {
    openapi: "3.1.0",
    info: { title: "pets", version: "1.2.0" },
    paths: {
      "/pets": {
        get: {
          operationId: "listPets",
          parameters: [{ name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100 } }],
          responses: {
            "200": {
              description: "ok",
              content: {
                "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/Pet" } } },
              },
            },
            "404": { description: "none" },
          },
        },
        post: {
          operationId: "createPet",
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/Pet" } } },
          },
          responses: {
            "201": {
              description: "made",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Pet" } } },
            },
          },
        },
      },
    },
    components: {
      schemas: {
        Pet: {
          type: "object",
          required: ["name"],
          properties: {
            name: { type: "string", maxLength: 63 },
            tag: { type: "string" },
            kind: { type: "string", enum: ["cat", "dog", "bird"] },
            age: { type: "integer" },
          },
        },
      },
    },
  };
}

function changed(edit: (doc: Doc) => void) {
  const base = spec();
  const head = spec();
  edit(head);
  const changes = compareDocuments(base, head);
  return {
    changes,
    breaking: changes.filter((c) => c.kind === "breaking").map((c) => `${c.where}: ${c.message}`),
    ok: allowed(base, head, changes),
  };
}

const pet = (doc: Doc) => doc.components.schemas.Pet;

describe("breaking changes", () => {
  test.each<[string, (doc: Doc) => void, RegExp]>([
    [
      "a removed property",
      (d) => delete pet(d).properties.tag,
      /response 200 \(application\/json\)\[\]: property "tag" removed/,
    ],
    [
      "a renamed path",
      (d) => {
        d.paths["/animals"] = d.paths["/pets"];
        delete d.paths["/pets"];
      },
      /\/pets: path renamed: \/pets is now \/animals/,
    ],
    ["a removed operation", (d) => delete d.paths["/pets"].post, /createPet \(POST \/pets\): operation removed/],
    [
      "a moved operation",
      (d) => {
        d.paths["/pets/new"] = { post: d.paths["/pets"].post };
        delete d.paths["/pets"].post;
      },
      /createPet \(POST \/pets\): operation moved to POST \/pets\/new/,
    ],
    [
      "a renamed operationId",
      (d) => (d.paths["/pets"].get.operationId = "getPets"),
      /listPets \(GET \/pets\): operationId renamed to getPets/,
    ],
    [
      "a new required parameter",
      (d) =>
        d.paths["/pets"].get.parameters.push({
          name: "owner",
          in: "query",
          required: true,
          schema: { type: "string" },
        }),
      /query parameter "owner" added, required/,
    ],
    [
      "a parameter made required",
      (d) => (d.paths["/pets"].get.parameters[0].required = true),
      /query parameter "limit" is now required/,
    ],
    ["a removed parameter", (d) => (d.paths["/pets"].get.parameters = []), /query parameter "limit" removed/],
    [
      "a new required request property",
      (d) => {
        pet(d).properties.owner = { type: "string" };
        pet(d).required.push("owner");
      },
      /createPet \(POST \/pets\): request body \(application\/json\): property "owner" added, required/,
    ],
    [
      "a property made required in a request",
      (d) => pet(d).required.push("tag"),
      /request body \(application\/json\): property "tag" is now required/,
    ],
    [
      "a narrowed enum",
      (d) => (pet(d).properties.kind.enum = ["cat", "dog"]),
      /request body \(application\/json\) › kind: enum narrowed, "bird" removed/,
    ],
    [
      "a narrowed range",
      (d) => (d.paths["/pets"].get.parameters[0].schema.maximum = 50),
      /query parameter "limit": range narrowed, maximum 100 → 50/,
    ],
    [
      "a shorter maximum length",
      (d) => (pet(d).properties.name.maxLength = 20),
      /› name: range narrowed, maximum length 63 → 20/,
    ],
    ["a changed type", (d) => (pet(d).properties.age.type = "string"), /› age: type changed from integer to string/],
    [
      "a removed response code",
      (d) => delete d.paths["/pets"].get.responses["404"],
      /listPets \(GET \/pets\): response 404 removed/,
    ],
    [
      "a removed media type",
      (d) => {
        const ok = d.paths["/pets"].get.responses["200"];
        ok.content = { "application/yaml": ok.content["application/json"] };
      },
      /response 200: media type application\/json removed/,
    ],
    [
      "a new required request body",
      (d) => {
        d.paths["/pets"].get.requestBody = {
          required: true,
          content: { "application/json": { schema: { type: "object" } } },
        };
      },
      /listPets \(GET \/pets\): request body added, required/,
    ],
  ])("%s", (_, edit, expected) => {
    const { breaking, ok } = changed(edit);
    expect(breaking.join("\n")).toMatch(expected);
    expect(ok).toBe(false);
  });
});

describe("additive changes pass", () => {
  test.each<[string, (doc: Doc) => void]>([
    ["a new optional property", (d) => (pet(d).properties.color = { type: "string" })],
    [
      "a new operation",
      (d) =>
        (d.paths["/pets/{id}"] = {
          get: {
            operationId: "readPet",
            parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
            responses: { "200": { description: "ok" } },
          },
        }),
    ],
    [
      "a new optional parameter",
      (d) => d.paths["/pets"].get.parameters.push({ name: "sort", in: "query", schema: { type: "string" } }),
    ],
    ["a wider range", (d) => (d.paths["/pets"].get.parameters[0].schema.maximum = 500)],
    ["a new response code", (d) => (d.paths["/pets"].post.responses["409"] = { description: "exists" })],
    [
      "a new media type",
      (d) => (d.paths["/pets"].post.responses["201"].content["application/yaml"] = { schema: { type: "object" } }),
    ],
    ["a description edit", (d) => (pet(d).properties.tag.description = "A free label.")],
  ])("%s", (_, edit) => {
    const { breaking, ok } = changed(edit);
    expect(breaking).toEqual([]);
    expect(ok).toBe(true);
  });

  test("a new enum value is additive, said in requests and responses alike", () => {
    const { changes, ok } = changed((d) => pet(d).properties.kind.enum.push("fish"));
    expect(ok).toBe(true);
    expect(changes.map((c) => `${c.kind} ${c.where}: ${c.message}`)).toContain(
      'additive listPets (GET /pets): response 200 (application/json)[] › kind: enum value "fish" added (clients that switch on it exhaustively must handle it)',
    );
    expect(changes.map((c) => `${c.kind} ${c.where}: ${c.message}`)).toContain(
      'additive createPet (POST /pets): request body (application/json) › kind: enum value "fish" added',
    );
  });
});

describe("info.version", () => {
  const removal = (doc: Doc) => delete pet(doc).properties.tag;
  test.each([
    ["1.2.0", "2.0.0", true],
    ["1.2.0", "1.3.0", false],
    ["1.2.0", "1.2.0", false],
    ["0.1.0", "0.2.0", true],
    ["0.1.0", "0.1.1", false],
  ])("%s → %s: a breaking change is allowed: %s", (from, to, expected) => {
    const base = spec();
    const head = spec();
    base.info.version = from;
    head.info.version = to;
    removal(head);
    expect(allowed(base, head, compareDocuments(base, head))).toBe(expected);
  });
});

test("the working tree's spec makes no breaking change against its base, unless its major moved", async () => {
  const result = await checkBreaking();
  const breaking = result.changes.filter((c) => c.kind === "breaking");
  expect(result.ok, `against ${result.why}:\n${breaking.map((c) => `${c.where}: ${c.message}`).join("\n")}`).toBe(true);
}, 120_000);
