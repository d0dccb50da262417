// Two controllers on one PostgreSQL database, as two server processes behind a load balancer:
// exactly one holds the lease and reconciles; when it dies without releasing the lease, the other
// takes over once the lease expires and carries the job on; a clean stop hands over at once.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FakeClock } from "../../src/controller/clock.js";
import { defaultLeaseTtlMs } from "../../src/controller/controller.js";
import { PostgresStore } from "../../src/store/postgres.js";
import { startPostgres, type TestPostgres } from "../support/postgres.js";
import { condition, type Harness, harness, isTrue, objectOf, statusOf, t0 } from "./harness.js";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

/** Advances the shared clock one second at a time, letting both controllers finish each step. */
async function advance(clock: FakeClock, seconds: number, ...controllers: Harness[]): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    clock.advance(1000);
    for (const c of controllers) await c.controller.settled();
    // Never two leaders at once.
    expect(controllers.filter((c) => c.controller.leading).length).toBeLessThanOrEqual(1);
  }
}

describe("failover between two controllers on one PostgreSQL", () => {
  test("the second takes over when the first dies, once the lease expires, and finishes the job", async () => {
    const url = await server.createDatabase();
    const clock = new FakeClock(t0);
    const storeA = await PostgresStore.open(url);
    const storeB = await PostgresStore.open(url);
    const a = await harness({ store: storeA, clock, holder: "process-a" });
    const b = await harness({ store: storeB, clock, holder: "process-b", waitToLead: false });
    try {
      expect(a.controller.leading).toBe(true);
      expect(b.controller.leading).toBe(false);

      // Created through process B's API, reconciled by A, the leader.
      await b.create("TFJob", objectOf("TFJobSeed", "failover"));
      const created = await b.waitFor("TFJob", "failover", (o) => isTrue(o, "Created"), "Created");
      expect(statusOf(created).startTime).toBe(iso(t0));

      // A dies (no release): nobody reconciles until its lease, renewed last at t0, expires.
      await a.controller.stop({ release: false });
      await advance(clock, 14, b);
      expect(b.controller.leading).toBe(false);
      expect(condition(await b.get("TFJob", "failover"), "Running")).toBeUndefined();

      await advance(clock, 1, b);
      await b.waitFor("TFJob", "failover", (o) => isTrue(o, "Running"), "Running, written by B");
      expect(b.controller.leading).toBe(true);
      expect(condition(await b.get("TFJob", "failover"), "Running")?.lastTransitionTime).toBe(
        iso(t0 + defaultLeaseTtlMs),
      );

      // A process started again later does not take the lease from B.
      const a2 = await harness({ store: storeA, clock, holder: "process-a-restarted", waitToLead: false });
      try {
        await advance(clock, 30, a2, b);
        expect(a2.controller.leading).toBe(false);
        const done = await b.waitFor("TFJob", "failover", (o) => isTrue(o, "Succeeded"), "Succeeded");
        // The simulated pods ran on while no controller watched: done 30 s after they started
        // running (t0 + 5 s), not 30 s after B noticed.
        expect(condition(done, "Succeeded")?.lastTransitionTime).toBe(iso(t0 + 35_000));

        // B stops cleanly: it releases the lease and A takes over at its next renewal.
        await b.controller.stop();
        await advance(clock, 5, a2);
        expect(a2.controller.leading).toBe(true);
      } finally {
        await a2.close();
      }
    } finally {
      await a.close();
      await b.close();
      await storeA.close();
      await storeB.close();
    }
  }, 60_000);
});
