// What is stored is bounded as the apiserver and etcd bound it: annotations at most 256 KiB in
// total (422 on metadata.annotations, as ValidateAnnotations), an object at most 1.5 MiB (413, as
// etcd's request limit), and the SQLite watch history by bytes as well as by count. Bodies over
// 3 MiB are 413 before they are parsed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { maxAnnotationsBytes, maxObjectBytes } from "../../src/resources/limits.js";
import type { Store, WatchEvent } from "../../src/store/index.js";
import { SqliteStore } from "../../src/store/sqlite.js";
import { type TestServer, testServer } from "../helpers.js";
import { creatable, kinds, mergePatch } from "../seeds.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

let counter = 0;

describe.each(kinds)("$kind", ({ plural, seed, base }) => {
  const collection = `${base}/namespaces/kube-test/${plural}`;
  const create = async (annotations: Record<string, string> = {}) => {
    const obj = creatable(seed);
    obj.metadata = { name: `limits-${++counter}`, annotations };
    return s.api.post(collection).send(obj);
  };

  test("annotations of exactly 262144 bytes are kept; one byte more is 422 on metadata.annotations", async () => {
    // Size is keys plus values in bytes: "k" + 262143 bytes ("é" is two).
    const ok = await create({ k: `${"é".repeat(131_071)}x` });
    expect(ok.status, ok.text.slice(0, 300)).toBe(201);
    const tooBig = await create({ k: "é".repeat(131_072) });
    expect(tooBig.status).toBe(422);
    expect(tooBig.body).toMatchObject({ kind: "Status", reason: "Invalid", code: 422 });
    expect(tooBig.body.details.causes).toContainEqual({
      reason: "FieldValueTooLong",
      message: `Too long: must have at most ${maxAnnotationsBytes} bytes`,
      field: "metadata.annotations",
    });
  });

  test("a patch that grows the annotations past the limit is 422 and changes nothing", async () => {
    const res = await create({ a: "x".repeat(200_000) });
    expect(res.status).toBe(201);
    const grown = await s.api
      .patch(`${collection}/${res.body.metadata.name}`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ metadata: { annotations: { b: "y".repeat(100_000) } } }));
    expect(grown.status).toBe(422);
    expect((await s.api.get(`${collection}/${res.body.metadata.name}`)).body).toEqual(res.body);
  });

  test("an object that grows past 1.5 MiB through labels is 413 and changes nothing", async () => {
    const res = await create();
    expect(res.status).toBe(201);
    const name = res.body.metadata.name;
    // Labels are not bounded in total, so many of them grow the object: 24,000 labels of ~70 bytes.
    const labels: Record<string, string> = {};
    for (let i = 0; i < 24_000; i++) labels[`label-${i}`] = `value-${"v".repeat(50)}-${i}`;
    const grown = await s.api
      .patch(`${collection}/${name}`)
      .set("Content-Type", mergePatch)
      .send(JSON.stringify({ metadata: { labels } }));
    expect(grown.status, grown.text.slice(0, 300)).toBe(413);
    expect(grown.body).toMatchObject({ kind: "Status", reason: "RequestEntityTooLarge", code: 413 });
    expect(grown.body.message).toContain(String(maxObjectBytes));
    expect((await s.api.get(`${collection}/${name}`)).body).toEqual(res.body);
  });
});

test("a create body over 3 MiB is 413 RequestEntityTooLarge", async () => {
  const obj = creatable("TFJobSeed");
  obj.metadata = { name: "huge", annotations: { a: "x".repeat(3 * 1024 * 1024) } };
  const res = await s.api.post("/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs").send(obj);
  expect(res.status).toBe(413);
  expect(res.body).toMatchObject({ kind: "Status", reason: "RequestEntityTooLarge" });
});

