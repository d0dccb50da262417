// Several server processes on one PostgreSQL database, as behind a load balancer: two real
// processes (`node dist/main.js`, started by @trainjobs/server/testing) with the same DATABASE_URL,
// on a database of a throwaway cluster, driven at once. Each sees what the other wrote; writes
// split across them lose nothing and get unique, increasing resourceVersions; preconditions race
// across them with one winner; ModelArts ids come from the one shared sequence; they start at once
// on an empty database (both migrate it, once); a watch through one sees the writes made through
// the other; a process killed under write load holds up no other; and the startup log never shows
// the password.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { schemaVersion } from "../src/store/postgres.js";
import { type ServerProcess, serverMainJs, spawnServer, startServerProcess } from "../src/testing.js";
import { tfJob } from "./builders.js";
import { mergePatch } from "./seeds.js";
import { startPostgres, type TestPostgres } from "./support/postgres.js";

const token = "multi-process-token";
const tfjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";

let cluster: TestPostgres;
let dir: string;
let env: Record<string, string>;
let databaseUrl: string;
let one: ServerProcess;
let two: ServerProcess;
const started = new Set<ServerProcess>();

async function start(extra: Record<string, string> = {}): Promise<ServerProcess> {
  const server = await startServerProcess({ cwd: dir, env: { ...env, ...extra } });
  started.add(server);
  return server;
}

