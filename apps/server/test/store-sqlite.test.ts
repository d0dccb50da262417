import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, test } from "vitest";
import type { Store, WatchEvent, WriteInput } from "../src/store/index.js";
import { openStore, StoreError } from "../src/store/index.js";
import { SqliteStore } from "../src/store/sqlite.js";
import { describeStoreConformance } from "./store-conformance.js";

const dir = mkdtempSync(join(tmpdir(), "trainjobs-store-"));
let files = 0;
const nextFile = (): string => join(dir, `store-${++files}.db`);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeStoreConformance("sqlite::memory:", () => openStore("sqlite::memory:"), {
  openWithHistoryLimit: async (historyLimit) => SqliteStore.open(":memory:", { historyLimit }),
  openWithHistoryBytesLimit: async (historyBytesLimit) => SqliteStore.open(":memory:", { historyBytesLimit }),
});
describeStoreConformance("sqlite file", () => openStore(`sqlite:${nextFile()}`), {
  openWithHistoryLimit: async (historyLimit) => SqliteStore.open(nextFile(), { historyLimit }),
  openWithHistoryBytesLimit: async (historyBytesLimit) => SqliteStore.open(nextFile(), { historyBytesLimit }),
});

const R = "tfjobs.kubeflow.org";
const key = (name: string) => ({ resource: R, namespace: "default", name });
const doc = (spec: unknown = {}, labels: Record<string, string> = {}): WriteInput => ({
  labels,
  encode: (revision) => JSON.stringify({ metadata: { resourceVersion: String(revision) }, spec }),
});

/** Lets pending deliveries run: the replay of a watch waits for a macrotask (setImmediate). */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Collects a watch's events, or the StoreError code it was refused with. */
async function watchAll(store: Store, fromRevision: number): Promise<WatchEvent[] | string> {
  const events: WatchEvent[] = [];
  try {
    const stop = await store.watch(R, fromRevision, (event) => events.push(event));
    await tick();
    stop();
    return events;
  } catch (err) {
    if (err instanceof StoreError) return err.code;
    throw err;
  }
}

