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
// Both specs are bundled in temporary copies (scripts/revisions.mjs; the base's files from
// `git archive`, its bundle cached by git tree), so neither dist/ nor the working tree is touched.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { allowed, compareDocuments, describeChanges } from "./diff.mjs";
import { bundleRevision, bundleWorkingTree, git, repositoryRoot } from "./revisions.mjs";

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
 * The base's and the working tree's bundles, compared.
 * @param {{ base?: string }} [options]
 */
export async function checkBreaking(options = {}) {
  const repo = repositoryRoot();
  const chosen = options.base
    ? { rev: options.base, why: `--base ${options.base}` }
    : repo
      ? chooseBase(repo)
      : { why: "not a git checkout" };
  if (!repo || !chosen.rev) return { base: undefined, why: chosen.why, changes: [], ok: true };
  const [base, head] = await Promise.all([bundleRevision(chosen.rev), bundleWorkingTree()]);
  if (!base) return { base: undefined, why: `${chosen.why}, which has no spec`, changes: [], ok: true };
  const changes = compareDocuments(base, head);
  return {
    base: chosen.rev,
    why: chosen.why,
    versions: [base.info?.version, head.info?.version],
    changes,
    ok: allowed(base, head, changes),
  };
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
