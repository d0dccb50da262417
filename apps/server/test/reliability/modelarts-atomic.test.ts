// ModelArts create and delete are one store transaction each: a process that dies at any write
// of either leaves the job and its name together, never a name reserved without a job (which made
// every later create of that name a 409). The crash is simulated by a store that, at its k-th
// write, throws and refuses everything after (no cleanup runs); the store file is then reopened by
// a fresh server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { afterAll, describe, expect, test } from "vitest";
import { createServer } from "../../src/app.js";
import { TokenTable } from "../../src/http/auth.js";
import { openStore, type Store } from "../../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "trainjobs-atomic-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const tokens = TokenTable.fromCsv('admin-token,admin,u-admin,"system:masters"');
const jobs = "/v1/proj-a/training-jobs";
const config = { worker_server_num: 1, app_url: "/b/c/", boot_file_url: "/b/c/x.py" };
const writes = new Set(["create", "update", "delete", "deleteCollection", "nextSequenceValue", "commit"]);

class Crash extends Error {}

/** The store, dying at its `crashAt`-th write: that write and everything after throw. */
function dying(store: Store, crashAt: number): { store: Store; crashed: () => boolean } {
  let count = 0;
  let dead = false;
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function" || prop === "close") return value;
      return (...args: unknown[]) => {
        if (dead) return Promise.reject(new Crash("the process is gone"));
        if (writes.has(String(prop)) && ++count === crashAt) {
          dead = true;
          return Promise.reject(new Crash("the process died here"));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, crashed: () => dead };
}

// One app for the whole file, over whichever store the test points it at: building an app
// compiles the spec's validators, the slow part of these tests.
let current: Store | undefined;
const switchable = new Proxy({} as Store, {
  get(_target, prop) {
    const value = Reflect.get(current as Store, prop) as unknown;
    return typeof value === "function" ? value.bind(current) : value;
  },
});
let server: ReturnType<typeof createServer> | undefined;
const app = (store: Store) => {
  current = store;
  server ??= createServer({ store: switchable, tokens, validateResponses: true });
  const bound = server;
  return (method: "get" | "post" | "delete", path: string) =>
    request(bound)[method](path).set("Authorization", "Bearer admin-token");
};

async function jobNames(store: Store): Promise<string[]> {
  const res = await app(store)("get", `${jobs}?per_page=1000`);
  return (res.body.jobs as { job_name: string }[]).map((j) => j.job_name).sort();
}

describe("a crash at any write of a ModelArts create", () => {
  test.each([1, 2, 3, 4])("at write %i: the name is free or the job exists, never reserved alone", async (k) => {
    const file = join(dir, `create-${++files}.db`);
    const first = await openStore(`sqlite:${file}`);
    const { store, crashed } = dying(first, k);
    const res = await app(store)("post", jobs).send({ job_name: "survivor", config });
    await first.close();

    const reopened = await openStore(`sqlite:${file}`);
    try {
      const present = (await jobNames(reopened)).includes("survivor");
      if (!crashed()) expect(res.status).toBe(200);
      const again = await app(reopened)("post", jobs).send({ job_name: "survivor", config });
      // Either the first create committed whole (and the name is taken by a real job) or not at all.
      expect(again.status, again.text).toBe(present ? 409 : 200);
      expect(await jobNames(reopened)).toEqual(["survivor"]);
    } finally {
      await reopened.close();
    }
  });
});

describe("a crash at any write of a ModelArts delete", () => {
  test.each([1, 2, 3])("at write %i: the job and its name go together", async (k) => {
    const file = join(dir, `delete-${++files}.db`);
    const setup = await openStore(`sqlite:${file}`);
    const created = await app(setup)("post", jobs).send({ job_name: "doomed", config });
    expect(created.status).toBe(200);
    await setup.close();

    const first = await openStore(`sqlite:${file}`);
    const { store } = dying(first, k);
    await app(store)("delete", `${jobs}/${created.body.job_id}`);
    await first.close();

    const reopened = await openStore(`sqlite:${file}`);
    try {
      const present = (await jobNames(reopened)).includes("doomed");
      const again = await app(reopened)("post", jobs).send({ job_name: "doomed", config });
      expect(again.status, again.text).toBe(present ? 409 : 200);
      expect(await jobNames(reopened)).toEqual(["doomed"]);
    } finally {
      await reopened.close();
    }
  });
});