describe("SqliteStore", () => {
  test("data survives close and reopen of a file", async () => {
    const path = join(dir, "nested", "deeper", "reopen.db"); // parent directories are created
    const first = SqliteStore.open(path);
    const a = await first.create(key("a"), doc({ v: 1 }, { team: "vision" }));
    await first.create(key("b"), doc());
    await first.delete(key("b"));
    expect(await first.nextSequenceValue("job_id")).toBe(1);
    const revision = await first.revision();
    await first.close();

    const second = SqliteStore.open(path);
    expect(await second.revision()).toBe(revision);
    expect(await second.get(key("a"))).toEqual(a);
    expect(await second.get(key("b"))).toBeUndefined();
    expect(await second.nextSequenceValue("job_id")).toBe(2);
    const history = await watchAll(second, 0);
    expect(typeof history === "string" ? history : history.map((e) => `${e.type} ${e.object.name}`)).toEqual([
      "ADDED a",
      "ADDED b",
      "DELETED b",
    ]);
    const c = await second.create(key("c"), doc());
    expect(c.revision).toBe(revision + 1);
    await second.close();
  });

  test("files use WAL journal mode", async () => {
    const path = nextFile();
    const store = SqliteStore.open(path);
    await store.create(key("a"), doc());
    // The journal mode is a property of the file, so a second connection sees it.
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      raw.close();
      await store.close();
    }
  });

  test("an encode that throws rolls back the whole write", async () => {
    const store = SqliteStore.open(":memory:");
    const events: WatchEvent[] = [];
    const stop = await store.watch(R, 0, (event) => events.push(event));
    const a = await store.create(key("a"), doc({ v: 1 }));
    const failing: WriteInput = {
      labels: {},
      encode: () => {
        throw new Error("cannot encode");
      },
    };
    await expect(store.create(key("b"), failing)).rejects.toThrow("cannot encode");
    await expect(store.update(key("a"), a.revision, failing)).rejects.toThrow("cannot encode");
    expect(await store.revision()).toBe(a.revision);
    expect(await store.get(key("b"))).toBeUndefined();
    expect(await store.get(key("a"))).toEqual(a);
    // The revision counter did not move: the next write takes the very next number.
    const b = await store.create(key("b"), doc());
    expect(b.revision).toBe(a.revision + 1);
    await tick();
    expect(events.map((e) => e.object.revision)).toEqual([a.revision, b.revision]);
    expect(await watchAll(store, 0)).toEqual(events);
    stop();
    await store.close();
  });

  test("refused writes do not take a revision: revisions stay dense", async () => {
    const store = SqliteStore.open(":memory:");
    const a = await store.create(key("a"), doc());
    await expect(store.create(key("a"), doc())).rejects.toBeInstanceOf(StoreError);
    await expect(store.update(key("a"), a.revision - 1, doc())).rejects.toBeInstanceOf(StoreError);
    await expect(store.update(key("zz"), a.revision, doc())).rejects.toBeInstanceOf(StoreError);
    await expect(store.delete(key("a"), a.revision + 5)).rejects.toBeInstanceOf(StoreError);
    await expect(store.delete(key("zz"))).rejects.toBeInstanceOf(StoreError);
    expect((await store.update(key("a"), a.revision, doc())).revision).toBe(a.revision + 1);
    const deleted = await store.deleteCollection(R);
    expect(deleted.map((o) => o.revision)).toEqual([a.revision + 2]);
    await store.close();
  });

  test("watch events are delivered after the write returns, never inside it", async () => {
    const store = SqliteStore.open(":memory:");
    await store.create(key("a"), doc());
    const events: WatchEvent[] = [];
    const stop = await store.watch(R, 0, (event) => events.push(event));
    expect(events).toEqual([]); // the replay is not delivered before watch() resolves
    stop();
    await tick();
    expect(events).toEqual([]); // nor after a stop that came first

    const live: WatchEvent[] = [];
    const stopLive = await store.watch(R, await store.revision(), (event) => live.push(event));
    const writing = store.create(key("b"), doc());
    expect(live).toEqual([]);
    await writing;
    await tick();
    expect(live).toHaveLength(1);
    stopLive();
    await store.close();
  });

  test("Expired is exact after compaction, and compaction survives a reopen", async () => {
    const path = nextFile();
    const historyLimit = 5;
    let store = SqliteStore.open(path, { historyLimit });
    let previous = await store.create(key("a"), doc({ v: 0 }));
    for (let i = 1; i < 40; i++) previous = await store.update(key("a"), previous.revision, doc({ v: i }));
    const revision = await store.revision();

    // Every fromRevision either is Expired or replays every later event: never a gap.
    const check = async (): Promise<number> => {
      let oldest = -1;
      for (let from = 0; from <= revision; from++) {
        const result = await watchAll(store, from);
        if (result === "Expired") {
          expect(oldest, `Expired at ${from} after a successful watch`).toBe(-1);
          continue;
        }
        if (oldest === -1) oldest = from;
        expect(typeof result === "string" ? result : result.map((e) => e.object.revision)).toEqual(
          Array.from({ length: revision - from }, (_, i) => from + 1 + i),
        );
      }
      return oldest;
    };
    const oldest = await check();
    expect(oldest).toBeGreaterThan(0); // something was compacted
    expect(oldest).toBeLessThanOrEqual(revision - historyLimit); // at least historyLimit kept
    expect(oldest).toBeGreaterThanOrEqual(revision - 2 * historyLimit); // the history is bounded

    await store.close();
    store = SqliteStore.open(path, { historyLimit });
    expect(await check()).toBe(oldest);
    await store.close();

    // A smaller limit prunes at open.
    store = SqliteStore.open(path, { historyLimit: 1 });
    expect(await watchAll(store, revision - 2)).toBe("Expired");
    expect(await watchAll(store, revision - 1)).toHaveLength(1);
    await store.close();
  });

  test("the default history is not compacted in a short life", async () => {
    const store = SqliteStore.open(":memory:");
    for (let i = 0; i < 100; i++) await store.create(key(`o${i}`), doc());
    const events = await watchAll(store, 0);
    expect(typeof events === "string" ? events : events.length).toBe(100);
    await store.close();
  });

  test("historyLimit must be a positive integer", () => {
    expect(() => SqliteStore.open(":memory:", { historyLimit: 0 })).toThrow(RangeError);
    expect(() => SqliteStore.open(":memory:", { historyLimit: 1.5 })).toThrow(RangeError);
  });

  test("ping answers until close; close is idempotent", async () => {
    const store = SqliteStore.open(":memory:");
    expect(await store.ping()).toBe(true);
    await store.close();
    await store.close();
    expect(await store.ping()).toBe(false);
    await expect(store.get(key("a"))).rejects.toThrow();
  });
});

describe("openStore", () => {
  test("opens sqlite:PATH and sqlite::memory:", async () => {
    const path = nextFile();
    const file = await openStore(`sqlite:${path}`);
    expect(file).toBeInstanceOf(SqliteStore);
    await file.create(key("a"), doc());
    await file.close();
    const reopened = await openStore(`sqlite:${path}`);
    expect(await reopened.get(key("a"))).toBeDefined();
    await reopened.close();
    const memory = await openStore("sqlite::memory:");
    expect(await memory.revision()).toBe(0);
    await memory.close();
  });
});
