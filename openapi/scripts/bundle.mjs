// Bundles the split spec into one resolved document, dist/openapi.json and dist/openapi.yaml:
// the only input of the types, the client, the server and the docs. What Redocly bundles is
// openapi.yaml with its path-item templates instantiated, dist/source/openapi.yaml (see
// scripts/instantiate.mjs). Also writes the declarations of `@trainjobs/openapi/document`
// (dist/document.d.mts) and of its other exports (diff, revisions) from their JSDoc types.
//
// Lint first: a spec that scripts/check.mjs rejects (lint errors, a path file openapi.yaml does
// not reference) never becomes a bundle, so nothing downstream is built from it. The check and the
// bundle run side by side (two processes: Redocly's start-up is most of either), and the bundle is
// written to dist/ only when both succeeded. A failure is its lines, `file:line:col rule message`,
// and exit status 1; no Node stack.
//
// `node scripts/bundle.mjs [--root <dir>] [--bundle-only]`: `--root` builds a copy of this package
// elsewhere (the tests' temporary specs, check:breaking's base revision); `--bundle-only` skips
// lint and the declarations (check:breaking compares bundles; lint is the build's business).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { checkSpec, displayPath, fail, instantiateOrFail, redoclyText, SpecError } from "./check.mjs";

const { values } = parseArgs({ options: { root: { type: "string" }, "bundle-only": { type: "boolean" } } });
const scripts = dirname(fileURLToPath(import.meta.url));
const root = values.root ? resolve(values.root) : join(scripts, "..");
const require = createRequire(import.meta.url);

/**
 * `redocly bundle` in a child process, quietly; resolves with its exit status and output.
 * @param {string} source
 * @param {string} output
 * @returns {Promise<{ status: number | null, output: string }>}
 */
function bundle(source, output) {
  const cli = join(dirname(require.resolve("@redocly/cli/package.json")), "bin", "cli.js");
  const child = spawn(process.execPath, [cli, "bundle", source, "--config", "redocly.yaml", "--output", output], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
  });
  let text = "";
  child.stdout.on("data", (chunk) => (text += chunk));
  child.stderr.on("data", (chunk) => (text += chunk));
  return new Promise((done, reject) => {
    child.once("error", reject);
    child.once("close", (status) => done({ status, output: text }));
  });
}

try {
  mkdirSync(join(root, "dist"), { recursive: true });
  const json = join(root, "dist", "openapi.json");
  const pending = join(root, "dist", `openapi.pending-${process.pid}.json`);
  // The trainjobs-templates plugin instantiates too when Redocly loads the config; doing it here
  // first keeps the bundle's input explicit, and reports a broken template by name.
  const source = instantiateOrFail(root);
  const bundled = bundle(source, pending);
  /** @type {string[]} */
  let warnings = [];
  /** @type {unknown} */
  let lintError;
  try {
    if (!values["bundle-only"]) warnings = checkSpec({ root, instantiated: true });
  } catch (err) {
    lintError = err;
  }
  // Whatever the check said, the bundle's process is waited for and its file kept only on success.
  const { status, output } = await bundled;
  // Lint reports what the bundler stumbles on, with its cause first: its error wins.
  if (lintError) {
    rmSync(pending, { force: true });
    throw lintError;
  }
  if (status !== 0 || !existsSync(pending)) {
    rmSync(pending, { force: true });
    throw new SpecError(`openapi: redocly bundle failed (exit ${status}):`, redoclyText(output));
  }
  for (const line of warnings) console.warn(`warning: ${line}`);
  const doc = JSON.parse(readFileSync(pending, "utf8"));
  // The YAML first and the JSON last, each in one rename: a reader that reloads when openapi.json
  // is replaced (the dev-mode server) finds both new.
  const yaml = join(root, "dist", "openapi.yaml");
  writeFileSync(`${yaml}.pending-${process.pid}`, YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }));
  renameSync(`${yaml}.pending-${process.pid}`, yaml);
  renameSync(pending, json);

  // The declarations depend on the two scripts alone: skipped when newer than both (the dev loop
  // rebuilds on every spec edit).
  const declarations = join(root, "dist", "document.d.mts");
  const inputs = ["document.mjs", "instantiate.mjs", "diff.mjs", "revisions.mjs", "../tsconfig.json"].map((f) =>
    join(root, "scripts", f),
  );
  const mtime = (/** @type {string} */ f) => (existsSync(f) ? statSync(f).mtimeMs : 0);
  const stale = !existsSync(declarations) || inputs.some((f) => mtime(f) > mtime(declarations));
  if (stale && !values["bundle-only"]) {
    const tsc = require.resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: root, stdio: "inherit" });
  }

  console.log(
    `${displayPath(root, json)}: bundled ${Object.keys(doc.paths).length} paths, ${Object.keys(doc.components?.schemas ?? {}).length} schemas`,
  );
} catch (err) {
  fail(err);
}
