// @ts-check
// Runs one of the TypeScript examples against a server: bundles it with esbuild (the client from
// its built dist, as a consumer gets it) into a temporary module and imports that.
//   npm run example -w @trainjobs/client -- examples/patch-tfjob.ts
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const file = process.argv[2];
if (!file) {
  console.error("usage: npm run example -- examples/<name>.ts   (environment: TRAINJOBS_URL, TRAINJOBS_TOKEN)");
  process.exit(2);
}
const outfile = join(tmpdir(), `trainjobs-example-${process.pid}.mjs`);
await build({
  entryPoints: [resolve(file)],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "inline",
  logLevel: "warning",
});
process.setSourceMapsEnabled(true);
try {
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(outfile, { force: true });
}
