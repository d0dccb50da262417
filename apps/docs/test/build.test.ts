// The portal build renders every operation of the bundled spec into one self-contained page.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

const html = readFileSync(new URL("../dist/index.html", import.meta.url), "utf8");
const spec = JSON.parse(readFileSync(new URL("../../../openapi/dist/openapi.json", import.meta.url), "utf8")) as {
  info: { title: string };
  paths: Record<string, Record<string, { operationId?: string }>>;
};

test("the page holds every operationId of the spec", () => {
  const ids = Object.values(spec.paths).flatMap((item) =>
    Object.values(item)
      .map((op) => op.operationId)
      .filter(Boolean),
  );
  expect(ids.length).toBeGreaterThanOrEqual(58);
  for (const id of ids) expect(html).toContain(id!);
});

test("the page is self-contained: Redoc inlined, nothing loaded from another origin", () => {
  expect(html).toContain(`<title>${spec.info.title}</title>`);
  // build-docs without --inlineBundle imports Redoc from its CDN.
  expect(html).not.toMatch(/cdn\.redocly\.com\/redoc\/v[\d.]+\/bundles/);
  expect(html).not.toMatch(/<(script|link)\b[^>]*\b(src|href)="https?:/);
  expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'self';/);
  expect(html).toContain(`"disableTelemetry":true`);
});
