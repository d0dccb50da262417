// The changelog page (dist/changelog.html): releases compared one with the next, breaking changes
// first; with no release tag, it says so and shows the current version. Linked from the portal.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { renderChangelog } from "../scripts/changelog.mjs";

const page = readFileSync(new URL("../dist/changelog.html", import.meta.url), "utf8");
const portal = readFileSync(new URL("../dist/index.html", import.meta.url), "utf8");
const spec = JSON.parse(readFileSync(new URL("../../../openapi/dist/openapi.json", import.meta.url), "utf8")) as {
  info: { version: string };
};
const tags = execFileSync("git", ["tag", "--list", "v*"], { encoding: "utf8" }).trim();

test("the built page shows the current version, and says when there is no release yet", () => {
  expect(page).toContain(`Current version: <strong>${spec.info.version}</strong>`);
  if (!tags) expect(page).toContain("No release yet: the repository has no version tag (v*).");
  expect(page).not.toMatch(/<(script|link)\b[^>]*\b(src|href)="https?:/);
});

test("the portal links to it", () => {
  expect(portal).toContain('<a id="trainjobs-changelog" href="changelog.html">Changelog</a>');
});

test("releases are listed newest first, breaking changes first, in words", () => {
  const html = renderChangelog({
    title: "trainjobs",
    current: "2.1.0",
    note: undefined,
    unreleased: {
      since: "v2.0.0",
      changes: [{ kind: "additive", where: "listPets (GET /pets)", message: 'query parameter "sort" added' }],
    },
    releases: [
      {
        tag: "v2.0.0",
        date: "2026-11-01",
        version: "2.0.0",
        changes: [
          { kind: "additive", where: "readPet (GET /pets/{id})", message: "operation added" },
          {
            kind: "breaking",
            where: "listPets (GET /pets)",
            message: 'response 200 (application/json): property "tag" removed',
          },
        ],
      },
      { tag: "v1.0.0", date: "2026-10-01", version: "1.0.0", changes: undefined },
    ],
  });
  const order = [
    "Unreleased",
    'id="v2.0.0"',
    "Breaking changes (1)",
    "property &#34;tag&#34; removed",
    "Additions and other changes (1)",
    'id="v1.0.0"',
    "The first release.",
  ];
  // Each after the one before.
  let at = 0;
  for (const text of order) {
    const found = html.indexOf(text, at);
    expect(found, `${text} after position ${at}`).toBeGreaterThanOrEqual(at);
    at = found + 1;
  }
  expect(html).not.toContain("No release yet");
});
