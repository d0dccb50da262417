// Watch (`GET <list>?watch=true`) over real HTTP: framing, where a watch starts, selectors,
// authorization, 410 Expired, timeouts and bookmarks (fake timers), ordering, and cleanup when
// the client leaves or the server shuts down.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { SqliteStore } from "../src/store/sqlite.js";
import { objectWith, unique } from "./builders.js";
import { tokens } from "./helpers.js";
import { kinds, mergePatch } from "./seeds.js";
import { type HttpTestServer, httpTestServer, openWatch } from "./watch-stream.js";

let s: HttpTestServer;
beforeAll(async () => (s = await httpTestServer()));
afterAll(() => s.close());

const tfjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";

async function call(
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
  token: string = tokens.admin,
) {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { "Content-Type": contentType } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Record<string, any>;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const create = (name: string, labels: Record<string, string> = {}, ns = "kube-test") =>
  call("POST", `/apis/kubeflow.org/v1/namespaces/${ns}/tfjobs`, objectWith("TFJobSeed", { name, labels }));
const label = (name: string, labels: Record<string, string | null>) =>
  call("PATCH", `${tfjobs}/${name}`, { metadata: { labels } }, mergePatch);
const remove = (name: string, ns = "kube-test") =>
  call("DELETE", `/apis/kubeflow.org/v1/namespaces/${ns}/tfjobs/${name}`);

describe.each(kinds)("$kind: watch on every list", ({ plural, seed, base }) => {
  test.each(["true", "1"])("watch=%s, namespaced and all namespaces: ADDED, MODIFIED, DELETED in order", async (w) => {
    const ns = "kube-test";
    const namespaced = await openWatch(
      `${s.url}${base}/namespaces/${ns}/${plural}?watch=${w}&resourceVersion=${(await call("GET", `${base}/namespaces/${ns}/${plural}`)).metadata.resourceVersion}`,
    );
    const all = await openWatch(`${s.url}${base}/${plural}?watch=${w}`);
    expect(namespaced.status).toBe(200);
    expect(namespaced.headers.get("content-type")).toBe("application/json");
    expect(namespaced.headers.get("transfer-encoding")).toBe("chunked");
    // The all-namespaces watch starts with the objects there are (from the other kinds' tests too).
    const name = unique(`w${w}`);
    const created = await call("POST", `${base}/namespaces/${ns}/${plural}`, objectWith(seed, { name }));
    const patched = await call(
      "PATCH",
      `${base}/namespaces/${ns}/${plural}/${name}`,
      { metadata: { labels: { watched: "yes" } } },
      mergePatch,
    );
    const deleted = await call("DELETE", `${base}/namespaces/${ns}/${plural}/${name}`);
    const expected = [
      ["ADDED", created.metadata.resourceVersion],
      ["MODIFIED", patched.metadata.resourceVersion],
    ];
    for (const watch of [namespaced, all]) {
      const seen: [string, string][] = [];
      while (seen.length < 3) {
        const e = await watch.next();
        if (e.object.metadata.name === name) seen.push([e.type, e.object.metadata.resourceVersion]);
      }
      expect(seen.slice(0, 2)).toEqual(expected);
      expect(seen[2]![0]).toBe("DELETED");
      // The DELETED object carries the delete's own resourceVersion, after the last write's.
      expect(Number(seen[2]![1])).toBeGreaterThan(Number(patched.metadata.resourceVersion));
      if (deleted.kind !== "Status") expect(seen[2]![1]).toBe(deleted.metadata.resourceVersion);
      watch.close();
    }
  });
});

describe("where a watch starts", () => {
  test("no resourceVersion, or 0: ADDED for every current object first, then changes", async () => {
    const a = unique("start");
    const b = unique("start");
    await create(a, { group: "start" });
    await create(b, { group: "start" });
    for (const rv of ["", "&resourceVersion=0"]) {
      const watch = await openWatch(`${s.url}${tfjobs}?watch=true&labelSelector=group%3Dstart${rv}`);
      const first = [await watch.next(), await watch.next()];
      // In name order, as a list.
      expect(first.map((e) => [e.type, e.object.metadata.name])).toEqual([a, b].sort().map((n) => ["ADDED", n]));
      await label(a, { extra: "x" });
      const e = await watch.next();
      expect([e.type, e.object.metadata.name, e.object.metadata.labels.extra]).toEqual(["MODIFIED", a, "x"]);
      await label(a, { extra: null });
      await watch.next();
      watch.close();
    }
  });

  test("a resourceVersion: only the changes after it", async () => {
    const a = unique("after");
    const b = unique("after");
    const first = await create(a, { group: "after" });
    await create(b, { group: "after" });
    const watch = await openWatch(
      `${s.url}${tfjobs}?watch=true&labelSelector=group%3Dafter&resourceVersion=${first.metadata.resourceVersion}`,
    );
    const e = await watch.next();
    expect([e.type, e.object.metadata.name]).toEqual(["ADDED", b]);
    await remove(a);
    const d = await watch.next();
    expect([d.type, d.object.metadata.name]).toEqual(["DELETED", a]);
    watch.close();
  });

  test("a resourceVersion that is not one: 400 before any stream", async () => {
    const res = await fetch(`${s.url}${tfjobs}?watch=true&resourceVersion=abc`, {
      headers: { Authorization: `Bearer ${tokens.admin}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ kind: "Status", reason: "BadRequest" });
  });

  test("a resourceVersion older than the history: one ERROR event, 410 Expired, and the stream ends", async () => {
    const store = SqliteStore.open(":memory:", { historyLimit: 2 });
    const small = await httpTestServer({ store });
    try {
      const first = await fetch(`${small.url}${tfjobs}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${tokens.admin}`, "Content-Type": "application/json" },
        body: JSON.stringify(objectWith("TFJobSeed", { name: "old-0" })),
      });
      const rv = ((await first.json()) as any).metadata.resourceVersion as string;
      for (let i = 1; i <= 10; i++) {
        await fetch(`${small.url}${tfjobs}`, {
          method: "POST",
          headers: { Authorization: `Bearer ${tokens.admin}`, "Content-Type": "application/json" },
          body: JSON.stringify(objectWith("TFJobSeed", { name: `old-${i}` })),
        });
      }
      const watch = await openWatch(`${small.url}${tfjobs}?watch=true&resourceVersion=${rv}`);
      expect(watch.status).toBe(200);
      const events = await watch.ended();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: "ERROR",
        object: { kind: "Status", apiVersion: "v1", status: "Failure", reason: "Expired", code: 410 },
      });
      expect(store.watcherCount()).toBe(0);
    } finally {
      await small.close();
    }
  });
});

describe("selectors", () => {
  test("a set-based label selector, as clients encode it: leaving the selection is DELETED, entering ADDED", async () => {
    const name = unique("sel");
    // What client-go, client-node and the Python client send for `team in (t0,t2)`.
    const watch = await openWatch(`${s.url}${tfjobs}?watch=true&labelSelector=team+in+%28t0%2Ct2%29`);
    await create(name, { team: "t1" });
    await label(name, { team: "t0" });
    await label(name, { other: "x" });
    await label(name, { team: "t3" });
    await label(name, { team: "t2" });
    await remove(name);
    const events = [];
    for (let i = 0; i < 5; i++) events.push(await watch.next());
    expect(events.map((e) => [e.type, e.object.metadata.labels.team])).toEqual([
      ["ADDED", "t0"],
      ["MODIFIED", "t0"],
      ["DELETED", "t3"],
      ["ADDED", "t2"],
      ["DELETED", "t2"],
    ]);
    watch.close();
  });

  test("a field selector on the name", async () => {
    const name = unique("field");
    const watch = await openWatch(`${s.url}${tfjobs}?watch=true&fieldSelector=metadata.name%3D${name}`);
    await create(unique("field-other"));
    await create(name);
    const e = await watch.next();
    expect([e.type, e.object.metadata.name]).toEqual(["ADDED", name]);
    watch.close();
  });
});

test("an all-namespaces watch sees only the namespaces the caller is granted", async () => {
  const watch = await openWatch(
    `${s.url}/apis/kubeflow.org/v1/tfjobs?watch=true&labelSelector=authz%3Dyes`,
    tokens.bob,
  );
  await create(unique("authz"), { authz: "yes" }, "kube-test");
  const mine = unique("authz");
  await create(mine, { authz: "yes" }, "team-b");
  const e = await watch.next();
  expect([e.type, e.object.metadata.namespace, e.object.metadata.name]).toEqual(["ADDED", "team-b", mine]);
  watch.close();
  // And a namespaced watch elsewhere is refused, as the list.
  const res = await fetch(`${s.url}${tfjobs}?watch=true`, { headers: { Authorization: `Bearer ${tokens.bob}` } });
  expect(res.status).toBe(403);
});

test("timeoutSeconds: the server ends the stream when it is up", async () => {
  const before = s.timers.timeouts.size;
  const watch = await openWatch(`${s.url}${tfjobs}?watch=true&timeoutSeconds=7&labelSelector=none%3Dnone`);
  expect(s.timers.timeouts.size).toBe(before + 1);
  expect([...s.timers.timeouts].some((t) => t.ms === 7000)).toBe(true);
  s.timers.fireTimeouts();
  expect(await watch.ended()).toEqual([]);
});

test("allowWatchBookmarks: a BOOKMARK per period, with the revision the watch has reached", async () => {
  const group = unique("bm");
  const list = await call("GET", `${tfjobs}?labelSelector=bm%3D${group}`);
  const watch = await openWatch(`${s.url}${tfjobs}?watch=true&allowWatchBookmarks=true&labelSelector=bm%3D${group}`);
  s.timers.tickIntervals();
  const first = await watch.next();
  expect(first).toEqual({
    type: "BOOKMARK",
    object: { kind: "TFJob", apiVersion: "kubeflow.org/v1", metadata: { resourceVersion: expect.any(String) } },
  });
  expect(Number(first.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(list.metadata.resourceVersion));
  const created = await create(unique("bm"), { bm: group });
  expect((await watch.next()).type).toBe("ADDED");
  s.timers.tickIntervals();
  const second = await watch.next();
  expect(second.type).toBe("BOOKMARK");
  expect(second.object.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  watch.close();
});

test("sendInitialEvents: a streaming list ends its initial events with an annotated BOOKMARK; false sends none", async () => {
  const group = unique("sie");
  const first = await create(unique("sie"), { sie: group });
  const watch = await openWatch(
    `${s.url}${tfjobs}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=${first.metadata.resourceVersion}&labelSelector=sie%3D${group}`,
  );
  const added = await watch.next();
  expect([added.type, added.object.metadata.name]).toEqual(["ADDED", first.metadata.name]);
  const end = await watch.next();
  expect(end.type).toBe("BOOKMARK");
  expect(end.object.metadata.annotations).toEqual({ "k8s.io/initial-events-end": "true" });
  expect(Number(end.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(first.metadata.resourceVersion));
  watch.close();
  const none = await openWatch(`${s.url}${tfjobs}?watch=true&sendInitialEvents=false&labelSelector=sie%3D${group}`);
  const second = await create(unique("sie"), { sie: group });
  const e = await none.next();
  expect([e.type, e.object.metadata.name]).toEqual(["ADDED", second.metadata.name]);
  none.close();
});

test("no event lost, repeated or reordered under concurrent writes", async () => {
  const group = unique("conc");
  const watch = await openWatch(`${s.url}${tfjobs}?watch=true&labelSelector=conc%3D${group}`);
  const names = Array.from({ length: 20 }, () => unique("conc"));
  await Promise.all(names.map((n) => create(n, { conc: group })));
  await Promise.all(names.map((n) => label(n, { step: "2" })));
  const events = [];
  for (let i = 0; i < 40; i++) events.push(await watch.next());
  const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
  expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
  expect(new Set(rvs).size).toBe(40);
  for (const n of names) {
    expect(events.filter((e) => e.object.metadata.name === n).map((e) => e.type)).toEqual(["ADDED", "MODIFIED"]);
  }
  watch.close();
});

test("the store's watch stops when the client leaves", async () => {
  await vi.waitFor(() => expect(s.store.watcherCount()).toBe(0));
  const a = await openWatch(`${s.url}${tfjobs}?watch=true`);
  const b = await openWatch(`${s.url}/apis/batch/v1/jobs?watch=true`);
  expect(s.store.watcherCount()).toBe(2);
  expect(s.app.watches.size).toBe(2);
  a.close();
  b.close();
  await vi.waitFor(() => expect(s.store.watcherCount()).toBe(0));
  expect(s.app.watches.size).toBe(0);
});

test("a graceful shutdown ends the watch streams", async () => {
  const watch = await openWatch(`${s.url}${tfjobs}?watch=true&labelSelector=none%3Dnone`);
  expect(s.app.watches.size).toBe(1);
  s.app.watches.closeAll();
  expect(await watch.ended()).toEqual([]);
  await vi.waitFor(() => expect(s.store.watcherCount()).toBe(0));
});

test("watch=false is a list", async () => {
  const list = await call("GET", `${tfjobs}?watch=false&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`);
  expect(list.kind).toBe("TFJobList");
});
