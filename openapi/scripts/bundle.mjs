// Bundles the split spec into one resolved document, dist/openapi.json and dist/openapi.yaml:
// the only input of the types, the client, the server and the docs.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve("@redocly/cli/package.json")), "bin", "cli.js");
mkdirSync(join(root, "dist"), { recursive: true });
const json = join(root, "dist", "openapi.json");
execFileSync(process.execPath, [cli, "bundle", "openapi.yaml", "--config", "redocly.yaml", "--output", json], {
  cwd: root,
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
});
const doc = JSON.parse(readFileSync(json, "utf8"));
writeFileSync(join(root, "dist", "openapi.yaml"), YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }));
console.log(
  `bundled ${Object.keys(doc.paths).length} paths, ${Object.keys(doc.components?.schemas ?? {}).length} schemas`,
);
