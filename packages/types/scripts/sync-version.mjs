#!/usr/bin/env node
// @ts-check
// The published packages follow the API: @trainjobs/types and @trainjobs/client are versioned as
// the spec's `info.version` (openapi/openapi.yaml), and the client depends on exactly the types of
// its version. This script reads info.version and writes it into both package.json files and the
// client's dependency on the types.
//
//   node packages/types/scripts/sync-version.mjs           write
//   node packages/types/scripts/sync-version.mjs --check   exit 1 and say what differs
//   node packages/types/scripts/sync-version.mjs --print   print info.version
//
// test/version.test.ts runs the check, so `npm test` fails after a spec version bump until this
// script has been run (then `npm install` at the root, for package-lock.json).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const specFile = join(root, "openapi/openapi.yaml");
const typesPackageFile = join(root, "packages/types/package.json");
const clientPackageFile = join(root, "packages/client/package.json");

/** `info.version` of the spec: the `version:` key directly under the top-level `info:` block. */
export function specVersion(yaml = readFileSync(specFile, "utf8")) {
  const lines = yaml.split(/\r?\n/);
  const start = lines.findIndex((l) => /^info:\s*$/.test(l));
  if (start < 0) throw new Error("openapi.yaml has no top-level info:");
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break; // the next top-level key
    const m = /^ {2}version:\s*(['"]?)([^'"#\s]+)\1\s*(#.*)?$/.exec(line);
    if (m) return m[2];
  }
  throw new Error("openapi.yaml has no info.version");
}

const read = (/** @type {string} */ file) => JSON.parse(readFileSync(file, "utf8"));

/** What differs from the spec's version: one line per field. */
export function differences(version = specVersion()) {
  const types = read(typesPackageFile);
  const client = read(clientPackageFile);
  const found = [
    [typesPackageFile, "version", types.version],
    [clientPackageFile, "version", client.version],
    [clientPackageFile, 'dependencies["@trainjobs/types"]', client.dependencies?.["@trainjobs/types"]],
  ];
  return found
    .filter(([, , value]) => value !== version)
    .map(([file, field, value]) => `${relative(root, file)} ${field} is ${value}, info.version is ${version}`);
}

export function sync(version = specVersion()) {
  const types = read(typesPackageFile);
  const client = read(clientPackageFile);
  types.version = version;
  client.version = version;
  client.dependencies["@trainjobs/types"] = version;
  writeFileSync(typesPackageFile, `${JSON.stringify(types, null, 2)}\n`);
  writeFileSync(clientPackageFile, `${JSON.stringify(client, null, 2)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const version = specVersion();
  const diff = differences(version);
  if (process.argv.includes("--print")) console.log(version);
  else if (process.argv.includes("--check")) {
    if (diff.length) {
      console.error(`${diff.join("\n")}\nrun: npm run sync-version -w @trainjobs/types && npm install`);
      process.exit(1);
    }
  } else if (diff.length) {
    sync(version);
    console.log(
      `@trainjobs/types and @trainjobs/client are now ${version}; run npm install to update package-lock.json`,
    );
  }
}
