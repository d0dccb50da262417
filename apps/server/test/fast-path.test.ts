// The fast path (src/http/fast-path.ts) against the plain Express app: the same requests, valid and
// invalid, sent to a server with the fast path and to one without, in the same order, answer the
// same status, headers and body (uids and timestamps aside, which each server makes its own). The
// valid ones must have been answered by the fast path itself, the others by Express.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type TrainjobsServer } from "../src/app.js";
import { TokenTable } from "../src/http/auth.js";
import { openStore, type Store } from "../src/store/index.js";
import { seedObject } from "./builders.js";
import { kinds, mergePatch } from "./seeds.js";

const tokens = { admin: "admin-token", alice: "alice-token", bob: "bob-token" } as const;

interface Running {
  app: TrainjobsServer;
  store: Store;
  server: http.Server;
  url: string;
}

async function start(fastPath: boolean): Promise<Running> {
  const store = await openStore("sqlite::memory:");
  const table = TokenTable.fromCsv(
    [
      `${tokens.admin},admin,u-admin,"system:masters"`,
      `${tokens.alice},alice,u-alice,"namespace:kube-test"`,
      `${tokens.bob},bob,u-bob,"namespace:team-b"`,
    ].join("\n"),
  );
  const app = createServer({ store, tokens: table, validateResponses: true, fastPath });
  const server = http.createServer(app.listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { app, store, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: unknown;
}

/** One request on its own connection, with exactly these headers (none added but Host and length). */
function send(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer | string) {
  return new Promise<Answer>((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // kept as text (YAML, pretty JSON is parsed, plain text stays)
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: {
            "content-type": res.headers["content-type"],
            warning: res.headers.warning as string | undefined,
            location: res.headers.location,
            allow: res.headers.allow as string | undefined,
            raw: text.startsWith("{\n") ? "pretty" : "compact",
          },
          body: parsed,
        });
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const timestamp = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;

/** A Table's age cell (`5s`), which depends on when it was asked. */
const age = /^\d+[smhd]$/;

/**
 * What may differ between two servers: uids, times and ages (the revisions are the same: the same
 * writes in the same order).
 */
function normalised(value: unknown): unknown {
  if (typeof value === "string")
    return age.test(value) ? "<age>" : value.replace(uuid, "<uid>").replace(timestamp, "<time>");
  if (Array.isArray(value)) return value.map(normalised);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalised(v)]));
  return value;
}

interface Case {
  name: string;
  method: "GET" | "PATCH";
  path: string;
  headers?: Record<string, string>;
  /** Without a token unless `as` says whose. */
  as?: keyof typeof tokens | "nobody" | "unknown";
  body?: string | Buffer;
  /** The fast path answers it itself. */
  fast?: boolean;
}

const tfjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";
const target = `${tfjobs}/target`;
const patch = (body: unknown, extra: Partial<Case> = {}): Partial<Case> => ({
  method: "PATCH",
  headers: { "content-type": mergePatch },
  body: typeof body === "string" ? body : JSON.stringify(body),
  ...extra,
});
const deep = (levels: number): unknown => {
  let v: unknown = "x";
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};

