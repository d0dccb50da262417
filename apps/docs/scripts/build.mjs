// @ts-check
// Builds the portal: dist/index.html, one self-contained page rendered by Redoc
// (`redocly build-docs`) from the OpenAPI bundle, code samples included (the bundle carries them,
// see openapi/plugins/code-samples.mjs), and dist/changelog.html, the API's changes release by
// release (scripts/changelog.mjs). Served by the reference server at /docs, deployable as is.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { operations, redocly } from "@trainjobs/openapi/document";
import { collectChangelog, renderChangelog } from "./changelog.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const output = join(root, "dist", "index.html");
// Written beside it, checked, then renamed over it: the server (and its dev-mode live reload, which
// reloads the page when the file is replaced) never sees half a page.
const pending = join(root, "dist", `index.pending-${process.pid}.html`);
const doc = JSON.parse(readFileSync(require.resolve("@trainjobs/openapi/openapi.json"), "utf8"));

// The portal renders the bundle plus a model reference per kind, as the Kubernetes API reference
// has: the kind's schema, its spec, its status and its list, shown in the kind's own section
// (Redoc's `x-tags` on a schema). Only the portal's copy carries them (generated/, not committed):
// the bundle the server validates with and the types are generated from stays as it is.
const bundle = join(root, "generated", "portal.json");
mkdirSync(dirname(bundle), { recursive: true });
writeFileSync(bundle, JSON.stringify(withModels(doc)));

mkdirSync(dirname(output), { recursive: true });
// Quiet unless it fails (then the error carries its output): build-docs prints banners (Redoc 3,
// Node.js 20) on every run.
redocly(
  [
    "build-docs",
    bundle,
    // Redoc's settings (code sample tabs, telemetry off); none of the spec's lint rules.
    "--config",
    "redocly.yaml",
    // The default page plus a Content-Security-Policy that keeps it off other origins.
    "--template",
    "template.hbs",
    "--templateOptions.description",
    doc.info.summary ?? doc.info.title,
    // Redoc's script inside the page, not from its CDN: search and expanding work offline.
    "--inlineBundle",
    "--title",
    doc.info.title,
    "--output",
    pending,
  ],
  { cwd: root },
);

// Redoc renders the definition handed to hydrate(): the template's trainjobsLocalize() puts the
// address of the server that serves the page into it first (see template.hbs).
const hydrateCall = "hydrate(__redoc_definition,";
let html = readFileSync(pending, "utf8");
// The page must not depend on anything but itself.
const external = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="(https?:[^"]+)"/g)].map((m) => m[1]);
const problem =
  html.split(hydrateCall).length !== 2
    ? `dist/index.html: expected one ${hydrateCall} call`
    : external.length
      ? `dist/index.html would load from other origins: ${external.join(", ")}`
      : !html.includes("Content-Security-Policy") && "dist/index.html would lack the template's policy";
if (problem) {
  rmSync(pending, { force: true });
  throw new Error(problem);
}
html = html.replace(hydrateCall, "hydrate(trainjobsLocalize(__redoc_definition),");
writeFileSync(pending, html);
// The changelog first, so that the page's link to it never dangles.
const changelog = await collectChangelog(doc);
writeFileSync(join(root, "dist", "changelog.html"), renderChangelog(changelog));
renameSync(pending, output);

const ops = operations(doc);
const samples = ops.reduce((n, { operation }) => n + (operation["x-codeSamples"]?.length ?? 0), 0);
const kib = Math.round(statSync(output).size / 1024);
console.log(`built dist/index.html (${kib} KiB): ${ops.length} operations, ${samples} code samples`);
console.log(
  `built dist/changelog.html: ${changelog.releases.length} release${changelog.releases.length === 1 ? "" : "s"}, version ${changelog.current}`,
);

/**
 * The document with `x-tags` on each kind's schemas, `<Kind>`, its spec, its status and
 * `<Kind>List`, listed first and in that order (Redoc shows a tag's schemas in document order).
 * @param {any} document
 * @returns {any}
 */
function withModels(document) {
  const copy = structuredClone(document);
  const schemas = copy.components?.schemas ?? {};
  const refName = (/** @type {unknown} */ ref) =>
    typeof ref === "string" ? ref.replace("#/components/schemas/", "") : undefined;
  /** @type {string[]} */
  const first = [];
  for (const { name: tag } of copy.tags ?? []) {
    const kind = schemas[tag];
    if (!kind?.properties?.metadata) continue;
    // A status schema shared by several kinds (KubeflowJobStatus) is shown to each as `<Kind>Status`.
    const status = refName(kind.properties.status?.$ref);
    if (status && status !== `${tag}Status` && schemas[status] && !schemas[`${tag}Status`]) {
      schemas[`${tag}Status`] = structuredClone(schemas[status]);
    }
    const names = [tag, refName(kind.properties.spec?.$ref), status && `${tag}Status`, `${tag}List`];
    for (const name of names) {
      if (!name || !schemas[name]) continue;
      schemas[name]["x-tags"] = [...(schemas[name]["x-tags"] ?? []), tag];
      if (!first.includes(name)) first.push(name);
    }
  }
  if (copy.components?.schemas) {
    const rest = Object.keys(schemas).filter((name) => !first.includes(name));
    copy.components.schemas = Object.fromEntries([...first, ...rest].map((name) => [name, schemas[name]]));
  }
  return copy;
}
