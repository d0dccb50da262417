// @ts-check
// `npm run dev`: the API designer's loop, in one terminal. Builds what the server and the docs need,
// starts the server in dev mode (TRAINJOBS_DEV=1: unimplemented operations answer their documented
// example; the /docs page reloads itself after a rebuild), then watches the sources and, on each
// save, redoes the least that the change needs:
//
//   openapi/** (spec, config, plugins, scripts)  lint + bundle (openapi/scripts/bundle.mjs), then
//                                                at once: the server serves the new bundle (a dev-mode
//                                                server swaps it in by itself, no restart), the types
//                                                regenerated, the docs rebuilt
//   apps/server/src/**                           the server compiled and restarted
//   packages/{types,client}/src/** (hand-written) that package compiled, the server restarted
//   apps/docs/{scripts,template.hbs,redocly.yaml} the docs rebuilt
//
// Each step is the package's own build script, the one turbo runs, so what dev builds is what the
// build builds. A spec that lint rejects stops there, its errors printed as file:line:col lines: the
// server keeps serving the last good bundle. Changes made while a round runs are taken in the next.
// Each round ends with a line `dev: round N ok in X s` (or `failed`), which the tests and the
// benchmark wait for.
//
// Options: --openapi <dir> a copy of the openapi package to build and serve instead (tests);
// --no-docs, --no-types skip those steps. The server's environment is this process's (PORT, HOST,
// DATABASE_URL, TOKEN_FILE, ...), plus TRAINJOBS_DEV=1.
import { spawn } from "node:child_process";
import { existsSync, watch } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const { values } = parseArgs({
  options: {
    openapi: { type: "string" },
    "no-docs": { type: "boolean", default: false },
    "no-types": { type: "boolean", default: false },
  },
});
const openapi = values.openapi ? resolve(values.openapi) : join(repo, "openapi");
const ownSpec = !values.openapi;
const docs = !values["no-docs"] && ownSpec;
const types = !values["no-types"] && ownSpec;
const bundlePath = join(openapi, "dist", "openapi.json");

/** @typedef {"spec" | "server" | "types" | "client" | "docs"} Part */

/** @param {string} text */
const say = (text) => console.log(`dev: ${text}`);
const seconds = (/** @type {number} */ since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/**
 * Runs a command to its end, its output passed through; resolves with success.
 * @param {string} label
 * @param {string} command
 * @param {string[]} args
 * @param {string} [cwd]
 * @returns {Promise<boolean>}
 */
function run(label, command, args, cwd = repo) {
  const start = performance.now();
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", (err) => {
      say(`${label} could not run: ${err.message}`);
      done(false);
    });
    child.once("close", (status) => {
      if (status === 0) say(`${label} ok (${seconds(start)})`);
      else {
        process.stdout.write(output.endsWith("\n") ? output : `${output}\n`);
        say(`${label} failed (exit ${status})`);
        lastFailure = `${label} failed:\n${output.trim().split("\n").slice(0, 12).join("\n")}`;
      }
      done(status === 0);
    });
  });
}

// No step runs at a lower priority: the three after the bundle are all awaited (served, types,
// docs), and on a shared machine a niced one waits behind everyone else's work (measured: the
// server came 5 s sooner, the types and docs 5 s later).
const node = (/** @type {string} */ label, /** @type {string[]} */ args, cwd = repo) =>
  run(label, process.execPath, args, cwd);
const require = createRequire(import.meta.url);
/** A package's bin script, resolved from the workspace that depends on it. */
const bin = (/** @type {string} */ workspace, /** @type {string} */ name, /** @type {string} */ file) =>
  join(dirname(require.resolve(`${name}/package.json`, { paths: [join(repo, workspace)] })), file);

// The steps of a spec change, run as the packages' build scripts do but without npm in between
// (its start-up is a second per step on a loaded machine).
async function buildTypes() {
  const types = join(repo, "packages/types");
  const generate = bin("packages/types", "openapi-typescript", "bin/cli.js");
  if (!(await node("types generated", [generate, bundlePath, "-o", "src/generated/schema.ts"], types))) return false;
  return node("types compiled", [bin("packages/types", "typescript", "bin/tsc"), "-p", "tsconfig.json"], types);
}
const buildDocs = () => node("docs built", [join(repo, "apps/docs/scripts/build.mjs")], join(repo, "apps/docs"));
const npmBuild = (/** @type {string} */ workspace) =>
  run(`build ${workspace}`, "npm", ["run", "--silent", "build", "-w", workspace]);

/** The first lines of the last step that failed: the docs page shows them (it is stale). */
let lastFailure = "";

// The server, a child process restarted on demand, told over IPC whether the last round built.
/** @type {import("node:child_process").ChildProcess | undefined} */
let server;
async function stopServer() {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((done) => {
    child.once("exit", done);
    child.kill("SIGTERM");
  });
}
async function startServer() {
  await stopServer();
  if (!existsSync(bundlePath)) {
    say(`no bundle at ${relative(repo, bundlePath)}: the server waits for a spec that builds`);
    return;
  }
  const child = spawn(process.execPath, [join(repo, "apps/server/dist/main.js")], {
    cwd: process.env.INIT_CWD ?? process.cwd(),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, TRAINJOBS_DEV: "1", ...(ownSpec ? {} : { TRAINJOBS_OPENAPI: bundlePath }) },
  });
  server = child;
  tellServer();
  child.once("exit", (code, signal) => {
    if (server === child) {
      server = undefined;
      say(`the server exited (${signal ?? code}); it starts again after the next change`);
    }
  });
}

