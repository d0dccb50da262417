// `redocly lint` with the project's strict rules reports no error and no warning.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")), "bin", "cli.js");

test("redocly lint: 0 errors, 0 warnings", () => {
  const out = execFileSync(process.execPath, [cli, "lint", "--config", "redocly.yaml", "--format", "json"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
  });
  const report = JSON.parse(out.slice(out.indexOf("{"))) as {
    totals: { errors: number; warnings: number; ignored: number };
  };
  expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
});