beforeAll(async () => {
  if (!existsSync(serverMainJs))
    throw new Error(`${serverMainJs} is missing: build first (npx turbo run build --filter=@trainjobs/server...)`);
  dir = mkdtempSync(join(tmpdir(), "trainjobs-multi-"));
  writeFileSync(join(dir, "tokens.csv"), `${token},admin,u-admin,"system:masters"\n`);
  cluster = await startPostgres();
  databaseUrl = await cluster.createDatabase();
  // The controller would write statuses (and move resourceVersions) between the steps of these
  // storage tests; its own failover between processes is tested in controller/failover.test.ts.
  env = { TOKEN_FILE: join(dir, "tokens.csv"), DATABASE_URL: databaseUrl, CONTROLLER: "off" };
  // Both at once, on an empty database: they race to create the schema.
  [one, two] = await Promise.all([start(), start()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([...started].map((s) => s.stop().catch(() => s.exited)));
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: any;
}

async function call(server: ServerProcess, method: string, path: string, body?: unknown, contentType?: string) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "Content-Type": contentType ?? "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined } as Answer;
}

const get = (server: ServerProcess, path: string) => call(server, "GET", path);
const patch = (server: ServerProcess, name: string, body: unknown) =>
  call(server, "PATCH", `${tfjobs}/${name}`, body, mergePatch);
const rv = (a: Answer) => Number(a.body.metadata.resourceVersion);
const names = (list: Answer) => (list.body.items as { metadata: { name: string } }[]).map((o) => o.metadata.name);

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

test("both started at once on an empty database: the schema was made once, both are ready", async () => {
  expect(await query("SELECT version FROM schema_version")).toEqual([{ version: schemaVersion }]);
  expect(await query("SELECT revision FROM meta")).toHaveLength(1);
  for (const server of [one, two]) expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
});

test("a write through either is seen by both, in GET and in list", async () => {
  const created = await call(one, "POST", tfjobs, tfJob("shared"));
  expect(created.status).toBe(201);
  for (const server of [one, two]) {
    const read = await get(server, `${tfjobs}/shared`);
    expect(read.status).toBe(200);
    expect(read.body.metadata).toMatchObject({ uid: created.body.metadata.uid, resourceVersion: String(rv(created)) });
    const list = await get(server, tfjobs);
    expect(names(list)).toContain("shared");
    expect(Number(list.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(rv(created));
  }
  const updated = await patch(two, "shared", { metadata: { labels: { through: "two" } } });
  expect(updated.status).toBe(200);
  expect((await get(one, `${tfjobs}/shared`)).body.metadata).toMatchObject({
    labels: { through: "two" },
    resourceVersion: String(rv(updated)),
  });
  const selected = await get(one, `${tfjobs}?labelSelector=through%3Dtwo`);
  expect(names(selected)).toEqual(["shared"]);
  // A create of a name the other process made is refused.
  expect((await call(two, "POST", tfjobs, tfJob("shared"))).status).toBe(409);
  expect((await call(two, "DELETE", `${tfjobs}/shared`)).status).toBe(200);
  expect((await get(one, `${tfjobs}/shared`)).status).toBe(404);
  expect(names(await get(one, tfjobs))).not.toContain("shared");
});

test("50 merge patches split across both: every label lands, resourceVersions unique and increasing", async () => {
  const created = await call(one, "POST", tfjobs, tfJob("fifty"));
  expect(created.status).toBe(201);
  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      patch(i % 2 ? one : two, "fifty", { metadata: { labels: { [`w${i}`]: "x" } } }),
    ),
  );
  expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
  const versions = answers.map(rv);
  expect(new Set(versions).size).toBe(50);
  expect(Math.min(...versions)).toBeGreaterThan(rv(created));
  // Each answer holds its own label and every label of the patches before it (by resourceVersion):
  // patches were applied one after another, each on the result of the one before.
  const byVersion = [...answers].sort((a, b) => rv(a) - rv(b));
  for (let k = 1; k < byVersion.length; k++) {
    const before = Object.keys(byVersion[k - 1]!.body.metadata.labels);
    expect(Object.keys(byVersion[k]!.body.metadata.labels)).toEqual(expect.arrayContaining(before));
  }
  for (const server of [one, two]) {
    const final = await get(server, `${tfjobs}/fifty`);
    const labels = Object.keys(final.body.metadata.labels).filter((l) => /^w\d+$/.test(l));
    expect(labels.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `w${i}`).sort());
    expect(rv(final)).toBe(Math.max(...versions));
  }
});

test("preconditioned updates racing across the processes: one wins per resourceVersion, the other is 409", async () => {
  let current = await call(one, "POST", tfjobs, tfJob("contended"));
  expect(current.status).toBe(201);
  for (let round = 0; round < 10; round++) {
    const base = current.body;
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, i) => {
        const server = i % 2 ? one : two;
        const labels = { round: String(round), writer: String(i) };
        return i < 2
          ? patch(server, "contended", { metadata: { resourceVersion: base.metadata.resourceVersion, labels } })
          : call(server, "PUT", `${tfjobs}/contended`, { ...base, metadata: { ...base.metadata, labels } });
      }),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners, `round ${round}: ${answers.map((a) => a.status)}`).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a.status).toBe(409);
      expect(a.body.reason).toBe("Conflict");
    }
    const seen = await get(round % 2 ? one : two, `${tfjobs}/contended`);
    expect(seen.body.metadata.labels).toEqual(winners[0]!.body.metadata.labels);
    current = seen;
  }
});

test("a counter incremented through both, read-modify-write with preconditions: no increment lost", async () => {
  const created = await call(two, "POST", tfjobs, {
    ...tfJob("counter"),
    metadata: { name: "counter", annotations: { n: "0" } },
  });
  expect(created.status).toBe(201);
  const increment = async (server: ServerProcess) => {
    for (;;) {
      const now = await get(server, `${tfjobs}/counter`);
      const n = Number(now.body.metadata.annotations.n);
      const res = await patch(server, "counter", {
        metadata: { resourceVersion: now.body.metadata.resourceVersion, annotations: { n: String(n + 1) } },
      });
      if (res.status === 200) return rv(res);
      expect(res.status).toBe(409);
    }
  };
  const versions = await Promise.all(Array.from({ length: 16 }, (_, i) => increment(i % 2 ? one : two)));
  expect(new Set(versions).size).toBe(16);
  for (const server of [one, two])
    expect((await get(server, `${tfjobs}/counter`)).body.metadata.annotations.n).toBe("16");
});

