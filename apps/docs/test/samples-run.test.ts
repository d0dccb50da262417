// The portal's code samples, run the way a reader runs them: on a fresh reference server (its built
// process, as `npm start` runs it, with the development token it writes to .data/dev-token), in
// the order the portal shows them (tag groups, then each tag's operations in document order),
// pasted as they are. The curl ones by bash with the system's curl (and python3 for the replace
// samples), after the line of the introduction that sets TOKEN; the TypeScript ones by node, after
// esbuild strips their types, importing the built @trainjobs/client. Every sample must answer one
// of its operation's documented 2xx statuses. The kubectl ones (kubectl 1.32) run too, on a fresh
// server over HTTPS (kubectl sends a token only over HTTPS) with the kubeconfig that
// `npm run kubeconfig` writes, as the introduction says; each must exit 0. The only change to a sample is the one the portal
// itself makes: the server's address instead of the spec's default (see template.hbs).
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type ServerProcess, startServerProcess } from "@trainjobs/server/testing";
import { transform } from "esbuild";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

interface Operation {
  operationId: string;
  tags?: string[];
  responses: Record<string, unknown>;
  "x-codeSamples"?: { lang: string; source: string }[];
}

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const here = fileURLToPath(new URL("../", import.meta.url));
const require = createRequire(import.meta.url);
const doc = JSON.parse(readFileSync(require.resolve("@trainjobs/openapi/openapi.json"), "utf8")) as {
  servers: { url: string }[];
  info: { description: string };
  "x-tagGroups": { tags: string[] }[];
  paths: Record<string, Record<string, Operation>>;
};
const placeholder = doc.servers[0]!.url;

const methods = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
/**
 * The portal's order: the tag groups' tags, then each tag's operations in document order, paths
 * and the methods within each path item as the bundle lists them (Redoc's order).
 */
const ordered = doc["x-tagGroups"]
  .flatMap((group) => group.tags)
  .flatMap((tag) =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method, op]) => methods.has(method) && op.tags?.[0] === tag)
        .map(([method, op]) => ({ path, method, op })),
    ),
  );
const successes = (op: Operation) => Object.keys(op.responses).filter((code) => /^2/.test(code));
const sample = (op: Operation, lang: string) => op["x-codeSamples"]!.find((s) => s.lang === lang)!.source;

/** How the introduction tells readers to set TOKEN, as they would copy it. */
const tokenLine = doc.info.description.split("\n").find((line) => /^export TOKEN=/.test(line.trim()));

let tmp: string;
/**
 * The environment the samples run in. Their `python3` is the system's: a version manager's shim
 * (pyenv's) may wait on a rehash lock that a killed process left behind, and stall the run.
 */
