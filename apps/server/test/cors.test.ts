// CORS, as a browser meets it: the built server process with CORS_ALLOWED_ORIGINS, real preflight
// (OPTIONS with Origin and Access-Control-Request-*) and real cross-origin requests over HTTP.
// Allowed origins get the preflight answered before authentication and their origin echoed on
// every answer; other origins, and a server without the variable, get no CORS header at all.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllowedOrigins } from "../src/http/cors.js";
import { type LogLine, type ServerProcess, spawnServer, startServerProcess } from "../src/testing.js";

const tfjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";
const allowed = "https://dashboard.example";
const alsoAllowed = "http://localhost:3000";

let tmp: string;
let tokenFile: string;
let withCors: ServerProcess;
let withoutCors: ServerProcess;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "trainjobs-cors-"));
  tokenFile = join(tmp, "tokens.csv");
  writeFileSync(tokenFile, `cors-token,admin,admin,"system:masters"\n`);
  const env = { DATABASE_URL: "sqlite::memory:", TOKEN_FILE: tokenFile };
  [withCors, withoutCors] = await Promise.all([
    startServerProcess({ env: { ...env, CORS_ALLOWED_ORIGINS: ` ${allowed}, ${alsoAllowed}/ ` } }),
    startServerProcess({ env }),
  ]);
});

afterAll(async () => {
  await Promise.all([withCors?.stop(), withoutCors?.stop()]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function preflight(base: string, origin: string, method = "PATCH", headers = "authorization,content-type") {
  return fetch(`${base}${tfjobs}/x`, {
    method: "OPTIONS",
    headers: { Origin: origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers },
  });
}

function corsHeaders(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([name]) => name.startsWith("access-control-")));
}

describe("with CORS_ALLOWED_ORIGINS", () => {
  it.each([allowed, alsoAllowed])(
    "answers the preflight of %s without a token: 204 and what it may send",
    async (o) => {
      const res = await preflight(withCors.url, o);
      expect(res.status).toBe(204);
      expect(await res.text()).toBe("");
      expect(corsHeaders(res)).toEqual({
        "access-control-allow-origin": o,
        "access-control-allow-methods": "GET,HEAD,POST,PUT,PATCH,DELETE",
        "access-control-allow-headers": "Authorization,Content-Type,X-Auth-Token",
        "access-control-expose-headers": "Warning",
        "access-control-max-age": "600",
      });
      expect(res.headers.get("vary")).toMatch(/\bOrigin\b/);
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    },
  );

  it("echoes the allowed origin on the actual requests, successes and errors alike", async () => {
    const ok = await fetch(`${withCors.url}${tfjobs}`, {
      headers: { Origin: allowed, Authorization: "Bearer cors-token" },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(ok.headers.get("access-control-expose-headers")).toBe("Warning");
    expect(ok.headers.get("vary")).toMatch(/\bOrigin\b/);

    // A page must be able to read why it was refused: the 401 Status carries the headers too.
    const refused = await fetch(`${withCors.url}${tfjobs}`, { headers: { Origin: allowed } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(allowed);
    expect((await refused.json()).kind).toBe("Status");
  });

  it.each([
    ["another origin", "https://evil.example"],
    ["an allowed host on another scheme", "http://dashboard.example"],
    ["an allowed host on another port", "https://dashboard.example:8443"],
    ["the literal null origin", "null"],
  ])("gives %s no CORS header: its preflight goes on to authentication (401)", async (_what, o) => {
    const res = await preflight(withCors.url, o);
    expect(res.status).toBe(401);
    expect(corsHeaders(res)).toEqual({});
    expect(res.headers.get("vary")).toMatch(/\bOrigin\b/);

    const get = await fetch(`${withCors.url}${tfjobs}`, { headers: { Origin: o, Authorization: "Bearer cors-token" } });
    expect(get.status).toBe(200);
    expect(corsHeaders(get)).toEqual({});
  });

  it("leaves same-origin and non-browser requests as they were", async () => {
    const res = await fetch(`${withCors.url}${tfjobs}`, { headers: { Authorization: "Bearer cors-token" } });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({});
  });

  it("logs the allowed origins when it starts listening", () => {
    const line = withCors.logs().find((l: LogLine) => l.msg === "trainjobs server listening");
    expect(line?.corsAllowedOrigins).toEqual([allowed, alsoAllowed]);
    const plain = withoutCors.logs().find((l: LogLine) => l.msg === "trainjobs server listening");
    expect(plain).toBeDefined();
    expect(plain).not.toHaveProperty("corsAllowedOrigins");
  });
});

describe("without CORS_ALLOWED_ORIGINS (the default)", () => {
  it("no origin gets a CORS header, and a preflight is refused like any unauthenticated request", async () => {
    const res = await preflight(withoutCors.url, allowed);
    expect(res.status).toBe(401);
    expect(corsHeaders(res)).toEqual({});
    const get = await fetch(`${withoutCors.url}${tfjobs}`, {
      headers: { Origin: allowed, Authorization: "Bearer cors-token" },
    });
    expect(get.status).toBe(200);
    expect(corsHeaders(get)).toEqual({});
  });
});

describe("CORS_ALLOWED_ORIGINS values", () => {
  it("parses a comma-separated list of origins, trimming spaces, empty entries and a trailing slash", () => {
    expect(parseAllowedOrigins("")).toEqual([]);
    expect(parseAllowedOrigins(" https://a.example , ,http://localhost:3000/")).toEqual([
      "https://a.example",
      "http://localhost:3000",
    ]);
  });

  it.each([["*"], ["a.example"], ["https://a.example/path"], ["ftp://a.example"], ["https://a.example?x=1"]])(
    "refuses %s",
    (value) => {
      expect(() => parseAllowedOrigins(value)).toThrow(/is not an origin: write scheme:\/\/host\[:port\]/);
    },
  );

  it("a bad value stops the process with one fatal line naming the variable", async () => {
    const child = await spawnServer({
      env: { DATABASE_URL: "sqlite::memory:", TOKEN_FILE: tokenFile, CORS_ALLOWED_ORIGINS: "https://a.example/app" },
    });
    const exit = await child.exited;
    expect(exit.code).toBe(1);
    const fatal = child.logs().filter((l) => l.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]!.msg).toBe(
      `cannot start: CORS_ALLOWED_ORIGINS: "https://a.example/app" is not an origin: write scheme://host[:port] (http or https, no path), as browsers send it`,
    );
    expect(fatal[0]!.err?.stack).toBeUndefined();
  });
});
