// @ts-check
// Type-checks every TypeScript code sample of the portal against @trainjobs/client, so that the
// samples cannot rot: each operation's `x-codeSamples` entry with `lang: TypeScript` (written into
// the bundle by openapi/plugins/code-samples.mjs) becomes one ES module in generated/samples/,
// where top-level await is allowed, and `tsc -p tsconfig.samples.json` checks them all.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { operations } from "@trainjobs/openapi/document";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const bundlePath = require.resolve("@trainjobs/openapi/openapi.json");
const doc = JSON.parse(readFileSync(bundlePath, "utf8"));
const outDir = join(root, "generated", "samples");
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const problems = [];
let count = 0;
for (const { path, method, operation: op } of operations(doc)) {
  const where = `${method.toUpperCase()} ${path}`;
  const samples = (op["x-codeSamples"] ?? []).filter((/** @type {{ lang: string }} */ s) => s.lang === "TypeScript");
  if (samples.length !== 1) {
    problems.push(`${where}: ${samples.length} TypeScript samples, expected 1`);
    continue;
  }
  if (!op.operationId) {
    problems.push(`${where}: no operationId to name its sample after`);
    continue;
  }
  const header = `// ${where} (${op.operationId}): generated from the bundle by test/typecheck-samples.mjs.\n`;
  writeFileSync(join(outDir, `${op.operationId}.mts`), `${header}${samples[0].source}\n\nexport {};\n`);
  count++;
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}

const tsc = require.resolve("typescript/bin/tsc");
try {
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.samples.json")], { cwd: root, stdio: "inherit" });
} catch {
  console.error(`The TypeScript samples do not type-check (see generated/samples/<operationId>.mts above).`);
  process.exit(1);
}
console.log(`type-checked ${count} TypeScript samples against @trainjobs/client`);
