// Spec-derived fuzzing: requests built from the bundled spec's operations with wrong types,
// missing fields, boundary numbers, deep nesting, huge strings, bad UTF-8, prototype keys at every
// level, duplicate keys, wrong content types, odd methods and odd names, as several users. Every
// answer must be a 2xx or a 4xx (never a 5xx), declared by the spec for its operation, and an
// error must be in its family's format and valid against the spec's schema. Seeded: the same
// requests every run.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fc from "fast-check";
import type { Response } from "supertest";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, testServer, type tokens } from "../helpers.js";
import { creatable, kinds } from "../seeds.js";

interface Operation {
  operationId: string;
  parameters?: { $ref?: string; name?: string; in?: string; schema?: unknown }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, unknown>;
}
type Doc = {
  paths: Record<string, Record<string, Operation> & { parameters?: Operation["parameters"] }>;
  components: { parameters: Record<string, { name: string; in: string; schema?: unknown }> };
};
const document = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json"), "utf8"),
) as Doc;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addFormat("int32", { type: "number", validate: () => true });
ajv.addFormat("int64", { type: "number", validate: () => true });
ajv.addSchema({ ...document, $id: "openapi" });
const statusSchema = ajv.compile({ $ref: "openapi#/components/schemas/Status" });
const modelArtsSchema = ajv.compile({ $ref: "openapi#/components/schemas/ModelArtsError" });

interface Op {
  method: string;
  path: string;
  pattern: RegExp;
  op: Operation;
  query: string[];
}
const ops: Op[] = [];
for (const [path, item] of Object.entries(document.paths)) {
  for (const method of ["get", "put", "post", "delete", "patch"]) {
    const op = item[method] as Operation | undefined;
    if (!op) continue;
    const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) =>
      p.$ref ? document.components.parameters[p.$ref.split("/").pop()!]! : p,
    );
    const source = path
      .split("/")
      .map((s) => (/^\{.+\}$/.test(s) ? "[^/]+" : s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    ops.push({
      method: method.toUpperCase(),
      path,
      pattern: new RegExp(`^${source}$`),
      op,
      // Not `watch`: a watch is a stream that stays open (test/watch.test.ts covers it).
      query: params.filter((p) => p.in === "query" && p.name !== "watch").map((p) => p.name!),
    });
  }
}

let s: TestServer;
beforeAll(async () => {
  s = await testServer();
  for (const k of kinds) {
    const obj = creatable(k.seed);
    obj.metadata = { name: "fz" };
    expect((await s.api.post(`${k.base}/namespaces/kube-test/${k.plural}`).send(obj)).status).toBe(201);
  }
  const job = await s.api
    .post("/v1/proj-a/training-jobs")
    .send({ job_name: "fz", config: { worker_server_num: 1, app_url: "/b/", boot_file_url: "/b/x.py" } });
  expect(job.status).toBe(200);
});
afterAll(() => s.close());

// ---- generators ---------------------------------------------------------------------------------

const protoKeys = ["__proto__", "constructor", "prototype", "hasOwnProperty", "toString"];
const oddNames = fc.constantFrom(
  "fz",
  "fz",
  "absent",
  "A",
  "-x-",
  "a".repeat(300),
  "__proto__",
  "constructor",
  "..",
  "%2e%2e",
  "%00",
  "%ff",
  "é",
  "a b",
  "a%2Fb",
  "1",
  "0",
  "-1",
  "0x1",
  "1e3",
  "9223372036854775807",
  "9223372036854775808",
);
const namespaces = fc.constantFrom("kube-test", "kube-test", "team-b", "Kube-Test", "x".repeat(64), "%20", "__proto__");
const projects = fc.constantFrom("proj-a", "proj-a", "proj-b", "bad project", "x".repeat(65), "__proto__");
const numbers = fc.constantFrom(
  "0",
  "1",
  "-1",
  "16",
  "016",
  "0x10",
  "1e400",
  "1.5",
  "",
  " 1",
  "9223372036854775807",
  "9223372036854775808",
  "NaN",
  "Infinity",
);
const strings = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom("", "x".repeat(5000), "true", "All", "a=b", "a in (b)", "!a", "%", "\u0000", "__proto__"),
);
const queryValue = fc.oneof(numbers, strings);
const users = fc.constantFrom<keyof typeof tokens | "anonymous" | "unknown">(
  "admin",
  "admin",
  "admin",
  "alice",
  "bob",
  "anonymous",
  "unknown",
);

/** JSON text with prototype-named keys, duplicate keys and odd values spliced in at any level. */
const jsonLeaf = fc.oneof(
  fc.constantFrom("null", "true", "0", "-0", "1e308", "1e400", "9007199254740993", "1.5", '""', '"x"', "[]", "{}"),
  fc.string({ maxLength: 10 }).map((x) => JSON.stringify(x)),
  fc.constantFrom(JSON.stringify("x".repeat(70_000))),
);
const jsonText: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    jsonLeaf,
    fc.array(tie("v"), { maxLength: 3 }).map((a) => `[${a.join(",")}]`),
    fc
      .array(
        fc.tuple(
          fc.oneof(fc.constantFrom(...protoKeys, "metadata", "spec", "status", "a"), fc.string({ maxLength: 5 })),
          tie("v"),
        ),
        {
          maxLength: 4,
        },
      )
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
  ),
})).v;

