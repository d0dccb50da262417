// @ts-check
// `npm run check:breaking [-- --base <rev>] [-- --json]`: the spec in the working tree against the
// spec of a base revision, in words (scripts/diff.mjs). Exits 1 when a change is breaking and
// `info.version`'s major did not move up.
//
// The base, unless --base names one:
// - on a branch: its merge base with main (`git merge-base HEAD origin/main`, else `main`);
// - on main itself (the merge base is HEAD: a fresh clone, CI): the latest release tag (`v*`)
//   reachable from HEAD;
// - no tag yet, not a git checkout, or a shallow clone without the base: nothing to compare with,
//   which passes (and says so).
// Both specs are bundled in temporary copies (the base's files from `git archive`), so neither
// dist/ nor the working tree is touched.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { allowed, compareDocuments, describeChanges } from "./diff.mjs";

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * @param {string[]} args
 * @param {string} cwd
 * @returns {string | undefined} its trimmed stdout, or undefined when git fails
 */
function git(args, cwd) {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The revision to compare with and why, or undefined with the reason there is none.
 * @param {string} repo
 * @returns {{ rev?: string, why: string }}
 */
export function chooseBase(repo) {
  const head = git(["rev-parse", "HEAD"], repo);
  if (!head) return { why: "not a git checkout" };
  for (const main of ["origin/main", "main"]) {
    if (!git(["rev-parse", "--verify", "--quiet", `${main}^{commit}`], repo)) continue;
    const base = git(["merge-base", "HEAD", main], repo);
    if (base && base !== head) return { rev: base, why: `the merge base with ${main} (${base.slice(0, 12)})` };
    if (base) break; // on main: its latest release
  }
  const tag = git(["describe", "--tags", "--abbrev=0", "--match", "v*", "HEAD"], repo);
  if (tag) return { rev: tag, why: `the latest release tag ${tag}` };
  return { why: "on main with no release tag (v*) yet" };
}

/**
 * Bundles the openapi package at `dir` (a copy), lint skipped: lint is the build's business.
 * @param {string} dir
 * @returns {Promise<any>}
 */
export function bundleCopy(dir) {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [join(packageRoot, "scripts", "bundle.mjs"), "--root", dir, "--bundle-only"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    child.once("error", fail);
    child.once("close", (status) => {
      if (status !== 0) fail(new Error(`bundling ${dir} failed:\n${output}`));
      else done(JSON.parse(readFileSync(join(dir, "dist", "openapi.json"), "utf8")));
    });
  });
}

/**
 * A copy of an openapi package, without its outputs, its node_modules linked to the repository's.
 * @param {string} into
 * @param {(target: string) => void} fill writes the package's files into `target`
 */
function packageCopy(into, fill) {
  const target = join(into, "openapi");
  mkdirSync(target, { recursive: true });
  fill(target);
  rmSync(join(target, "dist"), { recursive: true, force: true });
  symlinkSync(resolve(packageRoot, "..", "node_modules"), join(target, "node_modules"), "dir");
  return target;
}

/**
 * The base's and the working tree's bundles, compared.
 * @param {{ base?: string }} [options]
 */
export async function checkBreaking(options = {}) {
  const repo = git(["rev-parse", "--show-toplevel"], packageRoot);
  const chosen = options.base
    ? { rev: options.base, why: `--base ${options.base}` }
    : repo
      ? chooseBase(repo)
      : { why: "not a git checkout" };
  if (!repo || !chosen.rev) return { base: undefined, why: chosen.why, changes: [], ok: true };
  const work = mkdtempSync(join(tmpdir(), "trainjobs-breaking-"));
  try {
    const prefix = `${relative(repo, packageRoot)}/`;
    const baseDir = packageCopy(join(work, "base"), (target) => {
      const archive = execFileSync("git", ["archive", "--format=tar", chosen.rev ?? "HEAD", prefix], {
        cwd: repo,
        maxBuffer: 256 * 1024 * 1024,
      });
      execFileSync("tar", ["-x", `--strip-components=${prefix.split("/").length - 1}`, "-C", target], {
        input: archive,
      });
    });
    const headDir = packageCopy(join(work, "head"), (target) =>
      cpSync(packageRoot, target, {
        recursive: true,
        filter: (src) => !["node_modules", "dist", ".turbo"].includes(basename(src)),
      }),
    );
    if (!existsSync(join(baseDir, "openapi.yaml")))
      return { base: chosen.rev, why: `${chosen.why}, which has no ${prefix}openapi.yaml`, changes: [], ok: true };
    const [base, head] = await Promise.all([bundleCopy(baseDir), bundleCopy(headDir)]);
    const changes = compareDocuments(base, head);
    return {
      base: chosen.rev,
      why: chosen.why,
      versions: [base.info?.version, head.info?.version],
      changes,
      ok: allowed(base, head, changes),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { base: { type: "string" }, json: { type: "boolean", default: false } } });
  try {
    const result = await checkBreaking(values.base ? { base: values.base } : {});
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else if (!result.base) console.log(`check:breaking: nothing to compare with (${result.why}): pass`);
    else {
      const [from, to] = result.versions ?? [];
      console.log(`check:breaking: the working tree's spec (${to}) against ${result.why} (${from})`);
      const lines = describeChanges(result.changes);
      console.log(lines.length ? lines.join("\n") : "no change to the API");
      const breaking = result.changes.filter((c) => c.kind === "breaking").length;
      if (!result.ok)
        console.log(
          `\n${breaking} breaking change${breaking === 1 ? "" : "s"}: undo them, or raise info.version's major in openapi/openapi.yaml (the minor while it is 0.x) to release them.`,
        );
      else if (breaking) console.log(`\n${breaking} breaking, allowed: info.version's major moved (${from} → ${to}).`);
    }
    process.exit(result.ok ? 0 : 1);
  } catch (err) {
    console.error(`check:breaking: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
}
