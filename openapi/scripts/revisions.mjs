// @ts-check
// `@trainjobs/openapi/revisions`: the spec as it was at a git revision, bundled. check:breaking
// compares the working tree with its base through it, and the docs' changelog compares releases
// (git tags `v*`) with each other. A revision's bundle is built in a temporary copy of the package
// (its files from `git archive`, bundled by this package's scripts/bundle.mjs) and kept in
// node_modules/.cache/trainjobs-bundles/, keyed by the git tree of the package at that revision:
// a release is bundled once per clone.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const cacheDir = resolve(packageRoot, "..", "node_modules", ".cache", "trainjobs-bundles");

/**
 * Runs git; its trimmed stdout, or undefined when it fails.
 * @param {string[]} args
 * @param {string} [cwd]
 * @returns {string | undefined}
 */
export function git(args, cwd = packageRoot) {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** The repository's top directory, or undefined outside a git checkout. */
export function repositoryRoot() {
  return git(["rev-parse", "--show-toplevel"]);
}

/**
 * The release tags (`v*`), oldest first (version order), each with its commit's date.
 * @returns {{ tag: string, date: string }[]}
 */
export function releaseTags() {
  const out = git(["tag", "--list", "v*", "--sort=v:refname", "--format=%(refname:short) %(creatordate:short)"]);
  if (!out) return [];
  return out
    .split("\n")
    .map((line) => line.split(" "))
    .map(([tag = "", date = ""]) => ({ tag, date }));
}

/**
 * Bundles the openapi package at `dir` (a copy), lint and declarations skipped.
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
 * A temporary copy of an openapi package, its node_modules linked to the repository's.
 * @param {(target: string) => void} fill writes the package's files into `target`
 * @returns {{ dir: string, remove: () => void }}
 */
function packageCopy(fill) {
  const work = mkdtempSync(join(tmpdir(), "trainjobs-spec-rev-"));
  const dir = join(work, "openapi");
  mkdirSync(dir, { recursive: true });
  fill(dir);
  rmSync(join(dir, "dist"), { recursive: true, force: true });
  symlinkSync(resolve(packageRoot, "..", "node_modules"), join(dir, "node_modules"), "dir");
  return { dir, remove: () => rmSync(work, { recursive: true, force: true }) };
}

/**
 * The spec bundled as it is in the working tree (not dist/, which may be older).
 * @returns {Promise<any>}
 */
export async function bundleWorkingTree() {
  const copy = packageCopy((target) =>
    cpSync(packageRoot, target, {
      recursive: true,
      filter: (src) => !["node_modules", "dist", ".turbo"].includes(basename(src)),
    }),
  );
  try {
    return await bundleCopy(copy.dir);
  } finally {
    copy.remove();
  }
}

/**
 * The spec bundled as it was at a revision; undefined when the package did not exist then.
 * @param {string} rev a commit, tag or branch
 * @returns {Promise<any>}
 */
export async function bundleRevision(rev) {
  const repo = repositoryRoot();
  if (!repo) throw new Error("not a git checkout");
  const prefix = `${relative(repo, packageRoot)}/`;
  const tree = git(["rev-parse", `${rev}:${prefix}`], repo);
  if (!tree || git(["cat-file", "-t", `${rev}:${prefix}openapi.yaml`], repo) !== "blob") return undefined;
  const cached = join(cacheDir, `${tree}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, "utf8"));
  const copy = packageCopy((target) => {
    const archive = execFileSync("git", ["archive", "--format=tar", rev, prefix], {
      cwd: repo,
      maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync("tar", ["-x", `--strip-components=${prefix.split("/").length - 1}`, "-C", target], {
      input: archive,
    });
  });
  try {
    const doc = await bundleCopy(copy.dir);
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(cached, JSON.stringify(doc));
    return doc;
  } finally {
    copy.remove();
  }
}
