// The packages as an outside consumer gets them: `npm pack` of @trainjobs/types and
// @trainjobs/client, installed into an empty project under the system's temp directory (outside
// the workspace, so nothing resolves through its node_modules), a strict TypeScript program
// type-checked by the workspace's tsc (module nodenext) and run by node against the reference
// server, started in this process; and a CommonJS module of the same project, which requires
// the ESM-only client. Every command has a time limit; openapi-fetch comes from the
// npm cache when it is there (`--prefer-offline`), from the registry otherwise.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type RunningTestServer, startTestServer } from "@trainjobs/server/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const here = fileURLToPath(new URL(".", import.meta.url));
const packages = { types: join(here, "../../types"), client: join(here, "..") };
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

// The npm of the outer `npm test` passes its workspace settings down in npm_* variables; the
// consumer's npm must not see them (it would take the workspace for its project).
const keptNpmVariables = new Set([
  "npm_config_cache",
  "npm_config_userconfig",
  "npm_config_registry",
  "npm_config_cafile",
]);
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keptNpmVariables.has(k.toLowerCase())),
);

/** Runs a command without blocking this process (the server under test lives in it). */
function run(command: string, args: string[], cwd: string, timeout = 60_000) {
  return new Promise<string>((resolve, reject) =>
    execFile(command, args, { cwd, env, timeout, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`${command} ${args.join(" ")}: ${error.message}\n${stdout}\n${stderr}`))
        : resolve(stdout),
    ),
  );
}

/** A loopback URL on which nothing listens: a port the system gave us, closed again. */
async function closedPort(): Promise<string> {
  const socket = createServer();
  await new Promise<void>((resolve) => socket.listen(0, "127.0.0.1", resolve));
  const { port } = socket.address() as AddressInfo;
  await new Promise((resolve) => socket.close(resolve));
  return `http://127.0.0.1:${port}`;
}

interface Packed {
  filename: string;
  name: string;
  version: string;
  files: { path: string }[];
}

let dir: string;
let server: RunningTestServer;
const packed: Record<"types" | "client", Packed> = {} as never;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "trainjobs-consumer-"));
  server = await startTestServer();
  for (const key of ["types", "client"] as const) {
    const out = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], packages[key]);
    packed[key] = (JSON.parse(out) as Packed[])[0]!;
  }
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const programSource = `
declare const process: { argv: string[] }; // all this program needs of @types/node
import { ApiConnectionError, ApiError, createClient, paginate, type TFJob } from "@trainjobs/client";
import type { KubeflowJobMergePatch, Status } from "@trainjobs/types";

const [baseUrl, token, closedUrl] = process.argv.slice(2);
if (!baseUrl || !token || !closedUrl) throw new Error("usage: main.js <url> <token> <url of a closed port>");
const api = createClient({ baseUrl, token, throwOnError: true, timeout: 10_000 });
const namespace = "consumer";
const collection = "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs";
const item = "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}";

const job = (name: string): TFJob => ({
  apiVersion: "kubeflow.org/v1",
  kind: "TFJob",
  metadata: { name, namespace, labels: { app: "consumer" } },
  spec: {
    tfReplicaSpecs: {
      Worker: { replicas: 1, template: { spec: { containers: [{ name: "tensorflow", image: "tf:2" }] } } },
    },
  },
});
for (const name of ["a", "b"]) await api.POST(collection, { params: { path: { namespace } }, body: job(name) });

const patch: KubeflowJobMergePatch = { metadata: { labels: { app: null, stage: "patched" } } };
const { data: patched } = await api.PATCH(item, { params: { path: { namespace, name: "a" } }, body: patch });
await api.PATCH(item, {
  params: { path: { namespace, name: "b" } },
  // @ts-expect-error the merge patch is closed: a misspelt key does not compile
  body: { spec: { activeDeadlineSecond: 600 } },
}).catch(() => {});

const names: string[] = [];
for await (const j of paginate(api, collection, { params: { path: { namespace }, query: { limit: 1 } } }))
  names.push(j.metadata.name ?? "");

let notFound = "";
try {
  await api.GET(item, { params: { path: { namespace, name: "absent" } } });
} catch (e) {
  if (e instanceof ApiError) notFound = \`\${e.status} \${(e.body as Status).reason}\`;
}

let refused = "";
const down = createClient({ baseUrl: closedUrl, retry: false });
try {
  await down.GET("/apis");
} catch (e) {
  if (e instanceof ApiConnectionError) refused = e.code ?? e.message;
}

const labels: Record<string, string | null> | undefined = patched.metadata.labels;
console.log(JSON.stringify({ labels, names, notFound, refused }));
`;

