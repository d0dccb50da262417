// Dev mode's live docs, in Chromium: the /docs page open in a browser reloads itself when the docs
// are rebuilt (the build replaces dist/index.html in one rename; here a copy of it), and shows a
// "stale" banner while `npm run dev`'s last edit does not build, gone when one does.
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningTestServer, startTestServer } from "@trainjobs/server/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";

const require = createRequire(import.meta.url);
let tmp: string;
let docsPath: string;
let server: RunningTestServer | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "trainjobs-live-docs-"));
  docsPath = join(tmp, "index.html");
  copyFileSync(require.resolve("@trainjobs/docs/index.html"), docsPath);
  server = await startTestServer({ dev: true, docsPath });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  const context = await browser.newContext();
  // Every wait below is for a state of the page; only vitest's test timeout guards against a hang.
  context.setDefaultTimeout(0);
  page = await context.newPage();
  await page.goto(`${server.url}/docs`, { waitUntil: "load" });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test("the open page reloads itself when the docs are rebuilt", async () => {
  const before = await page.title();
  // A mark that a reload wipes.
  await page.evaluate(() => Object.assign(window, { notReloaded: true }));
  const html = readFileSync(docsPath, "utf8").replace(/<title>[^<]*<\/title>/, "<title>Rebuilt docs</title>");
  writeFileSync(join(tmp, "index.next.html"), html);
  renameSync(join(tmp, "index.next.html"), docsPath);
  await page.waitForFunction(() => document.title === "Rebuilt docs");
  expect(before).not.toBe("Rebuilt docs");
  expect(await page.evaluate(() => "notReloaded" in window)).toBe(false);
}, 120_000);

test("a failed edit shows a stale banner with its error, and a good one removes it", async () => {
  server?.app.setDevStatus("lint + bundle failed:\nopenapi/components/schemas/Job.yaml:3:9  struct  `type` can be ...");
  const banner = page.locator("#trainjobs-stale");
  await banner.waitFor({ state: "visible" });
  expect(await banner.textContent()).toContain("Stale: the last edit does not build");
  expect(await banner.textContent()).toContain("openapi/components/schemas/Job.yaml:3:9");
  server?.app.setDevStatus(undefined);
  await banner.waitFor({ state: "detached" });
}, 120_000);
