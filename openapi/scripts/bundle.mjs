// Bundles the split spec into one resolved document, dist/openapi.json and dist/openapi.yaml:
// the only input of the types, the client, the server and the docs. What Redocly bundles is
// openapi.yaml with its path-item templates instantiated, dist/source/openapi.yaml (see
// scripts/instantiate.mjs). Also writes the declarations of `@trainjobs/openapi/document`
// (dist/document.d.mts) from its JSDoc types.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { redocly } from "./document.mjs";
import { instantiate } from "./instantiate.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
mkdirSync(join(root, "dist"), { recursive: true });
const json = join(root, "dist", "openapi.json");
// The trainjobs-templates plugin instantiates too when Redocly loads the config; doing it here
// first keeps the bundle's input explicit.
const source = instantiate({ root });
redocly(["bundle", source, "--config", "redocly.yaml", "--output", json], { cwd: root });
const doc = JSON.parse(readFileSync(json, "utf8"));
writeFileSync(join(root, "dist", "openapi.yaml"), YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }));

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: root, stdio: "inherit" });

console.log(
  `bundled ${Object.keys(doc.paths).length} paths, ${Object.keys(doc.components?.schemas ?? {}).length} schemas`,
);
