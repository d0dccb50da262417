import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // The browser test waits for states of the page (Playwright's waits have no timeout there, and
    // polls end as soon as their condition holds). These limits only stop a hung run; on a loaded
    // machine a state may take long to come, so they are far above what any wait should need.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    expect: { poll: { timeout: 240_000, interval: 100 } },
  },
});
