// The behaviour every engine of the storage interface must show. An engine's test file calls
// `describeStoreConformance` with a function opening a fresh, empty store; each test gets its own
// store and closes it. Nothing here depends on how an engine numbers revisions beyond what the
// interface promises (strictly increasing, 0 for an empty store).

import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { ObjectKey, Store, StoredObject, StoreErrorCode, WatchEvent, WriteInput } from "../src/store/index.js";
import { StoreError } from "../src/store/index.js";

const R = "tfjobs.kubeflow.org";
const otherResource = "pytorchjobs.kubeflow.org";

function key(name: string, namespace = "default", resource = R): ObjectKey {
  return { resource, namespace, name };
}

/** A write whose body carries the revision it was given, as the server's documents do. */
function doc(spec: unknown = {}, labels: Record<string, string> = {}): WriteInput {
  return {
    labels,
    encode: (revision) => JSON.stringify({ metadata: { resourceVersion: String(revision) }, spec }),
  };
}

function revisionInBody(object: StoredObject): number {
  return Number((JSON.parse(object.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
}

function specOf(object: StoredObject | undefined): unknown {
  return object === undefined ? undefined : (JSON.parse(object.body) as { spec: unknown }).spec;
}

async function expectStoreError(promise: Promise<unknown>, code: StoreErrorCode): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error, `expected StoreError ${code}`).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe(code);
  return error as StoreError;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Long enough for an engine to have delivered anything it was going to deliver. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 100));
}

function summary(event: WatchEvent): string {
  const { namespace, name, revision } = event.object;
  return `${event.type} ${namespace}/${name} @${revision}`;
}

function before(a: { namespace: string; name: string }, b: { namespace: string; name: string }): boolean {
  return a.namespace < b.namespace || (a.namespace === b.namespace && a.name < b.name);
}

function names(objects: readonly StoredObject[]): string[] {
  return objects.map((o) => `${o.namespace}/${o.name}`);
}

/** A small deterministic generator, so that a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

export interface ConformanceOptions {
  /** Opens a fresh, empty store keeping at least (and about) this many events of history. */
  openWithHistoryLimit: (historyLimit: number) => Promise<Store>;
  /** A fresh, empty store whose watch history holds at most this many bytes. */
  openWithHistoryBytesLimit: (historyBytesLimit: number) => Promise<Store>;
}

