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
const bundle = require.resolve("@trainjobs/openapi/openapi.json");
const output = join(root, "dist", "index.html");
// Written beside it, checked, then renamed over it: the server (and its dev-mode live reload, which
// reloads the page when the file is replaced) never sees half a page.
const pending = join(root, "dist", `index.pending-${process.pid}.html`);
const doc = JSON.parse(readFileSync(bundle, "utf8"));

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

// The page must not depend on anything but itself.
const html = readFileSync(pending, "utf8");
const external = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="(https?:[^"]+)"/g)].map((m) => m[1]);
const problem = external.length
  ? `dist/index.html would load from other origins: ${external.join(", ")}`
  : !html.includes("Content-Security-Policy") && "dist/index.html would lack the template's policy";
if (problem) {
  rmSync(pending, { force: true });
  throw new Error(problem);
}
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
