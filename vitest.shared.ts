// What every package's vitest config shares. Tests wait for states, never for durations: these
// limits only stop a hung test. Turbo runs every package's tests at once, on as few as two cores,
// so on a loaded machine a state may take many times longer to come than on an idle one.
export const sharedTestOptions = {
  include: ["test/**/*.test.ts"],
  environment: "node",
  testTimeout: 120_000,
  hookTimeout: 120_000,
} as const;
