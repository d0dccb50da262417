// Size budget: the client, bundled for a browser with everything it exports, may weigh at most
// 3 kB (gzip) more than openapi-fetch's createClient bundled the same way.
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { expect, test } from "vitest";

const budgetBytes = 3 * 1024;
const root = fileURLToPath(new URL("..", import.meta.url));

async function bundle(contents: string) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.contents;
  return { code: new TextDecoder().decode(code), min: code.byteLength, gzip: gzipSync(code).byteLength };
}

test("the client adds at most 3 kB gzip to openapi-fetch, and bundles for a browser", async () => {
  const base = await bundle(`export { default as createClient } from "openapi-fetch";`);
  const client = await bundle(`export * from "./src/index.ts";`);
  const added = client.gzip - base.gzip;
  console.log(
    `size: openapi-fetch ${base.min} B min / ${base.gzip} B gzip; @trainjobs/client ${client.min} B min / ${client.gzip} B gzip; added ${added} B gzip (budget ${budgetBytes})`,
  );
  expect(added).toBeLessThanOrEqual(budgetBytes);
  // A browser bundle: no Node built-ins pulled in (esbuild would also fail to resolve them).
  expect(client.code).not.toMatch(/\bnode:/);
  expect(client.code).not.toMatch(/\brequire\(/);
});