export function describeStoreConformance(name: string, open: () => Promise<Store>, options: ConformanceOptions): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await open();
    });

    afterEach(async () => {
      await store.close();
    });

    describe("create and get", () => {
      test("a fresh store is empty at revision 0", async () => {
        expect(await store.revision()).toBe(0);
        expect(await store.get(key("a"))).toBeUndefined();
        expect(await store.list(R)).toEqual({ items: [], revision: 0, more: false });
        expect(await store.ping()).toBe(true);
      });

      test("create then get round-trips key, revision, labels and body", async () => {
        const created = await store.create(key("a"), doc({ replicas: 2 }, { team: "vision" }));
        expect(created).toMatchObject({ resource: R, namespace: "default", name: "a", labels: { team: "vision" } });
        expect(created.revision).toBeGreaterThan(0);
        expect(await store.revision()).toBe(created.revision);
        expect(await store.get(key("a"))).toEqual(created);
        expect(specOf(created)).toEqual({ replicas: 2 });
      });

      test("encode receives exactly the revision that ends up in StoredObject.revision", async () => {
        const seen: number[] = [];
        const tracked = (tag: string): WriteInput => ({
          labels: {},
          encode: (revision) => {
            seen.push(revision);
            return JSON.stringify({ tag, metadata: { resourceVersion: String(revision) } });
          },
        });
        await store.create(key("other"), doc());
        const created = await store.create(key("a"), tracked("created"));
        expect(seen.at(-1)).toBe(created.revision);
        expect(revisionInBody(created)).toBe(created.revision);
        const updated = await store.update(key("a"), created.revision, tracked("updated"));
        expect(seen.at(-1)).toBe(updated.revision);
        const got = await store.get(key("a"));
        expect(got?.revision).toBe(updated.revision);
        expect(got?.body).toBe(updated.body);
        expect(revisionInBody(got!)).toBe(got!.revision);
      });

      test("create of a taken key throws AlreadyExists and changes nothing", async () => {
        const created = await store.create(key("a"), doc({ v: 1 }));
        await expectStoreError(store.create(key("a"), doc({ v: 2 })), "AlreadyExists");
        expect(await store.revision()).toBe(created.revision);
        expect(await store.get(key("a"))).toEqual(created);
      });

      test("the same name in another namespace or resource is another key", async () => {
        await store.create(key("a", "ns1"), doc(1));
        await store.create(key("a", "ns2"), doc(2));
        await store.create(key("a", "ns1", otherResource), doc(3));
        await store.create(key("a", ""), doc(4)); // cluster-scoped
        expect(specOf(await store.get(key("a", "ns1")))).toBe(1);
        expect(specOf(await store.get(key("a", "ns2")))).toBe(2);
        expect(specOf(await store.get(key("a", "ns1", otherResource)))).toBe(3);
        expect(specOf(await store.get(key("a", "")))).toBe(4);
        expect(await store.get(key("a", "ns3"))).toBeUndefined();
      });
    });

    describe("update", () => {
      test("with the current revision it replaces body and labels", async () => {
        const created = await store.create(key("a"), doc({ v: 1 }, { old: "x" }));
        const updated = await store.update(key("a"), created.revision, doc({ v: 2 }, { new: "y" }));
        expect(updated.revision).toBeGreaterThan(created.revision);
        expect(updated.labels).toEqual({ new: "y" });
        expect(await store.get(key("a"))).toEqual(updated);
        expect(await store.revision()).toBe(updated.revision);
      });

      test("with a stale revision it throws Conflict carrying the current revision, changing nothing", async () => {
        const created = await store.create(key("a"), doc({ v: 1 }));
        const updated = await store.update(key("a"), created.revision, doc({ v: 2 }));
        const error = await expectStoreError(store.update(key("a"), created.revision, doc({ v: 3 })), "Conflict");
        expect(error.currentRevision).toBe(updated.revision);
        expect(await store.revision()).toBe(updated.revision);
        expect(await store.get(key("a"))).toEqual(updated);
      });

      test("of a missing key throws NotFound, changing nothing", async () => {
        const created = await store.create(key("a"), doc());
        await expectStoreError(store.update(key("b"), created.revision, doc()), "NotFound");
        await expectStoreError(store.update(key("a", "elsewhere"), created.revision, doc()), "NotFound");
        expect(await store.revision()).toBe(created.revision);
        expect(await store.get(key("b"))).toBeUndefined();
      });
    });

    describe("delete", () => {
      test("returns the last state with the revision of the delete", async () => {
        const created = await store.create(key("a"), doc({ v: 1 }, { team: "nlp" }));
        const updated = await store.update(key("a"), created.revision, doc({ v: 2 }, { team: "nlp" }));
        const deleted = await store.delete(key("a"));
        expect(deleted.revision).toBeGreaterThan(updated.revision);
        expect(deleted).toEqual({ ...updated, revision: deleted.revision });
        expect(await store.revision()).toBe(deleted.revision);
        expect(await store.get(key("a"))).toBeUndefined();
        // The key is free again.
        const again = await store.create(key("a"), doc({ v: 3 }));
        expect(again.revision).toBeGreaterThan(deleted.revision);
      });

      test("with a stale expected revision throws Conflict; with the right one it deletes", async () => {
        const created = await store.create(key("a"), doc({ v: 1 }));
        const updated = await store.update(key("a"), created.revision, doc({ v: 2 }));
        const error = await expectStoreError(store.delete(key("a"), created.revision), "Conflict");
        expect(error.currentRevision).toBe(updated.revision);
        expect(await store.revision()).toBe(updated.revision);
        expect(await store.get(key("a"))).toEqual(updated);
        const deleted = await store.delete(key("a"), updated.revision);
        expect(deleted.body).toBe(updated.body);
        expect(await store.get(key("a"))).toBeUndefined();
      });

      test("of a missing key throws NotFound, changing nothing", async () => {
        const created = await store.create(key("a"), doc());
        await expectStoreError(store.delete(key("b")), "NotFound");
        await expectStoreError(store.delete(key("b"), created.revision), "NotFound");
        expect(await store.revision()).toBe(created.revision);
      });
    });

    test("revisions strictly increase across resources and kinds of write", async () => {
      const revisions: number[] = [];
      const a = await store.create(key("a"), doc());
      revisions.push(a.revision);
      revisions.push((await store.create(key("b", "ns", otherResource), doc())).revision);
      revisions.push((await store.create(key("c", ""), doc())).revision);
      revisions.push((await store.update(key("a"), a.revision, doc({ v: 2 }))).revision);
      revisions.push((await store.create(key("d"), doc())).revision);
      revisions.push((await store.delete(key("b", "ns", otherResource))).revision);
      revisions.push(...(await store.deleteCollection(R, { namespace: "default" })).map((o) => o.revision));
      revisions.push((await store.create(key("e", "ns", otherResource), doc())).revision);
      for (let i = 1; i < revisions.length; i++) expect(revisions[i]).toBeGreaterThan(revisions[i - 1]!);
      expect(await store.revision()).toBe(revisions.at(-1));
    });

    test("labels round-trip through get, list, delete and watch", async () => {
      const labels = {
        "app.kubernetes.io/name": "trainer",
        "training.kubeflow.org/job-role": "master",
        empty: "",
        unicode: "värde ✓ 模型",
        quotes: `"'\\`,
      };
      const start = await store.revision();
      const events: WatchEvent[] = [];
      const stop = await store.watch(R, start, (event) => events.push(event));
      const created = await store.create(key("a"), doc({}, labels));
      await store.create(key("none"), doc({}, {}));
      expect(created.labels).toEqual(labels);
      expect((await store.get(key("a")))?.labels).toEqual(labels);
      expect((await store.get(key("none")))?.labels).toEqual({});
      expect((await store.list(R)).items.map((o) => o.labels)).toEqual([labels, {}]);
      expect((await store.delete(key("a"))).labels).toEqual(labels);
      await waitFor(() => events.length === 3, "3 events");
      expect(events.map((e) => e.object.labels)).toEqual([labels, {}, labels]);
      stop();
    });

    describe("list", () => {
      // Created out of order on purpose; "" is the namespace of cluster-scoped objects.
      const layout: [namespace: string, name: string][] = [
        ["b", "y"],
        ["a", "z"],
        ["default", "m"],
        ["b", "x"],
        ["", "k"],
        ["a", "a"],
        ["a", "b-2"],
        ["a", "b-10"],
        ["default", "a"],
      ];
      const ordered = ["/k", "a/a", "a/b-10", "a/b-2", "a/z", "b/x", "b/y", "default/a", "default/m"];

      async function fill(): Promise<void> {
        for (const [namespace, name] of layout) {
          await store.create(key(name, namespace), doc({}, { picked: name.startsWith("b-") ? "yes" : "no", name }));
        }
        await store.create(key("a", "a", otherResource), doc()); // another resource: never listed
      }

      test("returns the resource's objects in (namespace, name) order at the current revision", async () => {
        await fill();
        const result = await store.list(R);
        expect(names(result.items)).toEqual(ordered);
        expect(result.revision).toBe(await store.revision());
        expect(result.more).toBe(false);
        expect(result.items[0]).toEqual(await store.get(key("k", "")));
        expect(names((await store.list(otherResource)).items)).toEqual(["a/a"]);
        expect((await store.list("nothing.example.com")).items).toEqual([]);
      });

      test("namespace restricts to one namespace, including the cluster scope ''", async () => {
        await fill();
        expect(names((await store.list(R, { namespace: "a" })).items)).toEqual(["a/a", "a/b-10", "a/b-2", "a/z"]);
        expect(names((await store.list(R, { namespace: "" })).items)).toEqual(["/k"]);
        expect((await store.list(R, { namespace: "missing" })).items).toEqual([]);
      });

      test("after starts strictly after a (namespace, name) position, present or not", async () => {
        await fill();
        const from = async (namespace: string, name: string, options: { namespace?: string } = {}) =>
          names((await store.list(R, { ...options, after: { namespace, name } })).items);
        expect(await from("a", "b-2")).toEqual(["a/z", "b/x", "b/y", "default/a", "default/m"]);
        expect(await from("a", "c")).toEqual(["a/z", "b/x", "b/y", "default/a", "default/m"]);
        expect(await from("", "")).toEqual(ordered);
        expect(await from("", "k")).toEqual(ordered.slice(1));
        expect(await from("default", "m")).toEqual([]);
        expect(await from("zzz", "")).toEqual([]);
        // With a namespace: a position before, inside or after that namespace.
        expect(await from("a", "zz", { namespace: "b" })).toEqual(["b/x", "b/y"]);
        expect(await from("b", "x", { namespace: "b" })).toEqual(["b/y"]);
        expect(await from("c", "", { namespace: "b" })).toEqual([]);
      });

      test("limit caps the page and more says exactly whether another row follows", async () => {
        await fill();
        const page = async (limit: number) => {
          const result = await store.list(R, { limit });
          return [names(result.items), result.more] as const;
        };
        expect(await page(3)).toEqual([ordered.slice(0, 3), true]);
        expect(await page(8)).toEqual([ordered.slice(0, 8), true]);
        expect(await page(9)).toEqual([ordered, false]);
        expect(await page(100)).toEqual([ordered, false]);
        expect(await page(0)).toEqual([ordered, false]);
        const last = await store.list(R, { namespace: "b", after: { namespace: "b", name: "x" }, limit: 1 });
        expect([names(last.items), last.more]).toEqual([["b/y"], false]);
      });

      test("filter skips rows without counting them toward limit, and more stays exact", async () => {
        await fill();
        const even = (o: StoredObject) => o.labels.picked === "yes";
        const all = names((await store.list(R, { filter: even })).items);
        expect(all).toEqual(["a/b-10", "a/b-2"]);
        const first = await store.list(R, { filter: even, limit: 1 });
        expect([names(first.items), first.more]).toEqual([["a/b-10"], true]);
        // Rows follow the last match, but none of them passes the filter: no more.
        const second = await store.list(R, { filter: even, limit: 1, after: { namespace: "a", name: "b-10" } });
        expect([names(second.items), second.more]).toEqual([["a/b-2"], false]);
        const exact = await store.list(R, { filter: even, limit: 2 });
        expect([names(exact.items), exact.more]).toEqual([all, false]);
        const none = await store.list(R, { filter: () => false, limit: 1 });
        expect([none.items, none.more]).toEqual([[], false]);
        // The filter sees whole rows: key, revision, labels and body.
        const seen: StoredObject[] = [];
        await store.list(R, { namespace: "", filter: (o) => (seen.push(o), true) });
        expect(seen).toEqual([await store.get(key("k", ""))]);
      });

      test("paging through 250 objects with limit 7 sees each object present throughout exactly once", async () => {
        const next = random(42);
        const namespaces = ["ns-a", "ns-b", "ns-c"];
        const stable = new Set<string>();
        for (let i = 0; i < 250; i++) {
          const namespace = namespaces[i % 3]!;
          const name = `obj-${String(i).padStart(3, "0")}`;
          await store.create(key(name, namespace), doc({ i }));
          stable.add(`${namespace}/${name}`);
        }
        // Objects deleted while paging: seen at most once, whether before or after their deletion.
        const doomed: ObjectKey[] = [];
        for (let i = 0; i < 40; i++) {
          const k = key(`obj-${String(Math.floor(next() * 300)).padStart(3, "0")}x`, namespaces[i % 3]!);
          if ((await store.get(k)) === undefined) {
            await store.create(k, doc());
            doomed.push(k);
          }
        }

        const seen: string[] = [];
        let after: { namespace: string; name: string } | undefined;
        let previous: StoredObject | undefined;
        for (let page = 0; ; page++) {
          expect(page, "paging should end").toBeLessThan(200);
          const result = await store.list(R, { limit: 7, ...(after === undefined ? {} : { after }) });
          expect(result.items.length).toBeLessThanOrEqual(7);
          for (const item of result.items) {
            if (previous !== undefined)
              expect(before(previous, item), `${names([previous])} < ${names([item])}`).toBe(true);
            previous = item;
            seen.push(`${item.namespace}/${item.name}`);
          }
          if (!result.more) break;
          expect(result.items.length).toBe(7);
          const last = result.items.at(-1)!;
          after = { namespace: last.namespace, name: last.name };

          // Churn between pages: new objects before and after the cursor, deletions, updates.
          for (let j = 0; j < 3; j++) {
            const namespace = namespaces[Math.floor(next() * 3)]!;
            const name = `obj-${String(Math.floor(next() * 260)).padStart(3, "0")}-new-${page}-${j}`;
            await store.create(key(name, namespace), doc());
          }
          const victim = doomed.splice(Math.floor(next() * doomed.length), 1)[0];
          if (victim !== undefined) await store.delete(victim);
          const touched = [...stable][Math.floor(next() * stable.size)]!;
          const [namespace, name] = touched.split("/") as [string, string];
          const current = await store.get(key(name, namespace));
          await store.update(key(name, namespace), current!.revision, doc({ touched: page }));
        }

        expect(new Set(seen).size).toBe(seen.length);
        for (const k of stable) expect(seen.filter((s) => s === k).length, k).toBe(1);
      });
    });

    describe("deleteCollection", () => {
      async function fill(): Promise<void> {
        for (const namespace of ["ns1", "ns2"]) {
          for (const name of ["a", "b", "c", "d"]) {
            await store.create(key(name, namespace), doc({}, { keep: name === "b" || name === "d" ? "yes" : "no" }));
          }
        }
        await store.create(key("a", "ns1", otherResource), doc());
      }

      test("deletes every matching object in the namespace, one revision each", async () => {
        await fill();
        const start = await store.revision();
        const events: WatchEvent[] = [];
        const stop = await store.watch(R, start, (event) => events.push(event));
        const deleted = await store.deleteCollection(R, { namespace: "ns1", filter: (o) => o.labels.keep === "no" });
        expect(names(deleted)).toEqual(["ns1/a", "ns1/c"]);
        expect(deleted[0]!.revision).toBeGreaterThan(start);
        expect(deleted[1]!.revision).toBeGreaterThan(deleted[0]!.revision);
        expect(await store.revision()).toBe(deleted[1]!.revision);
        expect(deleted[0]!.labels).toEqual({ keep: "no" });
        expect(names((await store.list(R)).items)).toEqual(["ns1/b", "ns1/d", "ns2/a", "ns2/b", "ns2/c", "ns2/d"]);
        expect(names((await store.list(otherResource)).items)).toEqual(["ns1/a"]);
        await waitFor(() => events.length === 2, "2 events");
        expect(events.map(summary)).toEqual(deleted.map((o) => `DELETED ${o.namespace}/${o.name} @${o.revision}`));
        stop();
      });

      test("without options deletes the whole resource, and nothing else", async () => {
        await fill();
        const deleted = await store.deleteCollection(R);
        expect(deleted).toHaveLength(8);
        expect((await store.list(R)).items).toEqual([]);
        expect((await store.list(otherResource)).items).toHaveLength(1);
      });

      test("with nothing matching returns [] and leaves the revision alone", async () => {
        await fill();
        const start = await store.revision();
        expect(await store.deleteCollection(R, { namespace: "nowhere" })).toEqual([]);
        expect(await store.deleteCollection(R, { filter: () => false })).toEqual([]);
        expect(await store.revision()).toBe(start);
      });

      test("is atomic: a filter that throws part-way deletes nothing", async () => {
        await fill();
        const start = await store.revision();
        const before = await store.list(R);
        let calls = 0;
        const failing = () => {
          if (++calls === 5) throw new Error("filter failed");
          return true;
        };
        await expect(store.deleteCollection(R, { filter: failing })).rejects.toThrow("filter failed");
        expect(await store.revision()).toBe(start);
        expect(await store.list(R)).toEqual(before);
      });
    });

    describe("commit", () => {
      test("makes every write in order, one revision and one watch event each", async () => {
        const a = await store.create(key("a"), doc());
        const gone = await store.create(key("gone", "default", otherResource), doc());
        const start = await store.revision();
        const events: string[] = [];
        const stop = await store.watch(R, start, (e) => events.push(summary(e)));
        const result = await store.commit([
          { op: "create", key: key("b"), input: doc({ v: 1 }) },
          { op: "update", key: key("a"), expectedRevision: a.revision, input: doc({ v: 2 }) },
          { op: "delete", key: key("gone", "default", otherResource), expectedRevision: gone.revision },
        ]);
        expect(result.map((o) => o.name)).toEqual(["b", "a", "gone"]);
        const revisions = result.map((o) => o.revision);
        expect(revisions[0]).toBeGreaterThan(start);
        expect(revisions[1]).toBeGreaterThan(revisions[0]!);
        expect(revisions[2]).toBeGreaterThan(revisions[1]!);
        expect(await store.revision()).toBe(revisions[2]);
        expect(revisionInBody(result[0]!)).toBe(revisions[0]);
        expect(specOf(await store.get(key("a")))).toEqual({ v: 2 });
        expect(await store.get(key("gone", "default", otherResource))).toBeUndefined();
        await waitFor(() => events.length === 2, "two events");
        stop();
        expect(events).toEqual([`ADDED default/b @${revisions[0]}`, `MODIFIED default/a @${revisions[1]}`]);
      });

      test.each([
        ["a taken key", "AlreadyExists"],
        ["a missing key", "NotFound"],
        ["a stale revision", "Conflict"],
      ] as const)("is all or nothing: %s refuses the batch with %s and writes nothing", async (_, code) => {
        const a = await store.create(key("a"), doc());
        await store.update(key("a"), a.revision, doc({ v: 2 }));
        const start = await store.revision();
        const before = await store.list(R);
        const bad =
          code === "AlreadyExists"
            ? ({ op: "create", key: key("a"), input: doc() } as const)
            : code === "NotFound"
              ? ({ op: "delete", key: key("nope") } as const)
              : ({ op: "delete", key: key("a"), expectedRevision: a.revision } as const);
        await expectStoreError(
          store.commit([
            { op: "create", key: key("new"), input: doc() },
            bad,
            { op: "create", key: key("z"), input: doc() },
          ]),
          code,
        );
        expect(await store.revision()).toBe(start);
        expect(await store.list(R)).toEqual(before);
        // The store still works after the rollback.
        await store.create(key("new"), doc());
      });

      test("an encode that throws undoes the batch", async () => {
        const start = await store.revision();
        const failing: WriteInput = {
          labels: {},
          encode: () => {
            throw new Error("encode failed");
          },
        };
        await expect(
          store.commit([
            { op: "create", key: key("a"), input: doc() },
            { op: "create", key: key("b"), input: failing },
          ]),
        ).rejects.toThrow("encode failed");
        expect(await store.revision()).toBe(start);
        expect(await store.get(key("a"))).toBeUndefined();
      });

      test("an empty batch writes nothing", async () => {
        const start = await store.revision();
        expect(await store.commit([])).toEqual([]);
        expect(await store.revision()).toBe(start);
      });
    });

    test("sequences count 1, 2, 3 per name, without writing a revision", async () => {
      const start = await store.revision();
      expect(await store.nextSequenceValue("job_id")).toBe(1);
      expect(await store.nextSequenceValue("job_id")).toBe(2);
      expect(await store.nextSequenceValue("other")).toBe(1);
      expect(await store.nextSequenceValue("job_id")).toBe(3);
      expect(await store.revision()).toBe(start);
    });

    describe("watch", () => {
      test("replays the history after fromRevision, then delivers new writes in order", async () => {
        const a = await store.create(key("a"), doc());
        await store.create(key("b"), doc());
        await store.create(key("x", "default", otherResource), doc());
        const a2 = await store.update(key("a"), a.revision, doc({ v: 2 }));

        const events: WatchEvent[] = [];
        const stop = await store.watch(R, a.revision, (event) => events.push(event));
        const c = await store.create(key("c"), doc());
        const b = await store.delete(key("b"));
        await store.create(key("y", "default", otherResource), doc());
        const a3 = await store.update(key("a"), a2.revision, doc({ v: 3 }));
        await waitFor(() => events.length >= 5, "5 events");
        await settle();

        expect(events.map((e) => `${e.type} ${e.object.name}`)).toEqual([
          "ADDED b",
          "MODIFIED a",
          "ADDED c",
          "DELETED b",
          "MODIFIED a",
        ]);
        for (let i = 1; i < events.length; i++) {
          expect(events[i]!.object.revision).toBeGreaterThan(events[i - 1]!.object.revision);
        }
        expect(events[1]!.object).toEqual(a2);
        expect(events[2]!.object).toEqual(c);
        expect(events[3]!.object).toEqual(b); // the last state, with the revision of the delete
        expect(events[4]!.object).toEqual(a3);
        stop();
      });

      test("from 0 on a store without compaction replays everything; from now, only new writes", async () => {
        await store.create(key("a"), doc());
        await store.create(key("b"), doc());
        const all: WatchEvent[] = [];
        const stopAll = await store.watch(R, 0, (event) => all.push(event));
        const fresh: WatchEvent[] = [];
        const stopFresh = await store.watch(R, await store.revision(), (event) => fresh.push(event));
        await store.create(key("c"), doc());
        await waitFor(() => all.length >= 3 && fresh.length >= 1, "events");
        await settle();
        expect(all.map((e) => e.object.name)).toEqual(["a", "b", "c"]);
        expect(fresh.map((e) => e.object.name)).toEqual(["c"]);
        stopAll();
        stopFresh();
      });

      test("delivers only the watched resource's events", async () => {
        const events: WatchEvent[] = [];
        const stop = await store.watch(otherResource, 0, (event) => events.push(event));
        await store.create(key("a"), doc());
        const mine = await store.create(key("a", "default", otherResource), doc());
        await store.deleteCollection(R);
        await store.create(key("b"), doc());
        await waitFor(() => events.length >= 1, "1 event");
        await settle();
        expect(events).toEqual([{ type: "ADDED", object: mine }]);
        stop();
      });

      test("stops delivering once unsubscribed, while other watches go on", async () => {
        const stopped: WatchEvent[] = [];
        const going: WatchEvent[] = [];
        const before = store.watcherCount();
        const stop = await store.watch(R, 0, (event) => stopped.push(event));
        const stopOther = await store.watch(R, 0, (event) => going.push(event));
        expect(store.watcherCount()).toBe(before + 2);
        await store.create(key("a"), doc());
        await waitFor(() => stopped.length === 1, "1 event");
        stop();
        stop(); // stopping twice is harmless
        expect(store.watcherCount()).toBe(before + 1);
        await store.create(key("b"), doc());
        await store.delete(key("a"));
        await waitFor(() => going.length === 3, "3 events on the other watch");
        await settle();
        expect(stopped.map(summary)).toEqual([going.map(summary)[0]]);
        stopOther();
        expect(store.watcherCount()).toBe(before);
      });
    });

    test("an encode that throws undoes the whole write: no object, no event, no revision", async () => {
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
      const b = await store.create(key("b"), doc());
      await waitFor(() => events.length >= 2, "2 events");
      await settle();
      expect(events.map(summary)).toEqual([`ADDED default/a @${a.revision}`, `ADDED default/b @${b.revision}`]);
      stop();
    });

    describe("history", () => {
      const historyLimit = 5;
      let small: Store;

      beforeEach(async () => {
        small = await options.openWithHistoryLimit(historyLimit);
      });

      afterEach(async () => {
        await small.close();
      });

      /** The revisions a watch from `from` replays, or the StoreError code it was refused with. */
      async function replay(from: number, expected: number): Promise<number[] | StoreErrorCode> {
        const events: WatchEvent[] = [];
        let stop: () => void;
        try {
          stop = await small.watch(R, from, (event) => events.push(event));
        } catch (err) {
          if (err instanceof StoreError) return err.code;
          throw err;
        }
        await waitFor(() => events.length >= expected, `${expected} events from ${from}`);
        stop();
        return events.map((e) => e.object.revision);
      }

      test("is bounded, and Expired is exact: every fromRevision is refused or replays all later writes", async () => {
        let previous = await small.create(key("a"), doc({ v: 0 }));
        const revisions = [previous.revision];
        for (let i = 1; i < 30; i++) {
          previous = await small.update(key("a"), previous.revision, doc({ v: i }));
          revisions.push(previous.revision);
        }
        const revision = await small.revision();
        let oldest = -1;
        for (let from = 0; from <= revision; from++) {
          const later = revisions.filter((r) => r > from);
          const result = await replay(from, later.length);
          if (result === "Expired") {
            expect(oldest, `Expired at ${from} after a successful watch`).toBe(-1);
            continue;
          }
          if (oldest === -1) oldest = from;
          expect(result, `replay from ${from}`).toEqual(later);
        }
        // Something was compacted, at least historyLimit events were kept, and not many more.
        const oldestIndex = revisions.findIndex((r) => r > oldest);
        expect(oldest).toBeGreaterThan(0);
        expect(revisions.length - oldestIndex).toBeGreaterThanOrEqual(historyLimit);
        expect(revisions.length - oldestIndex).toBeLessThanOrEqual(2 * historyLimit);
        expect(await replay(revision, 0)).toEqual([]); // from now is never Expired
        // compactedRevision is exactly where Expired ends (continue tokens use it).
        expect(await small.compactedRevision()).toBe(oldest);
      });

      test("holds at most historyBytesLimit bytes, and always keeps the newest event", async () => {
        const limit = 100_000;
        const bytesStore = await options.openWithHistoryBytesLimit(limit);
        try {
          const padded = (n: number): WriteInput => ({
            labels: {},
            encode: (revision) =>
              JSON.stringify({ metadata: { resourceVersion: String(revision) }, pad: "p".repeat(n) }),
          });
          for (let i = 0; i < 60; i++) await bytesStore.create(key(`o${i}`), padded(9_000));
          const revision = await bytesStore.revision();
          let kept: WatchEvent[] | undefined;
          for (let from = 0; from <= revision && kept === undefined; from++) {
            const events: WatchEvent[] = [];
            try {
              const stop = await bytesStore.watch(R, from, (event) => events.push(event));
              await waitFor(() => events.length >= revision - from, `${revision - from} events from ${from}`);
              stop();
              kept = events;
            } catch (err) {
              if (!(err instanceof StoreError) || err.code !== "Expired") throw err;
            }
          }
          const bytes = kept!.reduce((n, e) => n + Buffer.byteLength(e.object.body), 0);
          expect(bytes).toBeLessThanOrEqual(limit);
          expect(kept!.length).toBeGreaterThanOrEqual(5); // not pruned further than needed (9 KB each)
          expect(kept!.at(-1)!.object.revision).toBe(revision);
          // One event larger than the whole limit is still kept: the newest always is.
          const big = await bytesStore.create(key("big"), padded(200_000));
          const last: WatchEvent[] = [];
          const stop = await bytesStore.watch(R, revision, (event) => last.push(event));
          await waitFor(() => last.length >= 1, "the big event");
          stop();
          expect(last.map((e) => e.object.revision)).toEqual([big.revision]);
        } finally {
          await bytesStore.close();
        }
      });

      test("a watch keeps up while the history of others' writes is compacted under it", async () => {
        const events: WatchEvent[] = [];
        const stop = await small.watch(R, await small.revision(), (event) => events.push(event));
        const first = await small.create(key("a"), doc());
        for (let i = 0; i < 4 * historyLimit; i++) await small.create(key(`o${i}`, "default", otherResource), doc());
        const last = await small.update(key("a"), first.revision, doc({ v: 2 }));
        await waitFor(() => events.length >= 2, "2 events");
        await settle();
        expect(events.map(summary)).toEqual([
          `ADDED default/a @${first.revision}`,
          `MODIFIED default/a @${last.revision}`,
        ]);
        stop();
      });
    });

    test("close is idempotent", async () => {
      await store.close();
      await store.close();
      expect(await store.ping()).toBe(false);
    });

    describe("leases", () => {
      const t0 = 1_700_000_000_000;

      test("a free lease is taken; its holder renews it; another is refused until it expires", async () => {
        expect(await store.tryAcquireLease("controller", "a", 10_000, t0)).toBe(true);
        expect(await store.tryAcquireLease("controller", "b", 10_000, t0 + 1_000)).toBe(false);
        // Renewed at t0 + 5 s: held until t0 + 15 s, so b is still refused at t0 + 12 s.
        expect(await store.tryAcquireLease("controller", "a", 10_000, t0 + 5_000)).toBe(true);
        expect(await store.tryAcquireLease("controller", "b", 10_000, t0 + 12_000)).toBe(false);
        // Not renewed: b takes it at expiry (not a millisecond before), and a has lost it.
        expect(await store.tryAcquireLease("controller", "b", 10_000, t0 + 14_999)).toBe(false);
        expect(await store.tryAcquireLease("controller", "b", 10_000, t0 + 15_000)).toBe(true);
        expect(await store.tryAcquireLease("controller", "a", 10_000, t0 + 15_001)).toBe(false);
      });

      test("leases are independent by name and are not objects", async () => {
        expect(await store.tryAcquireLease("one", "a", 10_000, t0)).toBe(true);
        expect(await store.tryAcquireLease("two", "b", 10_000, t0)).toBe(true);
        expect(await store.revision()).toBe(0);
      });

      test("release frees the lease at once, and only its holder can release it", async () => {
        expect(await store.tryAcquireLease("controller", "a", 60_000, t0)).toBe(true);
        await store.releaseLease("controller", "b");
        expect(await store.tryAcquireLease("controller", "b", 60_000, t0 + 1)).toBe(false);
        await store.releaseLease("controller", "a");
        expect(await store.tryAcquireLease("controller", "b", 60_000, t0 + 2)).toBe(true);
      });

      test("of many concurrent attempts on an expired lease exactly one wins", async () => {
        expect(await store.tryAcquireLease("controller", "old", 1_000, t0)).toBe(true);
        const holders = Array.from({ length: 8 }, (_, i) => `h${i}`);
        const results = await Promise.all(
          holders.map((h) => store.tryAcquireLease("controller", h, 10_000, t0 + 5_000)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });
  });
}