test("a ModelArts job over 1.5 MiB is 413 in the ModelArts format, and nothing is created", async () => {
  const config = { worker_server_num: 1, app_url: "/b/", boot_file_url: "/b/x.py", custom: "x".repeat(1_600_000) };
  const res = await s.api.post("/v1/proj-a/training-jobs").send({ job_name: "too-big", config });
  expect(res.status).toBe(413);
  expect(res.body).toMatchObject({ is_success: false, error_code: "ModelArts.0101" });
  const list = await s.api.get("/v1/proj-a/training-jobs");
  expect(list.body.jobs).toEqual([]);
});

describe("the SQLite watch history is bounded by bytes", () => {
  const dir = mkdtempSync(join(tmpdir(), "trainjobs-history-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = (name: string) => ({ resource: "r", namespace: "ns", name });
  const body = (size: number) => ({
    labels: {},
    encode: (rv: number) => JSON.stringify({ rv, pad: "p".repeat(size) }),
  });

  async function replay(store: Store, from: number): Promise<WatchEvent[] | "Expired"> {
    const events: WatchEvent[] = [];
    try {
      const stop = await store.watch("r", from, (e) => events.push(e));
      await new Promise((r) => setImmediate(r));
      stop();
      return events;
    } catch {
      return "Expired";
    }
  }

  test("the events kept hold at most historyBytesLimit bytes, and the newest is always kept", async () => {
    const limit = 100_000;
    const path = join(dir, "bytes.db");
    let store: Store = SqliteStore.open(path, { historyBytesLimit: limit });
    for (let i = 0; i < 60; i++) await store.create(key(`o${i}`), body(9_000));
    const revision = await store.revision();
    const check = async () => {
      let kept: WatchEvent[] | undefined;
      for (let from = 0; from <= revision; from++) {
        const result = await replay(store, from);
        if (result !== "Expired") {
          kept = result;
          break;
        }
      }
      expect(kept).toBeDefined();
      const bytes = kept!.reduce((n, e) => n + Buffer.byteLength(e.object.body), 0);
      expect(bytes).toBeLessThanOrEqual(limit);
      expect(kept!.length).toBeGreaterThanOrEqual(5); // not pruned further than needed (9 KB each)
      expect(kept!.at(-1)!.object.revision).toBe(revision);
    };
    await check();
    await store.close();
    store = SqliteStore.open(path, { historyBytesLimit: limit });
    await check();
    // One event larger than the whole limit is still kept: the newest always is.
    await store.create(key("big"), body(200_000));
    const last = await replay(store, revision);
    expect(last !== "Expired" && last.map((e) => e.object.name)).toEqual(["big"]);
    await store.close();
  });

  test("a schema-1 file is migrated: its events get their sizes and count toward the limit", async () => {
    const path = join(dir, "v1.db");
    const db = new Database(path);
    db.exec(`
      CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL, compacted INTEGER NOT NULL);
      INSERT INTO meta VALUES (1, 3, 0);
      CREATE TABLE objects (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, revision INTEGER NOT NULL,
        labels TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID;
      CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE events (revision INTEGER PRIMARY KEY, resource TEXT NOT NULL, namespace TEXT NOT NULL,
        name TEXT NOT NULL, type TEXT NOT NULL, labels TEXT NOT NULL, body TEXT NOT NULL);
      CREATE INDEX events_by_resource ON events (resource, revision);
    `);
    const insert = db.prepare("INSERT INTO events VALUES (?, 'r', 'ns', ?, 'ADDED', '{}', ?)");
    for (let i = 1; i <= 3; i++) insert.run(i, `o${i}`, JSON.stringify({ pad: "p".repeat(40_000) }));
    db.pragma("user_version = 1");
    db.close();
    // 120 KB of history over a 100 KB limit: the oldest event is pruned at open.
    const store = SqliteStore.open(path, { historyBytesLimit: 100_000 });
    expect(await replay(store, 0)).toBe("Expired");
    await store.create(key("o4"), body(10));
    const kept = await replay(store, 1);
    expect(kept !== "Expired" && kept.map((e) => e.object.name)).toEqual(["o2", "o3", "o4"]);
    await store.close();
  });

  test("historyBytesLimit must be a positive integer", () => {
    expect(() => SqliteStore.open(":memory:", { historyBytesLimit: 0 })).toThrow(RangeError);
  });
});
