import { defineConfig } from "vitest/config";
import { sharedTestOptions } from "../../vitest.shared.js";

export default defineConfig({
  test: {
    ...sharedTestOptions,
    // The browser test's Playwright waits have no timeout of their own (they wait for the page's
    // state); polls end as soon as their condition holds. These only stop a hung run.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    expect: { poll: { timeout: 240_000, interval: 100 } },
  },
});
