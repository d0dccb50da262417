// `redocly lint` with the project's strict rules reports no error and no warning.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { redocly } from "../scripts/document.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

test("redocly lint: 0 errors, 0 warnings", () => {
  const { stdout } = redocly(["lint", "--config", "redocly.yaml", "--format", "json"], { cwd: root, check: false });
  const report = JSON.parse(stdout.slice(stdout.indexOf("{"))) as {
    totals: { errors: number; warnings: number; ignored: number };
  };
  expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
});