let readerEnv: NodeJS.ProcessEnv;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "trainjobs-samples-"));
  const bin = join(tmp, "bin");
  mkdirSync(bin, { recursive: true });
  if (existsSync("/usr/bin/python3")) symlinkSync("/usr/bin/python3", join(bin, "python3"));
  readerEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` };
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test("the introduction says how to set TOKEN from the development token", () => {
  expect(tokenLine?.trim()).toBe("export TOKEN=$(cat .data/dev-token)");
  expect(ordered.length).toBeGreaterThanOrEqual(58);
});

/**
 * A fresh server as `npm start` runs it (no TOKEN_FILE: it writes .data/dev-token), in its own
 * directory, which is where the reader's shell is.
 */
function freshServer(name: string): { dir: string; server: () => ServerProcess } {
  const state: { dir: string; server?: ServerProcess } = { dir: "" };
  beforeAll(async () => {
    state.dir = join(tmp, name);
    mkdirSync(state.dir);
    state.server = await startServerProcess({
      cwd: repo,
      env: { DATABASE_URL: "sqlite::memory:", INIT_CWD: state.dir, LOG_LEVEL: "warn" },
      timeoutMs: 240_000,
    });
  });
  afterAll(async () => {
    await state.server?.stop();
  });
  return {
    get dir() {
      return state.dir;
    },
    server: () => state.server!,
  };
}

describe("the curl samples, pasted into bash in the portal's order", () => {
  const fresh = freshServer("curl");
  let curlHome: string;
  beforeAll(() => {
    // curl reads $CURL_HOME/.curlrc before its arguments: it reports every request's status on
    // stderr, so the samples run unchanged.
    curlHome = join(tmp, "curl-home");
    mkdirSync(curlHome, { recursive: true });
    writeFileSync(
      join(curlHome, ".curlrc"),
      'silent\nshow-error\nwrite-out = "%{stderr}status %{http_code} %{method} %{url_effective}\\n"\n',
    );
  });

  test.each(ordered.map((o) => [o.op.operationId, o] as const))("%s", async (_id, { method, op }) => {
    const source = sample(op, "curl").replaceAll(placeholder, fresh.server().url);
    const script = `${tokenLine}\n${source}\n`;
    const { stdout, stderr } = await run("bash", ["-c", script], {
      cwd: fresh.dir,
      env: { ...readerEnv, CURL_HOME: curlHome, TOKEN: "" },
      maxBuffer: 16 * 1024 * 1024,
    });
    const requests = [...stderr.matchAll(/^status (\d{3}) (\S+) (\S+)$/gm)].map(([, status, m, url]) => ({
      status,
      method: m,
      url,
    }));
    const context = `${op.operationId}\n${source}\n--- stdout\n${stdout.slice(0, 2000)}\n--- stderr\n${stderr}`;
    expect(requests.length, context).toBeGreaterThan(0);
    for (const r of requests) expect(r.status, context).toMatch(/^2/);
    const last = requests.at(-1)!;
    expect(last.method, context).toBe(method.toUpperCase());
    expect(successes(op), context).toContain(last.status);
  });
});

describe("the TypeScript samples, run by node in the portal's order", () => {
  const fresh = freshServer("typescript");
  const outDir = join(here, "generated", "run");
  beforeAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
  });

  test.each(ordered.map((o, i) => [o.op.operationId, o, i] as const))("%s", async (_id, { op }, index) => {
    const source = sample(op, "TypeScript").replaceAll(placeholder, fresh.server().url);
    const { code } = await transform(source, { loader: "ts", format: "esm", target: "node20" });
    // Inside apps/docs, so that `@trainjobs/client` resolves as it would in a reader's project.
    const file = join(outDir, `${String(index).padStart(2, "0")}-${op.operationId}.mjs`);
    writeFileSync(file, code);
    const { stdout, stderr } = await run("bash", ["-c", `${tokenLine}\nnode ${JSON.stringify(file)}\n`], {
      cwd: fresh.dir,
      env: { ...readerEnv, TOKEN: "" },
      maxBuffer: 16 * 1024 * 1024,
    });
    const status = /^(\d{3}) /.exec(stdout)?.[1];
    expect(successes(op), `${op.operationId}\n${source}\n--- stdout\n${stdout.slice(0, 2000)}\n${stderr}`).toContain(
      status,
    );
  });
});

/** Whether a command is installed (as apps/server/test/main.test.ts, which skips its kubectl part likewise). */
function installed(command: string, ...args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).error === undefined;
}

describe.skipIf(!installed("kubectl", "version", "--client") || !installed("openssl", "version"))(
  "the kubectl samples, run by bash with kubectl over HTTPS in the portal's order",
  () => {
    const kubectlOps = ordered.filter(({ op }) => op["x-codeSamples"]!.some((s) => s.lang === "kubectl"));
    let dir: string;
    let server: ServerProcess | undefined;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      dir = join(tmp, "kubectl");
      mkdirSync(join(dir, ".data"), { recursive: true });
      // The server README's recipe: a self-signed certificate for the loopback address.
      await run(
        "openssl",
        // biome-ignore format: one option and its value per pair
        [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", ".data/tls.key", "-out", ".data/tls.crt",
      ],
        { cwd: dir },
      );
      server = await startServerProcess({
        cwd: repo,
        env: {
          DATABASE_URL: "sqlite::memory:",
          INIT_CWD: dir,
          LOG_LEVEL: "warn",
          TLS_CERT_FILE: ".data/tls.crt",
          TLS_KEY_FILE: ".data/tls.key",
        },
        tls: true,
        ca: readFileSync(join(dir, ".data", "tls.crt")),
        timeoutMs: 240_000,
      });
      // `npm run kubeconfig` runs this script from the directory npm was run in.
      await run(
        process.execPath,
        [
          join(repo, "apps", "server", "scripts", "kubeconfig.mjs"),
          "--server",
          server.url,
          "--ca-file",
          ".data/tls.crt",
        ],
        { cwd: dir, env: { ...process.env, INIT_CWD: dir } },
      );
      // kubectl's discovery cache goes under HOME: the test's own, empty.
      env = { ...readerEnv, KUBECONFIG: join(dir, ".data", "kubeconfig"), HOME: dir };
    });
    afterAll(async () => {
      await server?.stop();
    });

    test("every Kubernetes-style operation has one", () => {
      expect(kubectlOps.length).toBe(ordered.filter(({ path }) => /^\/apis?(\/|$)/.test(path)).length);
    });

    test.each(kubectlOps.map((o) => [o.op.operationId, o] as const))("%s", async (_id, { op }) => {
      const source = sample(op, "kubectl");
      const result = await run("bash", ["-c", `set -o pipefail\n${source}\n`], {
        cwd: dir,
        env,
        maxBuffer: 16 * 1024 * 1024,
      }).catch((e: { code?: number; stdout?: string; stderr?: string }) => e);
      expect(
        "code" in result ? result.code : 0,
        `${op.operationId}\n${source}\n--- stdout\n${result.stdout?.slice(0, 2000)}\n--- stderr\n${result.stderr}`,
      ).toBe(0);
    });
  },
);