/** Sends the server the docs' status: the last failure, or nothing after a round that built. */
function tellServer() {
  if (server?.connected) server.send({ devStatus: lastFailure }, () => undefined);
}

/**
 * One round: the steps the changed parts need, in order.
 * @param {Set<Part>} parts
 * @returns {Promise<boolean>}
 */
async function build(parts) {
  if (parts.has("spec")) {
    if (!(await node("lint + bundle", [join(openapi, "scripts", "bundle.mjs"), "--root", openapi]))) return false;
    /** @type {Promise<boolean>[]} */
    const after = [];
    // A running dev-mode server swaps in the new bundle by itself (it watches the file): no restart.
    if (!server && !parts.has("server") && !parts.has("types") && !parts.has("client"))
      after.push(startServer().then(() => true));
    if (types) after.push(buildTypes());
    if (docs) after.push(buildDocs());
    const results = await Promise.all(after);
    if (results.includes(false)) return false;
  } else if (parts.has("docs") && docs) {
    if (!(await buildDocs())) return false;
  }
  if (parts.has("types") && !(await npmBuild("@trainjobs/types"))) return false;
  if (parts.has("client") && !(await npmBuild("@trainjobs/client"))) return false;
  if (parts.has("server") && !(await npmBuild("@trainjobs/server"))) return false;
  if (parts.has("server") || parts.has("types") || parts.has("client")) await startServer();
  return true;
}

/**
 * Which part a changed file belongs to; `undefined` for outputs and anything else.
 * @param {string} file absolute
 * @returns {Part | undefined}
 */
function partOf(file) {
  const inSpec = relative(openapi, file);
  if (!inSpec.startsWith("..")) {
    return /^(dist|node_modules|test|\.turbo)(\/|$)|\.md$/.test(inSpec) ? undefined : "spec";
  }
  const path = relative(repo, file);
  if (path.startsWith("apps/server/src/")) return "server";
  if (path.startsWith("packages/types/src/") && !path.startsWith("packages/types/src/generated/")) return "types";
  if (path.startsWith("packages/client/src/")) return "client";
  if (/^apps\/docs\/(scripts\/|template\.hbs$|redocly\.yaml$)/.test(path)) return "docs";
  return undefined;
}

/** @type {Set<Part>} */
let pending = new Set();
let running = false;
let round = 0;
async function drain() {
  if (running) return;
  running = true;
  while (pending.size) {
    const parts = pending;
    pending = new Set();
    round++;
    const start = performance.now();
    lastFailure = "";
    const ok = await build(parts);
    tellServer();
    say(`round ${round} ${ok ? "ok" : "failed"} in ${seconds(start)} (${[...parts].join(", ")})`);
  }
  running = false;
}

// Editors save in bursts (write, rename, chmod): the events of one tick of the event loop and the
// next make one change; a round already running takes later ones in its next turn.
let scheduled = false;
/** The files already named since the last flush. */
const announced = new Set();
/** @param {string} dir @param {string | null} name */
function changed(dir, name) {
  if (!name) return;
  const file = join(dir, name);
  const part = partOf(file);
  if (!part) return;
  const shown = relative(repo, file);
  if (!announced.has(shown)) say(`${shown} changed`);
  announced.add(shown);
  pending.add(part);
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    announced.clear();
    void drain();
  });
}

const watched = [
  openapi,
  join(repo, "apps/server/src"),
  join(repo, "packages/types/src"),
  join(repo, "packages/client/src"),
  join(repo, "apps/docs/scripts"),
  join(repo, "apps/docs"),
];
for (const dir of watched) {
  if (!existsSync(dir)) continue;
  // apps/docs itself only for its two files at the top; its dist/ and node_modules are outputs.
  const recursive = dir !== join(repo, "apps/docs");
  watch(dir, { recursive }, (_event, name) => changed(dir, name));
}

process.on("SIGINT", () => void stopServer().then(() => process.exit(0)));
process.on("SIGTERM", () => void stopServer().then(() => process.exit(0)));

// The first round builds everything the server and the docs need (turbo: cached when nothing
// changed), then starts the server.
running = true;
round++;
const start = performance.now();
/** @type {boolean} */
let ok;
if (ownSpec) {
  ok = await run("build", "npx", [
    "turbo",
    "run",
    "build",
    "--filter=@trainjobs/server...",
    "--filter=@trainjobs/docs...",
    "--output-logs=errors-only",
  ]);
} else {
  // A copy of the spec (the tests): the server is used as built.
  ok = await node("lint + bundle", [join(openapi, "scripts", "bundle.mjs"), "--root", openapi]);
}
if (ok) await startServer();
say(`round ${round} ${ok ? "ok" : "failed"} in ${seconds(start)} (start); watching for changes`);
running = false;
void drain();