// A CommonJS module of the same project: TypeScript 5.8+ with module nodenext compiles an import
// of the ESM-only client to require(), which Node runs from 20.19 (and 22.12) on.
const commonJsSource = `
declare const process: { argv: string[] };
declare const module: unknown; // defined in a CommonJS module only
import { ApiError, createClient } from "@trainjobs/client";
import type { TFJobList } from "@trainjobs/types";

async function main(baseUrl: string, token: string) {
  const api = createClient({ baseUrl, token });
  const { data } = await api.GET("/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
    params: { path: { namespace: "consumer" } },
  });
  const list: TFJobList | undefined = data;
  const strict = createClient({ baseUrl, throwOnError: true });
  const denied = await strict.GET("/apis").catch((e: unknown) => e instanceof ApiError && e.status);
  console.log(JSON.stringify({ module: typeof module, items: list?.items.length, denied }));
}
main(process.argv[2] ?? "", process.argv[3] ?? "");
`;

describe("an outside consumer of the packed packages", () => {
  test("the tarballs are publishable and hold what a consumer needs", async () => {
    const types = JSON.parse(await readFile(join(packages.types, "package.json"), "utf8"));
    expect(packed.types).toMatchObject({ name: "@trainjobs/types", version: types.version });
    expect(packed.client).toMatchObject({ name: "@trainjobs/client", version: types.version });
    const files = (p: Packed) => p.files.map((f) => f.path);
    expect(files(packed.types)).toEqual(
      expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist/index.d.ts", "dist/generated/schema.d.ts"]),
    );
    expect(files(packed.client)).toEqual(
      expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist/index.js", "dist/index.d.ts"]),
    );
    for (const p of [packed.types, packed.client]) expect(files(p).filter((f) => f.startsWith("test/"))).toEqual([]);
  });

  test("installs from the two tarballs, compiles under strict nodenext and runs against the server", async () => {
    const app = join(dir, "app");
    await mkdir(join(app, "src"), { recursive: true });
    await writeFile(
      join(app, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        type: "module",
        dependencies: {
          "@trainjobs/client": `file:../${packed.client.filename}`,
          "@trainjobs/types": `file:../${packed.types.filename}`,
        },
      }),
    );
    await writeFile(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2023", "dom"],
          // No @types/node: the declarations must not need it (browsers use them too), and without
          // it skipLibCheck: false checks the packages' declarations in seconds.
          types: [],
          outDir: "dist",
          rootDir: "src",
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          skipDefaultLibCheck: true,
        },
        include: ["src"],
      }),
    );
    await writeFile(join(app, "src/main.ts"), programSource);
    await writeFile(join(app, "src/require.cts"), commonJsSource);

    await run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock"],
      app,
      120_000,
    );
    const installed = JSON.parse(await readFile(join(app, "node_modules/@trainjobs/client/package.json"), "utf8"));
    expect(installed.dependencies["@trainjobs/types"]).toBe(packed.types.version);
    expect(installed).not.toHaveProperty("private");

    await run(process.execPath, [tsc, "-p", "tsconfig.json"], app);
    const out = await run(
      process.execPath,
      ["dist/main.js", server.url, server.token, await closedPort()],
      app,
      30_000,
    );
    expect(JSON.parse(out)).toEqual({
      labels: { stage: "patched" },
      names: ["a", "b"],
      notFound: "404 NotFound",
      refused: "ECONNREFUSED",
    });
    const required = await run(process.execPath, ["dist/require.cjs", server.url, server.token], app, 30_000);
    expect(JSON.parse(required)).toEqual({ module: "object", items: 2, denied: 401 });
  }, 240_000);
});