const valid: Case[] = [
  { name: "GET", method: "GET", path: target, as: "admin", fast: true },
  { name: "GET as a namespace's user", method: "GET", path: target, as: "alice", fast: true },
  { name: "GET with X-Auth-Token", method: "GET", path: target, headers: { "x-auth-token": tokens.admin }, fast: true },
  { name: "GET with timeout", method: "GET", path: `${target}?timeout=32s`, as: "admin", fast: true },
  {
    name: "GET with resourceVersion",
    method: "GET",
    path: `${target}?resourceVersion=0`,
    as: "admin",
    fast: true,
  },
  {
    name: "GET Accept JSON",
    method: "GET",
    path: target,
    as: "admin",
    headers: { accept: "application/json" },
    fast: true,
  },
  { name: "GET Accept */*", method: "GET", path: target, as: "admin", headers: { accept: "*/*" }, fast: true },
  {
    name: "PATCH a label",
    path: target,
    as: "admin",
    ...patch({ metadata: { labels: { rev: "1" } } }),
    fast: true,
  } as Case,
  {
    name: "PATCH as alice",
    path: target,
    as: "alice",
    ...patch({ metadata: { labels: { rev: "2" } } }),
    fast: true,
  } as Case,
  {
    name: "PATCH unchanged",
    path: target,
    as: "admin",
    ...patch({ metadata: { labels: { rev: "2" } } }),
    fast: true,
  } as Case,
  {
    name: "PATCH dry run",
    path: `${target}?dryRun=All`,
    as: "admin",
    ...patch({ metadata: { labels: { rev: "dry" } } }),
    fast: true,
  } as Case,
  {
    name: "PATCH with kubectl's parameters",
    path: `${target}?fieldManager=kubectl-edit&fieldValidation=Strict&timeout=32s`,
    as: "admin",
    ...patch({ metadata: { annotations: { note: "x" } } }),
    fast: true,
  } as Case,
  {
    name: "PATCH a spec field and remove a label",
    path: target,
    as: "admin",
    ...patch({ metadata: { labels: { rev: null } }, spec: { cleanPodPolicy: "All", activeDeadlineSeconds: 60 } }),
    fast: true,
  } as Case,
  {
    name: "PATCH with the current resourceVersion",
    path: target,
    as: "admin",
    ...patch({ metadata: { resourceVersion: "<current>", labels: { rv: "current" } } }),
    fast: true,
  } as Case,
  {
    name: "PATCH a PyTorchJob",
    path: "/apis/kubeflow.org/v1/namespaces/kube-test/pytorchjobs/other",
    as: "admin",
    ...patch({ metadata: { labels: { rev: "p" } } }),
    fast: true,
  } as Case,
  { name: "GET a Job", method: "GET", path: "/apis/batch/v1/namespaces/kube-test/jobs/other", as: "admin", fast: true },
  {
    name: "PATCH a Job (merge patch)",
    path: "/apis/batch/v1/namespaces/kube-test/jobs/other",
    as: "admin",
    ...patch({ metadata: { labels: { rev: "j" } } }),
    fast: true,
  } as Case,
  {
    name: "PATCH with a status (ignored on the resource)",
    path: target,
    as: "admin",
    ...patch({ status: { conditions: [] } }),
    fast: true,
  } as Case,
];

