// The PostgreSQL engine: the conformance suite, then what only a store shared by several processes
// shows. Two PostgresStore instances on one database, each with its own pool and LISTEN
// connection, stand for two server processes behind a load balancer.
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { guaranteedUpdate } from "../src/store/guaranteed-update.js";
import type { Store, StoredObject, WatchEvent, WriteInput } from "../src/store/index.js";
import { openStore, StoreError } from "../src/store/index.js";
import { PostgresStore, type PostgresStoreOptions } from "../src/store/postgres.js";
import { describeStoreConformance } from "./store-conformance.js";
import { startPostgres, type TestPostgres } from "./support/postgres.js";

let server: TestPostgres;

beforeAll(async () => {
  server = await startPostgres();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describeStoreConformance("postgres", async () => openStore(await server.createDatabase()), {
  openWithHistoryLimit: async (historyLimit) => PostgresStore.open(await server.createDatabase(), { historyLimit }),
  openWithHistoryBytesLimit: async (historyBytesLimit) =>
    PostgresStore.open(await server.createDatabase(), { historyBytesLimit }),
});

const R = "tfjobs.kubeflow.org";
const otherResource = "pytorchjobs.kubeflow.org";
const key = (name: string, resource = R) => ({ resource, namespace: "default", name });
const doc = (spec: unknown = {}, labels: Record<string, string> = {}): WriteInput => ({
  labels,
  encode: (revision) => JSON.stringify({ metadata: { resourceVersion: String(revision) }, spec }),
});
const specOf = (object: StoredObject | undefined) =>
  object ? (JSON.parse(object.body) as { spec: any }).spec : undefined;
const summary = (e: WatchEvent) => `${e.type} ${e.object.name} @${e.object.revision}`;

async function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

describe("PostgresStore: two processes on one database", () => {
  let url: string;
  const opened: Store[] = [];
  const open = async (options?: PostgresStoreOptions) => {
    const store = await PostgresStore.open(url, options);
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    url = await server.createDatabase();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    // The next test starts from an empty database again.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("DROP TABLE IF EXISTS schema_version, meta, objects, sequences, events, pruned, leases");
    await client.end();
  });

  test("several processes starting at once all migrate, and agree", async () => {
    const stores = await Promise.all(Array.from({ length: 5 }, () => open()));
    const a = await stores[0]!.create(key("a"), doc({ v: 1 }));
    for (const store of stores) {
      expect(await store.get(key("a"))).toEqual(a);
      expect(await store.revision()).toBe(a.revision);
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query("SELECT version FROM schema_version");
    await client.end();
    // Version 2: the leases table (the controller's) came after the first schema.
    expect(rows).toEqual([{ version: 2 }]);
  });

  test("a write through one is seen by the other's get, list and revision", async () => {
    const [one, two] = [await open(), await open()];
    const a = await one.create(key("a"), doc({ v: 1 }, { team: "vision" }));
    expect(await two.get(key("a"))).toEqual(a);
    expect(await two.list(R)).toEqual({ items: [a], revision: a.revision, more: false });
    const updated = await two.update(key("a"), a.revision, doc({ v: 2 }));
    expect(await one.get(key("a"))).toEqual(updated);
    await expect(one.update(key("a"), a.revision, doc({ v: 3 }))).rejects.toMatchObject({
      code: "Conflict",
      currentRevision: updated.revision,
    });
    await expect(one.create(key("a"), doc())).rejects.toMatchObject({ code: "AlreadyExists" });
    await two.delete(key("a"), updated.revision);
    expect(await one.get(key("a"))).toBeUndefined();
  });

  test("concurrent guaranteed updates split across both lose no update; revisions are unique, dense and increasing", async () => {
    const [one, two] = [await open({ poolSize: 4 }), await open({ poolSize: 4 })];
    await one.create(key("counter"), doc({ n: 0 }));
    const increments = 40;
    // A guaranteed update retries for as long as it conflicts: every one of them lands.
    const written: StoredObject[] = await Promise.all(
      Array.from({ length: increments }, (_, i) =>
        guaranteedUpdate(i % 2 === 0 ? one : two, key("counter"), (current) => ({
          write: doc({ n: (specOf(current) as { n: number }).n + 1 }),
        })),
      ),
    );
    expect(specOf(await two.get(key("counter")))).toEqual({ n: increments });
    const revisions = written.map((o) => o.revision).sort((x, y) => x - y);
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(revisions).toEqual(Array.from({ length: revisions.length }, (_, i) => revisions[0]! + i));
    expect(await one.revision()).toBe(revisions.at(-1));
  });

  test("racing creates of one key: exactly one wins, the others get AlreadyExists", async () => {
    const [one, two] = [await open(), await open()];
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).create(key("x"), doc({ i }))),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "AlreadyExists" });
    }
    expect(await one.revision()).toBe(1);
  });

  test("sequences are shared: concurrent calls through both hand out 1..N once each", async () => {
    const [one, two] = [await open(), await open()];
    const values = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).nextSequenceValue("job_id")),
    );
    expect(values.sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await one.revision()).toBe(0);
  });

  test("a watch on one sees every write through either, in revision order, none lost or repeated", async () => {
    const [one, two] = [await open({ poolSize: 4 }), await open({ poolSize: 4 })];
    await one.create(key("before"), doc());
    const start = await one.revision();
    const onOne: WatchEvent[] = [];
    const onTwo: WatchEvent[] = [];
    const stopOne = await one.watch(R, start, (e) => onOne.push(e));
    const stopTwo = await two.watch(R, start, (e) => onTwo.push(e));
    // Concurrent writes from both, to R and to another resource.
    const writes = 60;
    await Promise.all(
      Array.from({ length: writes }, async (_, i) => {
        const store = i % 2 ? one : two;
        const created = await store.create(key(`o${i}`), doc({ i }));
        await store.create(key(`o${i}`, otherResource), doc());
        if (i % 3 === 0) await (i % 2 ? two : one).update(key(`o${i}`), created.revision, doc({ i, again: true }));
        if (i % 5 === 0) await store.delete(key(`o${i}`));
      }),
    );
    const expected = writes + writes / 3 + writes / 5;
    await waitFor(() => onOne.length >= expected && onTwo.length >= expected, `${expected} events on both`);
    await settle();
    expect(onOne).toHaveLength(expected);
    expect(onTwo.map(summary)).toEqual(onOne.map(summary));
    for (let i = 1; i < onOne.length; i++) {
      expect(onOne[i]!.object.revision).toBeGreaterThan(onOne[i - 1]!.object.revision);
    }
    // The same as a replay of the history, which a third process reads.
    const three = await open();
    const replay: WatchEvent[] = [];
    const stopThree = await three.watch(R, start, (e) => replay.push(e));
    await waitFor(() => replay.length >= expected, "the replay");
    expect(replay).toEqual(onOne);
    stopOne();
    stopTwo();
    stopThree();
  });

  test("a watch goes on after its LISTEN connection is cut, missing nothing", async () => {
    const [one, two] = [await open(), await open()];
    const events: WatchEvent[] = [];
    const stop = await one.watch(R, 0, (e) => events.push(e));
    await two.create(key("a"), doc());
    await waitFor(() => events.length === 1, "1 event");
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const { rowCount } = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'",
    );
    await admin.end();
    expect(rowCount).toBe(1); // only a store with watches listens
    await two.create(key("b"), doc());
    await two.create(key("c"), doc());
    await waitFor(() => events.length === 3, "3 events");
    await settle();
    expect(events.map((e) => e.object.name)).toEqual(["a", "b", "c"]);
    stop();
  });

  test("a watch that falls behind the compacted history is stopped with onExpired", async () => {
    const [one, two] = [await open({ historyLimit: 5 }), await open({ historyLimit: 5 })];
    const events: WatchEvent[] = [];
    const expired: StoreError[] = [];
    const stop = await one.watch(
      R,
      0,
      (e) => events.push(e),
      (err) => expired.push(err),
    );
    // Cut one's LISTEN connection and keep it from coming back: one hears nothing meanwhile.
    const database = new URL(url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
    try {
      const { rowCount } = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %'",
        [database],
      );
      expect(rowCount).toBe(1);
      // two's pool keeps its open connections: it goes on writing.
      let a = await two.create(key("a"), doc());
      for (let i = 0; i < 20; i++) a = await two.update(key("a"), a.revision, doc({ i }));
    } finally {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await waitFor(() => expired.length === 1, "onExpired", 15_000);
    expect(expired[0]).toBeInstanceOf(StoreError);
    expect(expired[0]!.code).toBe("Expired");
    expect(events).toEqual([]);
    stop();
  });

  test("compaction survives a reopen, and a smaller historyLimit prunes at open", async () => {
    let store = await open({ historyLimit: 5 });
    let a = await store.create(key("a"), doc());
    for (let i = 0; i < 30; i++) a = await store.update(key("a"), a.revision, doc({ i }));
    await store.close();
    store = await open({ historyLimit: 5 });
    await expect(store.watch(R, 0, () => {})).rejects.toMatchObject({ code: "Expired" });
    await store.close();
    store = await open({ historyLimit: 1 });
    await expect(store.watch(R, a.revision - 2, () => {})).rejects.toMatchObject({ code: "Expired" });
    const events: WatchEvent[] = [];
    const stop = await store.watch(R, a.revision - 1, (e) => events.push(e));
    await waitFor(() => events.length === 1, "the last event");
    stop();
  });

  test("refused writes take no revision: revisions stay dense", async () => {
    const store = await open();
    const a = await store.create(key("a"), doc());
    await expect(store.create(key("a"), doc())).rejects.toBeInstanceOf(StoreError);
    await expect(store.update(key("a"), a.revision - 1, doc())).rejects.toBeInstanceOf(StoreError);
    await expect(store.update(key("zz"), a.revision, doc())).rejects.toBeInstanceOf(StoreError);
    await expect(store.delete(key("a"), a.revision + 5)).rejects.toBeInstanceOf(StoreError);
    await expect(store.delete(key("zz"))).rejects.toBeInstanceOf(StoreError);
    expect((await store.update(key("a"), a.revision, doc())).revision).toBe(a.revision + 1);
    const deleted = await store.deleteCollection(R);
    expect(deleted.map((o) => o.revision)).toEqual([a.revision + 2]);
  });

  test("list orders by UTF-8 bytes, as SQLite does", async () => {
    const store = await open();
    const names = ["b", "B", "a-1", "a_1", "a~", "é", "z", "ä", "模型", "Z"];
    for (const name of names) await store.create(key(name), doc());
    const bytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect((await store.list(R)).items.map((o) => o.name)).toEqual(bytes);
    const after = bytes[4]!;
    const page = await store.list(R, { after: { namespace: "default", name: after }, limit: 3 });
    expect(page.items.map((o) => o.name)).toEqual(bytes.slice(5, 8));
  });

  test("close ends the pool and the LISTEN connection; options are checked", async () => {
    const store = await open();
    const stop = await store.watch(R, 0, () => {});
    const count = async () => {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      const { rows } = await admin.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'trainjobs'",
      );
      await admin.end();
      return Number(rows[0]!.n);
    };
    expect(await count()).toBeGreaterThanOrEqual(2);
    stop();
    await store.close();
    expect(await count()).toBe(0);
    expect(await store.ping()).toBe(false);
    await expect(store.get(key("a"))).rejects.toThrow();
    await expect(PostgresStore.open(url, { historyLimit: 0 })).rejects.toThrow(RangeError);
    await expect(PostgresStore.open(url, { poolSize: 0 })).rejects.toThrow(RangeError);
  });
});
