// Sums vitest's "Tests  N passed | M failed" lines of a CI log into one closing line.
import { readFileSync } from "node:fs";
import { stripVTControlCharacters } from "node:util";

const text = stripVTControlCharacters(readFileSync(process.argv[2], "utf8"));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const line of text.split("\n")) {
  const m = /\bTests\s+(.*\(\d+\))\s*$/.exec(line);
  if (!m) continue;
  passed += Number(/(\d+) passed/.exec(m[1])?.[1] ?? 0);
  failed += Number(/(\d+) failed/.exec(m[1])?.[1] ?? 0);
  skipped += Number(/(\d+) skipped/.exec(m[1])?.[1] ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