const invalid: Case[] = [
  { name: "GET missing object", method: "GET", path: `${tfjobs}/missing`, as: "admin" },
  { name: "GET no token", method: "GET", path: target, as: "nobody" },
  { name: "GET unknown token", method: "GET", path: target, as: "unknown" },
  { name: "GET forbidden namespace", method: "GET", path: target, as: "bob" },
  { name: "GET unknown query parameter", method: "GET", path: `${target}?foo=bar`, as: "admin" },
  { name: "GET repeated parameter", method: "GET", path: `${target}?timeout=1s&timeout=2s`, as: "admin" },
  { name: "GET bad enum", method: "GET", path: `${target}?includeObject=Bogus`, as: "admin" },
  { name: "GET bad timeout", method: "GET", path: `${target}?timeout=soon`, as: "admin" },
  {
    name: "GET too long resourceVersion",
    method: "GET",
    path: `${target}?resourceVersion=${"9".repeat(65)}`,
    as: "admin",
  },
  { name: "GET watch", method: "GET", path: `${target}?watch=true`, as: "admin" },
  { name: "GET pretty", method: "GET", path: `${target}?pretty=true`, as: "admin" },
  { name: "GET as curl", method: "GET", path: target, as: "admin", headers: { "user-agent": "curl/8.0" } },
  { name: "GET YAML", method: "GET", path: target, as: "admin", headers: { accept: "application/yaml" } },
  {
    name: "GET Table",
    method: "GET",
    path: target,
    as: "admin",
    headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" },
  },
  {
    name: "GET Protobuf",
    method: "GET",
    path: target,
    as: "admin",
    headers: { accept: "application/vnd.kubernetes.protobuf" },
  },
  { name: "GET invalid name", method: "GET", path: `${tfjobs}/Not_A_Name`, as: "admin" },
  { name: "GET percent-encoded name", method: "GET", path: `${tfjobs}/tar%67et`, as: "admin" },
  { name: "GET trailing slash", method: "GET", path: `${target}/`, as: "admin" },
  { name: "GET impersonating", method: "GET", path: target, as: "admin", headers: { "impersonate-user": "alice" } },
  {
    name: "GET from a browser page (Origin)",
    method: "GET",
    path: target,
    as: "admin",
    headers: { origin: "https://a.example" },
  },
  {
    name: "GET impersonating, not allowed",
    method: "GET",
    path: target,
    as: "alice",
    headers: { "impersonate-user": "bob" },
  },
  {
    name: "PATCH label of the wrong type",
    path: target,
    as: "admin",
    ...patch({ metadata: { labels: { a: 5 } } }),
  } as Case,
  {
    name: "PATCH invalid label value",
    path: target,
    as: "admin",
    ...patch({ metadata: { labels: { a: "not ok!" } } }),
  } as Case,
  {
    name: "PATCH a string for an integer",
    path: target,
    as: "admin",
    ...patch({ spec: { activeDeadlineSeconds: "10" } }),
  } as Case,
  { name: "PATCH a refused field", path: target, as: "admin", ...patch({ spec: { tfReplicaSpecs: null } }) } as Case,
  { name: "PATCH bad JSON", path: target, as: "admin", ...patch("{") } as Case,
  { name: "PATCH an array", path: target, as: "admin", ...patch("[]") } as Case,
  { name: "PATCH null", path: target, as: "admin", ...patch("null") } as Case,
  { name: "PATCH a string", path: target, as: "admin", ...patch('"x"') } as Case,
  { name: "PATCH with a BOM", path: target, as: "admin", ...patch('\uFEFF{"metadata":{"labels":{"b":"o"}}}') } as Case,
  {
    name: "PATCH nested too deep",
    path: target,
    as: "admin",
    ...patch({ metadata: { annotations: deep(150) } }),
  } as Case,
  {
    name: "PATCH a huge number",
    path: target,
    as: "admin",
    ...patch('{"spec":{"activeDeadlineSeconds":1e400}}'),
  } as Case,
  {
    name: "PATCH an inexact integer",
    path: target,
    as: "admin",
    ...patch('{"spec":{"activeDeadlineSeconds":9007199254740993}}'),
  } as Case,
  { name: "PATCH __proto__ at the top", path: target, as: "admin", ...patch('{"__proto__":{"polluted":1}}') } as Case,
  {
    name: "PATCH __proto__ as a label",
    path: target,
    as: "admin",
    ...patch('{"metadata":{"labels":{"__proto__":"x"}}}'),
  } as Case,
  {
    name: "PATCH constructor key",
    path: target,
    as: "admin",
    ...patch('{"metadata":{"annotations":{"constructor":{"prototype":1}}}}'),
  } as Case,
  {
    name: "PATCH as JSON",
    path: target,
    as: "admin",
    ...patch({ metadata: { labels: { t: "json" } } }),
    headers: { "content-type": "application/json" },
  } as Case,
  {
    name: "PATCH as JSON Patch",
    path: target,
    as: "admin",
    ...patch([{ op: "add", path: "/metadata/labels/t", value: "x" }]),
    headers: { "content-type": "application/json-patch+json" },
  } as Case,
  {
    name: "PATCH as a strategic merge patch",
    path: target,
    as: "admin",
    ...patch({ metadata: { labels: { t: "smp" } } }),
    headers: { "content-type": "application/strategic-merge-patch+json" },
  } as Case,
  {
    name: "PATCH as text",
    path: target,
    as: "admin",
    ...patch({ metadata: { labels: { t: "text" } } }),
    headers: { "content-type": "text/plain" },
  } as Case,
  {
    name: "PATCH without a content type",
    path: target,
    as: "admin",
    ...patch({ metadata: { labels: { t: "none" } } }),
    headers: {},
  } as Case,
  {
    name: "PATCH merge patch with a charset",
    path: target,
    as: "admin",
    ...patch({ metadata: { labels: { t: "charset" } } }),
    headers: { "content-type": `${mergePatch}; charset=utf-8` },
  } as Case,
  {
    name: "PATCH stale resourceVersion",
    path: target,
    as: "admin",
    ...patch({ metadata: { resourceVersion: "1", labels: { t: "stale" } } }),
  } as Case,
  {
    name: "PATCH malformed resourceVersion",
    path: target,
    as: "admin",
    ...patch({ metadata: { resourceVersion: "abc", labels: { t: "x" } } }),
  } as Case,
  {
    name: "PATCH another uid",
    path: target,
    as: "admin",
    ...patch({ metadata: { uid: "00000000-0000-0000-0000-000000000000" } }),
  } as Case,
  { name: "PATCH another name", path: target, as: "admin", ...patch({ metadata: { name: "other" } }) } as Case,
  { name: "PATCH no token", path: target, as: "nobody", ...patch({ metadata: { labels: { t: "anon" } } }) } as Case,
  { name: "PATCH unknown token", path: target, as: "unknown", ...patch({ metadata: { labels: { t: "u" } } }) } as Case,
  {
    name: "PATCH forbidden namespace",
    path: target,
    as: "bob",
    ...patch({ metadata: { labels: { t: "bob" } } }),
  } as Case,
  {
    name: "PATCH missing object",
    path: `${tfjobs}/missing`,
    as: "admin",
    ...patch({ metadata: { labels: { t: "m" } } }),
  } as Case,
  { name: "PATCH empty body", path: target, as: "admin", ...patch("") } as Case,
  {
    name: "PATCH oversized body",
    path: target,
    as: "admin",
    ...patch(`{"metadata":{"annotations":{"big":"${"x".repeat(3 * 1024 * 1024)}"}}}`),
  } as Case,
  {
    name: "PATCH unknown query parameter",
    path: `${target}?foo=1`,
    as: "admin",
    ...patch({ metadata: { labels: { t: "q" } } }),
  } as Case,
  {
    name: "PATCH bad dryRun",
    path: `${target}?dryRun=Some`,
    as: "admin",
    ...patch({ metadata: { labels: { t: "d" } } }),
  } as Case,
  {
    name: "PATCH pretty",
    path: `${target}?pretty=1`,
    as: "admin",
    ...patch({ metadata: { labels: { t: "pretty" } } }),
  } as Case,
];

