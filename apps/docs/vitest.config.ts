import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
    // The browser test shares two cores with the other packages' tests under turbo: what the page
    // shows may take seconds, not the default one second, to appear.
    expect: { poll: { timeout: 20_000, interval: 100 } },
  },
});