describe("ModelArts", () => {
  const jobs = "/v1/proj-a/training-jobs";
  const config = { worker_server_num: 1, app_url: "/bucket/code/", boot_file_url: "/bucket/code/train.py" };

  test("creates through both get unique job ids from the shared sequence; each is seen by both", async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call(i % 2 ? one : two, "POST", jobs, { job_name: `job-${i}`, config })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
    const ids = answers.map((a) => a.body.job_id as number);
    expect(new Set(ids).size).toBe(30);
    for (const server of [one, two]) {
      const list = await get(server, `${jobs}?per_page=100`);
      expect(list.status).toBe(200);
      expect((list.body.jobs as { job_id: number }[]).map((j) => j.job_id).sort((a, b) => a - b)).toEqual(
        [...ids].sort((a, b) => a - b),
      );
    }
  });

  test("one name created through both at once: one job, the other is 409 ModelArts.0103", async () => {
    const answers = await Promise.all(
      [one, two, one, two].map((server) => call(server, "POST", jobs, { job_name: "twin", config })),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a.status).toBe(409);
      expect(a.body.error_code).toBe("ModelArts.0103");
    }
  });
});

interface WatchEvent {
  type: string;
  object: { metadata: { name: string; resourceVersion: string } };
}

/** A watch stream (`…?watch=true`): its events as they arrive, one JSON line each. */
function openWatch(server: ServerProcess, path: string) {
  const events: WatchEvent[] = [];
  let status = 0;
  let ended = false;
  let buffer = "";
  const req = http.get(`${server.url}${path}`, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
    status = res.statusCode ?? 0;
    res.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") events.push(JSON.parse(line) as WatchEvent);
    });
    res.on("end", () => (ended = true));
  });
  req.on("error", () => (ended = true));
  return {
    events,
    /** Resolves once `check` holds; fails if the stream ends first. */
    async until(check: () => boolean, what: string): Promise<void> {
      while (!check()) {
        if (ended) throw new Error(`the watch ended (status ${status}) before ${what}: ${JSON.stringify(events)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => req.destroy(),
  };
}

test("a watch on each process sees the writes made through the other, in order, none lost or repeated", async () => {
  const from = (await get(one, tfjobs)).body.metadata.resourceVersion as string;
  const path = `${tfjobs}?watch=true&resourceVersion=${from}`;
  const [onOne, onTwo] = [openWatch(one, path), openWatch(two, path)];
  try {
    // Writes through both at once: each object is created, patched and deleted, by one process,
    // while the other process does the same to other objects.
    const count = 12;
    const acknowledged: { name: string; type: string; rv: number }[] = [];
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const server = i % 2 ? one : two;
        const name = `watched-${i}`;
        const created = await call(server, "POST", tfjobs, tfJob(name));
        expect(created.status).toBe(201);
        acknowledged.push({ name, type: "ADDED", rv: rv(created) });
        const patched = await patch(server, name, { metadata: { labels: { step: "patched" } } });
        expect(patched.status).toBe(200);
        acknowledged.push({ name, type: "MODIFIED", rv: rv(patched) });
        expect((await call(server, "DELETE", `${tfjobs}/${name}`)).status).toBe(200);
      }),
    );
    // One more write: once its event is in, every event before it is in too.
    const marker = await call(two, "POST", tfjobs, tfJob("watch-marker"));
    expect(marker.status).toBe(201);
    const sawMarker = (w: ReturnType<typeof openWatch>) => () =>
      w.events.some((e) => e.object.metadata.name === "watch-marker");
    await onOne.until(sawMarker(onOne), "the marker on one");
    await onTwo.until(sawMarker(onTwo), "the marker on two");

    for (const watch of [onOne, onTwo]) {
      const seen = watch.events.map((e) => ({
        name: e.object.metadata.name,
        type: e.type,
        rv: Number(e.object.metadata.resourceVersion),
      }));
      // Only what was written after `from`, each write once, in resourceVersion order.
      expect(seen.at(-1)).toEqual({ name: "watch-marker", type: "ADDED", rv: rv(marker) });
      const writes = seen.slice(0, -1);
      expect(writes).toHaveLength(3 * count);
      for (let k = 1; k < seen.length; k++) expect(seen[k]!.rv).toBeGreaterThan(seen[k - 1]!.rv);
      expect(Math.min(...seen.map((e) => e.rv))).toBeGreaterThan(Number(from));
      // Every acknowledged create and patch, with the resourceVersion its answer had.
      expect(writes.filter((e) => e.type !== "DELETED")).toEqual([...acknowledged].sort((a, b) => a.rv - b.rv));
      // Each object: added, modified, deleted, in that order.
      for (let i = 0; i < count; i++) {
        expect(writes.filter((e) => e.name === `watched-${i}`).map((e) => e.type)).toEqual([
          "ADDED",
          "MODIFIED",
          "DELETED",
        ]);
      }
    }
    expect(onTwo.events).toEqual(onOne.events);
  } finally {
    onOne.close();
    onTwo.close();
  }
});

test("kill -9 of one process under write load: the other goes on writing and has every acknowledged write", async () => {
  const doomed = await start();
  const acknowledged: string[] = [];
  let stop = false;
  const writer = async (server: ServerProcess, w: number) => {
    for (let i = 0; !stop; i++) {
      const name = `k${w}-${i}`;
      const res = await call(server, "POST", tfjobs, tfJob(name)).catch(() => undefined);
      if (res?.status === 201) acknowledged.push(name);
    }
  };
  // Writers on both: the survivor's queue behind the doomed one's transactions on the revision row.
  const writers = [0, 1, 2, 3].map((w) => writer(w % 2 ? doomed : two, w));
  const deadline = Date.now() + 15_000;
  while (acknowledged.filter((n) => /^k[13]-/.test(n)).length < 20 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  doomed.proc.kill("SIGKILL");
  expect((await doomed.exited).signal).toBe("SIGKILL");
  // The survivor's writes go on after the kill.
  const before = acknowledged.length;
  while (acknowledged.length < before + 20 && Date.now() < deadline + 15_000)
    await new Promise((r) => setTimeout(r, 20));
  stop = true;
  await Promise.all(writers);
  expect(acknowledged.length).toBeGreaterThanOrEqual(before + 20);
  expect(acknowledged.filter((n) => /^k[13]-/.test(n)).length).toBeGreaterThanOrEqual(20);
  const stored = new Set(names(await get(one, tfjobs)));
  expect(acknowledged.filter((n) => !stored.has(n))).toEqual([]);
});

describe("the password in DATABASE_URL", () => {
  const password = "s3cret-Pa55";
  const withPassword = (url: string) => {
    const u = new URL(url);
    u.password = password;
    return u.toString();
  };

  test("is never in the startup log; the log shows the URL with *** in its place", async () => {
    // The throwaway cluster trusts local connections: the password is sent and not checked. The
    // scheme is libpq's other spelling, postgresql://, and a query parameter is given too.
    const url = `${withPassword(databaseUrl).replace(/^postgres:/, "postgresql:")}?application_name=x`;
    const server = await start({ DATABASE_URL: url, LOG_LEVEL: "debug" });
    const listening = await server.waitForLog((l) => l.msg === "trainjobs server listening");
    const shown = new URL(databaseUrl.replace(/^postgres:/, "postgresql:"));
    shown.password = "***";
    expect(listening.database).toBe(shown.toString());
    expect((await get(server, `${tfjobs}`)).status).toBe(200);
    expect((await server.stop()).code).toBe(0);
    expect(server.stdout()).not.toContain(password);
    expect(server.stderr()).not.toContain(password);
  });

  test("is not in the fatal line when the database cannot be opened", async () => {
    const missing = new URL(databaseUrl);
    missing.pathname = "/no_such_database";
    const server = await spawnServer({ cwd: dir, env: { ...env, DATABASE_URL: withPassword(missing.toString()) } });
    started.add(server);
    expect((await server.exited).code).toBe(1);
    const fatal = server.logs().find((l) => l.level === 60);
    expect(fatal?.msg).toMatch(
      /^cannot start: DATABASE_URL postgres:\/\/postgres:\*\*\*@.*no_such_database.*does not exist/,
    );
    expect(server.stdout()).not.toContain(password);
    expect(server.stderr()).not.toContain(password);
  });
});
