// @ts-check
// Sums vitest's "Tests  N passed | M failed" lines of a CI log into one closing line.
import { readFileSync } from "node:fs";
import { stripVTControlCharacters } from "node:util";

const logFile = process.argv[2];
if (!logFile) throw new Error("usage: node scripts/ci/summarize.mjs LOG_FILE");
const text = stripVTControlCharacters(readFileSync(logFile, "utf8"));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const line of text.split("\n")) {
  const m = /\bTests\s+(.*\(\d+\))\s*$/.exec(line);
  const counts = m?.[1];
  if (counts === undefined) continue;
  passed += Number(/(\d+) passed/.exec(counts)?.[1] ?? 0);
  failed += Number(/(\d+) failed/.exec(counts)?.[1] ?? 0);
  skipped += Number(/(\d+) skipped/.exec(counts)?.[1] ?? 0);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