/** A body for an operation: a seed mutated, or something else entirely. */
function bodyFor(op: Op): fc.Arbitrary<{ text: string | Buffer | undefined; type: string | undefined }> {
  const kind = kinds.find((k) => op.path.includes(`/${k.plural}`));
  const seed = kind ? creatable(kind.seed) : { job_name: "fz2", config: { worker_server_num: 1 }, job_desc: "d" };
  if (kind) seed.metadata = { name: "fz" };
  const seedText = JSON.stringify(seed);
  const isPatch = op.method === "PATCH";
  const jsonType = isPatch ? "application/merge-patch+json" : "application/json";
  return fc.oneof(
    // The seed with one field's value replaced by anything.
    fc.tuple(fc.constantFrom(...fieldPaths(seed)), jsonText).map(([path, value]) => ({
      text: replaceAt(seedText, path, value),
      type: jsonType,
    })),
    // Prototype keys and duplicates spliced into the seed at any object level.
    fc
      .tuple(fc.constantFrom(...objectPaths(seed)), fc.constantFrom(...protoKeys), jsonText)
      .map(([path, key, value]) => ({
        text: spliceKey(seedText, path, key, value),
        type: jsonType,
      })),
    fc.constant({ text: seedText.replace("{", '{"metadata":{"name":"dup"},'), type: jsonType }),
    // Missing fields: the seed without one top-level key.
    fc.constantFrom(...Object.keys(seed)).map((k) => {
      const copy = { ...seed } as Record<string, unknown>;
      delete copy[k];
      return { text: JSON.stringify(copy), type: jsonType };
    }),
    jsonText.map((text) => ({ text, type: jsonType })),
    fc.integer({ min: 90, max: 20_000 }).map((d) => ({ text: `${"[".repeat(d)}${"]".repeat(d)}`, type: jsonType })),
    fc.constantFrom(
      { text: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), type: jsonType },
      { text: "{not json", type: jsonType },
      { text: "", type: jsonType },
      { text: seedText, type: "text/plain" },
      { text: seedText, type: "application/xml" },
      { text: seedText, type: "application/json; charset=latin1" },
      { text: seedText, type: "application/strategic-merge-patch+json" },
      { text: seedText, type: "application/json-patch+json" },
      { text: seedText, type: undefined },
      { text: undefined, type: undefined },
      { text: seedText, type: isPatch ? "application/json" : "application/merge-patch+json" },
      { text: `{"a":"${"x".repeat(3 * 1024 * 1024)}"}`, type: jsonType },
    ),
  );
}

function fieldPaths(value: unknown, prefix: string[] = []): string[][] {
  const out: string[][] = prefix.length ? [prefix] : [];
  if (value && typeof value === "object" && !Array.isArray(value))
    for (const k of Object.keys(value)) out.push(...fieldPaths((value as Record<string, unknown>)[k], [...prefix, k]));
  return out.length ? out : [[]];
}
function objectPaths(value: unknown, prefix: string[] = []): string[][] {
  const out: string[][] = [prefix];
  if (value && typeof value === "object" && !Array.isArray(value))
    for (const k of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[k];
      if (child && typeof child === "object" && !Array.isArray(child)) out.push(...objectPaths(child, [...prefix, k]));
    }
  return out;
}
const markKey = "\u0001MARK\u0001";
function replaceAt(text: string, path: string[], value: string): string {
  if (path.length === 0) return value;
  const obj = JSON.parse(text);
  let node = obj;
  for (const k of path.slice(0, -1)) node = node[k];
  node[path.at(-1)!] = markKey;
  return JSON.stringify(obj).replace(JSON.stringify(markKey), value);
}
function spliceKey(text: string, path: string[], key: string, value: string): string {
  const obj = JSON.parse(text);
  let node = obj;
  for (const k of path) node = node[k];
  Object.defineProperty(node, markKey, { value: 0, enumerable: true, configurable: true, writable: true });
  return JSON.stringify(obj).replace(`${JSON.stringify(markKey)}:0`, `${JSON.stringify(key)}:${value}`);
}

function fillPath(op: Op, ns: string, name: string, project: string, id: string): string {
  return op.path
    .replace("{namespace}", ns)
    .replace("{name}", name)
    .replace("{project_id}", project)
    .replace("{job_id}", id)
    .replace("{version_id}", id);
}

interface Sent {
  method: string;
  path: string;
  user: string;
  body?: string;
  type?: string;
  headers?: Record<string, string>;
}

