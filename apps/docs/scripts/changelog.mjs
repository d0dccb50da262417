// @ts-check
// The portal's changelog page (dist/changelog.html): what changed in the API from one release to
// the next, in the words of check:breaking (@trainjobs/openapi/diff), breaking changes first.
// Releases are the git tags `v*`, in version order; each is compared with the one before it, and
// the spec being built with the latest ("Unreleased"). With no tag yet, the page says so and shows
// the current version. A release's bundle is built once per clone (@trainjobs/openapi/revisions
// caches it by git tree), so this adds next to nothing to a docs build after the first.
import { compareDocuments } from "@trainjobs/openapi/diff";
import { bundleRevision, releaseTags, repositoryRoot } from "@trainjobs/openapi/revisions";

/**
 * @typedef {import("@trainjobs/openapi/diff").Change} Change
 * @typedef {{ tag: string, date: string, version: string, changes: Change[] | undefined }} Release
 *   `changes` undefined: the first release, nothing before it
 * @typedef {object} Changelog
 * @property {string} title the API's title
 * @property {string} current the spec's info.version
 * @property {Release[]} releases newest first
 * @property {{ since: string, changes: Change[] } | undefined} unreleased
 * @property {string | undefined} note why there is no release history, when there is none
 */

/**
 * Gathers the releases and their changes from git.
 * @param {any} current the bundle being built
 * @returns {Promise<Changelog>}
 */
export async function collectChangelog(current) {
  /** @type {Changelog} */
  const log = {
    title: current.info?.title ?? "API",
    current: String(current.info?.version ?? "unknown"),
    releases: [],
    unreleased: undefined,
    note: undefined,
  };
  if (!repositoryRoot()) {
    log.note = "This copy of the portal was built outside a git checkout: the release history is unknown.";
    return log;
  }
  const tags = releaseTags();
  if (!tags.length) {
    log.note = "No release yet: the repository has no version tag (v*).";
    return log;
  }
  /** @type {any} */
  let previous;
  for (const { tag, date } of tags) {
    const doc = await bundleRevision(tag);
    if (!doc) continue; // a tag from before the spec existed
    log.releases.unshift({
      tag,
      date,
      version: String(doc.info?.version ?? tag),
      changes: previous ? compareDocuments(previous, doc) : undefined,
    });
    previous = doc;
  }
  if (previous) log.unreleased = { since: log.releases[0]?.tag ?? "", changes: compareDocuments(previous, current) };
  return log;
}

const escapeHtml = (/** @type {string} */ text) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/`([^`]+)`/g, "<code>$1</code>");

/** @param {Change[]} changes */
function changeList(changes) {
  if (!changes.length) return "<p>No change to the API.</p>";
  const parts = [];
  for (const kind of /** @type {const} */ (["breaking", "additive"])) {
    const some = changes.filter((c) => c.kind === kind);
    if (!some.length) continue;
    parts.push(
      `<h3 class="${kind}">${kind === "breaking" ? "Breaking changes" : "Additions and other changes"} (${some.length})</h3>`,
    );
    /** @type {Map<string, string[]>} */
    const byWhere = new Map();
    for (const c of some) byWhere.set(c.where, [...(byWhere.get(c.where) ?? []), c.message]);
    parts.push(
      `<ul>${[...byWhere]
        .map(
          ([where, messages]) =>
            `<li><code>${escapeHtml(where)}</code><ul>${messages.map((m) => `<li>${escapeHtml(m)}</li>`).join("")}</ul></li>`,
        )
        .join("")}</ul>`,
    );
  }
  return parts.join("\n");
}

/**
 * The page, self-contained and under the same policy as the portal.
 * @param {Changelog} log
 */
export function renderChangelog(log) {
  const sections = [];
  if (log.note) sections.push(`<p class="note">${escapeHtml(log.note)}</p>`);
  if (log.unreleased)
    sections.push(
      `<section><h2>Unreleased <small>since ${escapeHtml(log.unreleased.since)}, as version ${escapeHtml(log.current)}</small></h2>${changeList(log.unreleased.changes)}</section>`,
    );
  for (const r of log.releases)
    sections.push(
      `<section id="${escapeHtml(r.tag)}"><h2>${escapeHtml(r.tag)} <small>${escapeHtml(r.date)}, version ${escapeHtml(r.version)}</small></h2>${
        r.changes ? changeList(r.changes) : "<p>The first release.</p>"
      }</section>`,
    );
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${escapeHtml(log.title)}: changelog</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
  <link rel="icon" href="data:,">
  <style>
    body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
    h2 small { font-weight: normal; color: #666; font-size: 0.7em; }
    h3.breaking { color: #b00020; }
    code { font-size: 0.9em; background: #f4f4f4; padding: 0 0.2em; }
    .note { background: #fff8e1; padding: 0.75rem 1rem; border-left: 4px solid #f0b400; }
  </style>
</head>
<body>
  <p><a href="./" id="back">← API reference</a></p>
  <h1>${escapeHtml(log.title)}: changelog</h1>
  <p>Current version: <strong>${escapeHtml(log.current)}</strong>. Each release is compared with the one before it, operation by operation, as <code>npm run check:breaking</code> does.</p>
  ${sections.join("\n  ")}
</body>
</html>
`;
}
