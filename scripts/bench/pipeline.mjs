// @ts-check
// `npm run bench -- pipeline`: lint + bundle + types of our spec, a no-op `turbo run build`, and,
// as a yardstick, openapi-typescript on GitHub's REST description (fetched once from the npm
// registry with `npm pack`, into a temporary directory: it is too big to be a dependency).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repo } from "./processes.mjs";

const npx = (/** @type {string[]} */ args, cwd = repo) => execFileSync("npx", args, { cwd, stdio: "pipe" });

/**
 * The median wall time of `runs` runs of `task`, in ms.
 * @param {() => void} task
 */
function median(task, runs = 3) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    task();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

/** @returns {Promise<string>} */
export async function pipelineBench() {
  const openapi = join(repo, "openapi");
  const lint = median(() => npx(["redocly", "lint", "--config", "redocly.yaml"], openapi));
  const bundle = median(() => execFileSync(process.execPath, ["scripts/bundle.mjs"], { cwd: openapi, stdio: "pipe" }));
  const types = median(() =>
    execFileSync("npm", ["run", "generate", "-w", "@trainjobs/types"], { cwd: repo, stdio: "pipe" }),
  );
  npx(["turbo", "run", "build", "--output-logs=none"]);
  const noop = median(() => npx(["turbo", "run", "build", "--output-logs=none"]), 5);
  const hit = npx(["turbo", "run", "build"]).toString().includes("FULL TURBO");

  const dir = mkdtempSync(join(tmpdir(), "trainjobs-yardstick-"));
  let github = "not measured (npm pack @octokit/openapi failed)";
  try {
    execFileSync("npm", ["pack", "@octokit/openapi@23", "--silent"], { cwd: dir, stdio: "pipe" });
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz")) ?? "";
    execFileSync("tar", ["xzf", tarball, "package/generated/api.github.com.json"], { cwd: dir });
    const spec = join(dir, "package/generated/api.github.com.json");
    const out = join(dir, "github.d.ts");
    const ms = median(() => npx(["openapi-typescript", spec, "-o", out], join(repo, "packages/types")), 3);
    github = `${(ms / 1000).toFixed(1)} s (${(statSync(spec).size / 2 ** 20).toFixed(1)} MiB of JSON)`;
  } catch {
    // offline: the yardstick row says so
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    "Median wall time of 3 runs (5 for the no-op build), each a whole process as a user would run it.",
    "",
    "| step | time |",
    "|---|---|",
    `| redocly lint (our spec) | ${(lint / 1000).toFixed(2)} s |`,
    `| bundle (our spec) | ${(bundle / 1000).toFixed(2)} s |`,
    `| openapi-typescript (our bundle) | ${(types / 1000).toFixed(2)} s |`,
    `| no-op \`turbo run build\` | ${(noop / 1000).toFixed(2)} s${hit ? " (FULL TURBO)" : " (NOT a full cache hit)"} |`,
    `| openapi-typescript on GitHub's REST description (yardstick) | ${github} |`,
  ].join("\n");
}
