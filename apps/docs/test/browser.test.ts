// End to end: the reference server (its built process, started by @trainjobs/server/testing, on
// in-memory SQLite) serves the
// portal at /docs, and Debian's Chromium, driven by playwright-core, reads it the way a person
// would: every operation is listed, the seed PATCH operation shows its media type, example and code
// samples (with the page's own origin in them, also in what the copy button copies, wrapped within
// their panel, and a kubectl tab), the introduction says how to get a token, a replace's sample
// reads, changes and writes back, and search finds MXJob. Every request to another origin is
// refused, so this also proves the page works offline. A screenshot is left in test-results/portal.png.
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
/** The address the spec's samples name; the page puts its own origin in its place. */
const placeholder = "http://127.0.0.1:8080";
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
  // The copy buttons write to the clipboard, which the test reads back.
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
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
    // The first tab: curl, as generated into the bundle, calling the server that serves the page.
    const curl = seedPatch["x-codeSamples"]!.find((s) => s.lang === "curl")!.source;
    await expect.poll(() => samples.innerText()).toContain(curl.split("\n")[0]!);
    expect(await samples.innerText()).toContain(`-d '{"metadata":{"labels":{"app":"test"}}}'`);
    const url = `'${base}/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/tfjob-test'`;
    expect(await samples.innerText()).toContain(url);
    expect(await samples.innerText()).not.toContain(placeholder);
    // What its copy button copies, too.
    await samples.getByRole("button", { name: /copy/i }).first().click();
    await expect
      .poll(() => page.evaluate(() => navigator.clipboard.readText()))
      .toBe(curl.replaceAll(placeholder, base));
    // The code stays within its panel: long lines wrap rather than run under the copy button.
    expect(await overflowing(samples)).toEqual([]);
    // The seed's example, named as in the spec.
    expect(await samples.innerText()).toContain("Set the label app=test");

    // The TypeScript tab: the @trainjobs/client call.
    await chooseSample(page, samples, "TypeScript");
    await expect.poll(() => samples.innerText()).toContain("await api.PATCH(");
    expect(await samples.innerText()).toContain(`params: { path: { namespace: "kube-test", name: "tfjob-test" } }`);
    expect(await samples.innerText()).toContain(`baseUrl: "${base}"`);
    expect(await overflowing(samples)).toEqual([]);

    // The kubectl tab, as Kubernetes readers expect.
    await chooseSample(page, samples, "kubectl");
    await expect.poll(() => samples.innerText()).toContain("kubectl patch tfjob tfjob-test -n kube-test --type merge");
    expect(await overflowing(samples)).toEqual([]);
    await page.screenshot({ path: screenshot });

    // The payload tab: Redoc's own rendering of the seed's body.
    await chooseSample(page, samples, "Payload");
    await expect
      .poll(async () => squash(await samples.innerText()))
      .toContain(`{"metadata":{"labels":{"app":"test"}}}`);
  });

  test("the introduction says how to get a token and names this server in its setup", async () => {
    await page.goto(`${base}/docs/`, { waitUntil: "load" });
    const intro = page.locator("#redoc, body").first();
    await expect.poll(() => intro.innerText()).toContain("export TOKEN=$(cat .data/dev-token)");
    const text = await intro.innerText();
    expect(text).toContain("Getting a token.");
    expect(text).toContain("TOKEN_FILE");
    expect(text).toContain("npm run kubeconfig");
    // The address the page was served from, not the spec's default.
    expect(text).toContain(base);
    expect(text).not.toContain(placeholder);
  });

  test("the request sample of a replace is a read-modify-write that fits its panel", async () => {
    const put = doc.paths["/apis/batch/v1/namespaces/{namespace}/jobs/{name}/status"]!.put!;
    const id = put.operationId.toLowerCase();
    await menu
      .locator("a", { hasText: new RegExp(`^${escapeRegExp(put.tags![0]!)}$`) })
      .first()
      .click();
    await menu.locator(`a[href$='/${id}']`, { hasText: put.summary }).click();
    const section = page.locator(`[id$='/${id}']`).first();
    await section.waitFor();
    const samples = section.locator(".panel-request-samples");
    // The page remembers the last tab chosen (Payload, above).
    await chooseSample(page, samples, "curl");
    await expect.poll(() => samples.innerText()).toContain("python3 -c");
    expect(await samples.innerText()).toContain(`${base}/apis/batch/v1/namespaces/`);
    expect(await overflowing(samples)).toEqual([]);
  });

  test("each kind's section opens with its model: the kind, its spec, its status and its list, field by field", async () => {
    for (const kind of ["TFJob", "PyTorchJob", "MXJob", "Job"]) {
      const section = kind.toLowerCase();
      const models = [kind, `${kind}Spec`, `${kind}Status`, `${kind}List`];
      // A tag's link toggles its group: open it only if it is not open already.
      await openGroup(kind, `a[href$='/${section}/${models[0]!.toLowerCase()}']`);
      for (const model of models) {
        await menu.locator(`a[href$='/${section}/${model.toLowerCase()}']`).first().waitFor({ state: "attached" });
      }
      const entries = (await menuEntries()).filter((e) => e.href.includes(`/${section}/`));
      // The models first, in the Kubernetes API reference's order, then the operations.
      expect(entries.slice(0, 4).map((e) => e.text.replace(/\s+SCHEMA$/, ""))).toEqual(models);
    }
    await openGroup("TFJob", "a[href$='/tfjob/tfjobspec']");
    await menu.locator("a[href$='/tfjob/tfjobspec']").first().click();
    const spec = page.locator("[id$='/tfjobspec']").first();
    await spec.waitFor();
    await expect.poll(() => spec.innerText()).toContain("tfReplicaSpecs");
    expect(await spec.innerText()).toContain("Replica groups by type.");
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

/** The code blocks of a samples panel whose content is wider than the block (scrolls sideways). */
async function overflowing(samples: Locator): Promise<string[]> {
  const blocks = samples.locator("pre");
  await blocks.first().waitFor();
  return blocks.evaluateAll((pres) =>
    pres
      .filter((pre) => pre.scrollWidth > pre.clientWidth)
      .map((pre) => `${pre.scrollWidth} > ${pre.clientWidth}: ${(pre as HTMLElement).innerText.slice(0, 80)}`),
  );
}

/** Opens a tag's group in the menu unless `entry` (one of its links) is already there. */
async function openGroup(tag: string, entry: string): Promise<void> {
  if ((await menu.locator(entry).count()) > 0) return;
  await menu
    .locator("a", { hasText: new RegExp(`^${escapeRegExp(tag)}$`) })
    .first()
    .click();
}

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
  await samples.getByRole("button", { name: /^(curl|TypeScript|kubectl|Payload)$/ }).click();
  await page.getByRole("menuitem", { name: label, exact: true }).click();
}

function squash(text: string): string {
  return text.replace(/\s+/g, "");
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
