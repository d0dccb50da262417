// The published packages are versioned as the API: @trainjobs/types and @trainjobs/client carry
// the spec's info.version, and the client depends on exactly the types of that version. After a
// spec version bump this fails until `npm run sync-version -w @trainjobs/types` has been run.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const script = fileURLToPath(new URL("../scripts/sync-version.mjs", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });
const read = (path: string) => JSON.parse(readFileSync(fileURLToPath(new URL(path, import.meta.url)), "utf8"));

describe("versions follow the spec", () => {
  test("the script reads info.version from openapi.yaml as the bundle has it", () => {
    const printed = run("--print");
    expect(printed.status).toBe(0);
    const bundle = createRequire(import.meta.url)("@trainjobs/openapi/openapi.json");
    expect(printed.stdout.trim()).toBe(bundle.info.version);
  });

  test("@trainjobs/types, @trainjobs/client and the client's dependency on the types are at info.version", () => {
    const check = run("--check");
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
    const version = run("--print").stdout.trim();
    const types = read("../package.json");
    const client = read("../../client/package.json");
    expect([types.version, client.version, client.dependencies["@trainjobs/types"]]).toEqual([
      version,
      version,
      version,
    ]);
    expect([types.private, client.private]).toEqual([undefined, undefined]);
  });
});