describe("the fast path answers as the Express app does", () => {
  let fast: Running;
  let plain: Running;

  beforeAll(async () => {
    [fast, plain] = await Promise.all([start(true), start(false)]);
    for (const s of [fast, plain]) {
      for (const [seed, name] of [
        ["TFJob", "target"],
        ["PyTorchJob", "other"],
        ["Job", "other"],
      ] as const) {
        const k = kinds.find((x) => x.kind === seed)!;
        const obj = seedObject(k.seed, name);
        const res = await send(
          s.url,
          "POST",
          `${k.base}/namespaces/kube-test/${k.plural}`,
          { authorization: `Bearer ${tokens.admin}`, "content-type": "application/json" },
          JSON.stringify(obj),
        );
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
    }
  });

  afterAll(async () => {
    for (const s of [fast, plain]) {
      s.server.closeAllConnections();
      await new Promise<void>((resolve) => s.server.close(() => resolve()));
      await s.store.close();
    }
  });

  const request = async (s: Running, c: Case): Promise<Answer & { servedByFastPath: number }> => {
    const headers: Record<string, string> = { ...(c.headers ?? {}) };
    if (c.as === "unknown") headers.authorization = "Bearer no-such-token";
    else if (c.as && c.as !== "nobody") headers.authorization ??= `Bearer ${tokens[c.as]}`;
    let body = c.body;
    if (typeof body === "string" && body.includes("<current>")) {
      const current = await send(s.url, "GET", c.path, { authorization: `Bearer ${tokens.admin}` });
      body = body.replace(
        "<current>",
        (current.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
      );
    }
    const before = s.app.fastPathServed;
    const answer = await send(s.url, c.method, c.path, headers, body);
    return { ...answer, servedByFastPath: s.app.fastPathServed - before };
  };

  const compare = async (c: Case) => {
    const { servedByFastPath, ...a } = await request(fast, c);
    const { servedByFastPath: _, ...b } = await request(plain, c);
    expect(plain.app.fastPathServed).toBe(0);
    expect({ status: a.status, headers: a.headers, body: normalised(a.body) }).toEqual({
      status: b.status,
      headers: b.headers,
      body: normalised(b.body),
    });
    return { answer: a, servedByFastPath };
  };

  it.each(valid.map((c) => [c.name, c] as const))("%s: served by the fast path, same answer", async (_, c) => {
    const { answer, servedByFastPath } = await compare(c);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(servedByFastPath).toBe(1);
  });

  it.each(invalid.map((c) => [c.name, c] as const))("%s: left to Express, same answer", async (_, c) => {
    const { answer, servedByFastPath } = await compare(c);
    // Most are refusals; a few (a charset, pretty, YAML) are served, by Express.
    expect(servedByFastPath).toBe(0);
    expect(answer.status).toBeGreaterThanOrEqual(200);
  });

  it("both stores hold the same objects at the end", async () => {
    const list = (s: Running) =>
      send(s.url, "GET", tfjobs, { authorization: `Bearer ${tokens.admin}` }).then((r) => normalised(r.body));
    expect(await list(fast)).toEqual(await list(plain));
  });
});