async function send(req: Sent): Promise<Response> {
  const agent =
    req.user === "anonymous"
      ? s.anonymous
      : req.user === "unknown"
        ? s.anonymous
        : s.as(req.user as keyof typeof tokens);
  const method = req.method.toLowerCase() as "get" | "put" | "post" | "delete" | "patch" | "head" | "options";
  let r = (agent as unknown as Record<string, (p: string) => import("supertest").Test>)[method]!(req.path);
  if (req.user === "unknown") r = r.set("Authorization", "Bearer nope");
  for (const [k, v] of Object.entries(req.headers ?? {})) r = r.set(k, v);
  if (req.type) r = r.set("Content-Type", req.type);
  return req.body === undefined ? r : r.send(req.body as never);
}

// ---- the check ----------------------------------------------------------------------------------

const failures: string[] = [];

function check(req: Sent, res: Response): void {
  const describe = `${req.user} ${req.method} ${req.path.slice(0, 120)} [${req.type}] ${String(req.body ?? "").slice(0, 80)} -> ${res.status} ${res.text?.slice(0, 200)}`;
  const fail = (why: string): void => {
    failures.push(`${why}: ${describe}`);
  };
  if (res.status >= 500 || res.status < 200 || (res.status >= 300 && res.status < 400)) {
    fail("not 2xx/4xx");
    return;
  }
  const pathOnly = req.path.split("?")[0]!;
  const method = req.method === "HEAD" ? "GET" : req.method;
  const family = pathOnly.startsWith("/v1/") || pathOnly === "/v1" ? "modelarts" : "kube";
  if (res.status >= 400 && req.method !== "HEAD") {
    const valid = family === "modelarts" ? modelArtsSchema(res.body) : statusSchema(res.body);
    if (!valid) {
      fail(`error not in the ${family} format`);
      return;
    }
    if (!/^application\/json/.test(res.headers["content-type"] ?? "")) {
      fail("error not JSON");
      return;
    }
  }
  if (res.status === 405 && !res.headers.allow) {
    fail("405 without Allow");
    return;
  }
  // Odd names may be decoded to paths of no operation: only declared statuses count where one matches.
  let decoded = pathOnly;
  try {
    decoded = decodeURI(pathOnly);
  } catch {}
  const op = ops.find((o) => o.method === method && (o.pattern.test(pathOnly) || o.pattern.test(decoded)));
  if (!op) {
    // Authentication (and impersonation: 400 without a user) comes before the method's 405.
    if (![400, 401, 403, 404, 405].includes(res.status)) fail("no operation, yet not 400/401/403/404/405");
    return;
  }
  if (!(String(res.status) in op.op.responses)) fail(`status not declared by ${op.op.operationId}`);
}

// ---- the runs -----------------------------------------------------------------------------------

describe("fuzzing from the spec", () => {
  const opArb = fc.constantFrom(...ops);

  test("operations with odd parameters, queries and bodies, as several users", async () => {
    const requests = fc.sample(
      opArb.chain((op) =>
        fc.record({
          op: fc.constant(op),
          ns: namespaces,
          name: oddNames,
          project: projects,
          id: oddNames,
          user: users,
          query: fc.array(fc.tuple(fc.constantFrom(...op.query, "unknownParam", "limit", "pretty"), queryValue), {
            maxLength: 3,
          }),
          body: op.op.requestBody
            ? bodyFor(op)
            : fc.constant<{ text: string | Buffer | undefined; type: string | undefined }>({
                text: undefined,
                type: undefined,
              }),
          head: fc.boolean(),
        }),
      ),
      { seed: 20261128, numRuns: 350 },
    );
    for (const r of requests) {
      const qs = r.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
      const path = fillPath(r.op, r.ns, r.name, r.project, r.id) + (qs ? `?${qs}` : "");
      const method = r.op.method === "GET" && r.head ? "HEAD" : r.op.method;
      const req: Sent = { method, path, user: r.user, body: r.body.text as string | undefined, type: r.body.type };
      check(req, await send(req));
    }
    expect(failures, failures.join("\n")).toEqual([]);
  }, 120_000);

  test("odd methods on every path, and impersonation headers", async () => {
    const requests = fc.sample(
      fc.record({
        op: opArb,
        method: fc.constantFrom("GET", "PUT", "POST", "PATCH", "DELETE", "OPTIONS", "HEAD"),
        user: users,
        impersonate: fc.option(
          fc.constantFrom<Record<string, string>>(
            { "Impersonate-User": "alice" },
            { "Impersonate-Group": "system:masters" },
            { "Impersonate-User": "bob", "Impersonate-Group": "namespace:kube-test" },
            { "Impersonate-Uid": "x" },
          ),
        ),
      }),
      { seed: 7, numRuns: 150 },
    );
    for (const r of requests) {
      const path = fillPath(r.op, "kube-test", "fz", "proj-a", "1");
      const req: Sent = {
        method: r.method,
        path,
        user: r.user,
        headers: r.impersonate ?? {},
        ...(["PUT", "POST", "PATCH"].includes(r.method) ? { body: "{}", type: "application/json" } : {}),
      };
      check(req, await send(req));
    }
    expect(failures, failures.join("\n")).toEqual([]);
  }, 120_000);
});
