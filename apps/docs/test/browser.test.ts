// End to end: the reference server (its built process, started by @trainjobs/server/testing, on
// in-memory SQLite) serves the
// portal at /docs, and Debian's Chromium, driven by playwright-core, reads it the way a person
// would: every operation is listed, the seed PATCH operation shows its media type, example and code
// samples, and search finds MXJob. Every request to another origin is refused, so this also proves
// the page works offline. A screenshot is left in test-results/portal.png.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerProcess, startServerProcess } from "@trainjobs/server/testing";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

interface Operation {
  operationId: string;
  summary: string;
  tags?: string[];
  "x-codeSamples"?: { lang: string; source: string }[];
}

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const here = fileURLToPath(new URL("../", import.meta.url));
const require = createRequire(import.meta.url);
const doc = JSON.parse(readFileSync(require.resolve("@trainjobs/openapi/openapi.json"), "utf8")) as {
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
};
const operations = Object.values(doc.paths).flatMap((item) =>
  Object.entries(item)
    .filter(([method]) => method !== "parameters" && method !== "servers")
    .map(([, op]) => op),
);
const seedPatch = doc.paths["/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}"]!.patch!;

const screenshot = join(here, "test-results", "portal.png");

let server: ServerProcess | undefined;
let tmp: string | undefined;
let browser: Browser | undefined;
let page: Page;
/** Redoc's side menu. */
let menu: Locator;
let base: string;
const offOrigin: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  rmSync(screenshot, { force: true });
  tmp = mkdtempSync(join(tmpdir(), "trainjobs-docs-"));
  const tokenFile = join(tmp, "tokens.csv");
  writeFileSync(tokenFile, `docs-test-token,docs-test,docs-test-uid,"system:masters"\n`);
  server = await startServerProcess({
    cwd: repo,
    env: { DATABASE_URL: "sqlite::memory:", TOKEN_FILE: tokenFile },
    timeoutMs: 240_000,
  });
  base = server.url;

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  // Offline: the page may talk to the server that served it and to nothing else.
  await context.route(
    (url) => url.protocol.startsWith("http") && url.origin !== base,
    (route) => {
      offOrigin.push(route.request().url());
      return route.abort("internetdisconnected");
    },
  );
  // Every wait below is for a state of the page; only vitest's test timeout guards against a hang.
  context.setDefaultTimeout(0);
  page = await context.newPage();
  menu = page.locator("[data-component-name='Menu/Menu']").first();
  page.on("pageerror", (err) => pageErrors.push(err.message));
  const response = await page.goto(`${base}/docs`, { waitUntil: "load" });
  expect(response?.status()).toBe(200);
  // Hydrated: Redoc's search has built its index.
  await page.locator("[data-testid=search-trigger]", { hasNotText: "Loading" }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("the docs portal served by the reference server", () => {
  test("/docs and /docs/ serve the built page", async () => {
    const built = readFileSync(join(here, "dist", "index.html"), "utf8");
    for (const path of ["/docs", "/docs/"]) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(await res.text(), path).toBe(built);
    }
  });

  test("every operation is listed in the navigation, by summary and operationId", async () => {
    // The side menu opens one tag's group at a time: open each, wait until the menu holds a link
    // to each of its operations (Redoc's `#/<tag>/<operationid>`), then read the links' text.
    const listed = new Map<string, string>();
    for (const { name } of doc.tags) {
      await menu
        .locator("a", { hasText: new RegExp(`^${escapeRegExp(name)}$`) })
        .first()
        .click();
      for (const op of operations.filter((o) => o.tags?.[0] === name)) {
        await menu.locator(`a[href$='/${op.operationId.toLowerCase()}']`).first().waitFor({ state: "attached" });
      }
      for (const entry of await menuEntries()) listed.set(entry.href, entry.text);
    }
    const missing = operations.filter((op) => !isListed(listed, op));
    expect(missing.map((op) => `${op.operationId}: ${op.summary}`)).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(58);
  });

  test("the seed PATCH operation shows application/merge-patch+json, its example and its code samples", async () => {
    const id = seedPatch.operationId.toLowerCase();
    await menu
      .locator("a", { hasText: new RegExp(`^${escapeRegExp(seedPatch.tags![0]!)}$`) })
      .first()
      .click();
    await menu.locator(`a[href$='/${id}']`, { hasText: seedPatch.summary }).click();
    await expect.poll(() => page.url()).toContain(`/${id}`);
    const section = page.locator(`[id$='/${id}']`).first();
    await section.waitFor();
    await expect.poll(() => section.innerText()).toContain("application/merge-patch+json");

    const samples = section.locator(".panel-request-samples");
    // The first tab: curl, as generated into the bundle.
    const curl = seedPatch["x-codeSamples"]!.find((s) => s.lang === "curl")!.source;
    await expect.poll(() => samples.innerText()).toContain(curl.split("\n")[0]!);
    expect(await samples.innerText()).toContain(`-d '{"metadata":{"labels":{"app":"test"}}}'`);
    // The seed's example, named as in the spec.
    expect(await samples.innerText()).toContain("Set the label app=test");

    // The TypeScript tab: the @trainjobs/client call.
    await chooseSample(page, samples, "TypeScript");
    await expect.poll(() => samples.innerText()).toContain("await api.PATCH(");
    expect(await samples.innerText()).toContain(`params: { path: { namespace: "kube-test", name: "tfjob-test" } }`);
    await page.screenshot({ path: screenshot });

    // The payload tab: Redoc's own rendering of the seed's body.
    await chooseSample(page, samples, "Payload");
    await expect
      .poll(async () => squash(await samples.innerText()))
      .toContain(`{"metadata":{"labels":{"app":"test"}}}`);
  });

  test("search finds MXJob", async () => {
    await page.goto(`${base}/docs/`, { waitUntil: "load" });
    await page.locator("[data-testid=search-trigger]", { hasNotText: "Loading" }).click();
    const input = page.getByPlaceholder(/search/i);
    await input.fill("MXJob");
    const dialog = page.getByTestId("search-dialog");
    await expect.poll(() => dialog.innerText()).toContain("Create a MXJob");
    expect(await dialog.innerText()).toContain("/apis/kubeflow.org/v1/namespaces/{namespace}/mxjobs");
    await page.keyboard.press("Escape");
  });

  test("nothing was fetched from another origin and the page raised no error", () => {
    expect(offOrigin).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(existsSync(screenshot)).toBe(true);
  });
});

async function menuEntries(): Promise<{ href: string; text: string }[]> {
  return menu
    .locator("a")
    .evaluateAll((as) => as.map((a) => ({ href: a.getAttribute("href") ?? "", text: (a as HTMLElement).innerText })));
}

/** Listed: a menu entry links to the operation (Redoc's `#/<tag>/<operationid>`) by its summary. */
function isListed(listed: Map<string, string>, op: Operation): boolean {
  const suffix = `/${op.operationId.toLowerCase()}`;
  return [...listed].some(([href, text]) => href.endsWith(suffix) && text.includes(op.summary));
}

/** Picks a tab of the request samples panel: its language menu's button shows the current one. */
async function chooseSample(page: Page, samples: Locator, label: string): Promise<void> {
  await samples.getByRole("button", { name: /^(curl|TypeScript|Payload)$/ }).click();
  await page.getByRole("menuitem", { name: label, exact: true }).click();
}

function squash(text: string): string {
  return text.replace(/\s+/g, "");
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
