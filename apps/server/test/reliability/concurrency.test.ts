// Concurrency: many writers on one object lose no update, every write gets its own, increasing
// resourceVersion, and 409 comes only from a stale precondition (or a create of a taken name),
// also while objects are deleted and created again under the writers. On both engines: SQLite,
// whose writes are serialised in the process, and PostgreSQL, whose writers race through a pool of
// connections and meet at its revision row, as writers of several processes do.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, testServer } from "../helpers.js";
import { creatable, mergePatch } from "../seeds.js";
import { engineSetupTimeoutMs, engines, freshDatabase, stopEngines } from "../support/engines.js";

afterAll(stopEngines);

describe.each(engines)("%s", (engine) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await testServer({ databaseUrl: await freshDatabase(engine) });
  }, engineSetupTimeoutMs);
  afterAll(() => s?.close());

  const tfjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";
  const create = async (name: string) => {
    const obj = creatable("TFJobSeed");
    obj.metadata = { name };
    return s.api.post(tfjobs).send(obj);
  };
  const patch = (name: string, body: unknown) =>
    s.api.patch(`${tfjobs}/${name}`).set("Content-Type", mergePatch).send(JSON.stringify(body));
  const rv = (res: { body: { metadata: { resourceVersion: string } } }) => Number(res.body.metadata.resourceVersion);

  describe("50 writers on one object", () => {
    test("patches without a precondition: all succeed, none is lost, resourceVersions unique", async () => {
      const created = await create("fifty");
      expect(created.status).toBe(201);
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => patch("fifty", { metadata: { labels: { [`w${i}`]: "x" } } })),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
      const versions = answers.map(rv);
      expect(new Set(versions).size).toBe(50);
      expect(Math.min(...versions)).toBeGreaterThan(rv(created));
      const final = await s.api.get(`${tfjobs}/fifty`);
      expect(Object.keys(final.body.metadata.labels).sort()).toEqual(
        Array.from({ length: 50 }, (_, i) => `w${i}`).sort(),
      );
      expect(rv(final)).toBe(Math.max(...versions));
    });

    test("writers with the same precondition: exactly one wins, the others are 409 Conflict", async () => {
      const created = await create("one-wins");
      const base = created.body;
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          i % 2
            ? patch("one-wins", {
                metadata: { resourceVersion: base.metadata.resourceVersion, labels: { i: String(i) } },
              })
            : s.api
                .put(`${tfjobs}/one-wins`)
                .send({ ...base, metadata: { ...base.metadata, labels: { i: String(i) } } }),
        ),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((x) => x === 200)).toHaveLength(1);
      expect(statuses.filter((x) => x === 409)).toHaveLength(49);
      for (const a of answers.filter((x) => x.status === 409)) expect(a.body.reason).toBe("Conflict");
    });

    test("read-modify-write with preconditions and retries: a counter loses no increment", async () => {
      await s.api
        .post(tfjobs)
        .send({ ...creatable("TFJobSeed"), metadata: { name: "counter", annotations: { n: "0" } } });
      const increment = async () => {
        for (;;) {
          const current = await s.api.get(`${tfjobs}/counter`);
          const n = Number(current.body.metadata.annotations.n);
          const res = await patch("counter", {
            metadata: { resourceVersion: current.body.metadata.resourceVersion, annotations: { n: String(n + 1) } },
          });
          if (res.status === 200) return rv(res);
          expect(res.status).toBe(409);
        }
      };
      // 20 writers: with retries, n writers make about n²/2 attempts.
      const versions = await Promise.all(Array.from({ length: 20 }, increment));
      expect(new Set(versions).size).toBe(20);
      expect((await s.api.get(`${tfjobs}/counter`)).body.metadata.annotations.n).toBe("20");
    });
  });

  test("writers racing deletes and re-creates: only expected answers, unique resourceVersions, no 409 without a precondition", async () => {
    const name = "churn";
    const versions: number[] = [];
    const uids = new Set<string>();
    const unexpected: string[] = [];
    const record = (what: string, res: { status: number; body: any }, allowed: number[]) => {
      if (!allowed.includes(res.status))
        unexpected.push(`${what} ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      if (res.status === 200 || res.status === 201) {
        if (res.body.kind === "TFJob") {
          versions.push(rv(res));
          uids.add(res.body.metadata.uid);
        }
      }
    };
    const rounds = 15;
    const patcher = async (w: number) => {
      for (let i = 0; i < rounds; i++)
        record("patch", await patch(name, { metadata: { labels: { [`p${w}`]: String(i) } } }), [200, 404]);
    };
    const deleter = async () => {
      for (let i = 0; i < rounds; i++) record("delete", await s.api.delete(`${tfjobs}/${name}`), [200, 404]);
    };
    const first = await create(name);
    expect(first.status).toBe(201);
    record("create", first, [201]);
    let recreated = 0;
    const creator = async () => {
      for (let i = 0; i < rounds; i++) {
        const res = await create(name);
        if (res.status === 201) recreated++;
        // A taken name is the only 409 a create may get.
        record("create", res, [201, 409]);
        if (res.status === 409) expect(res.body.reason).toBe("AlreadyExists");
      }
    };
    const stale = async () => {
      // A precondition on a version that was current once: 200 if still current, else 409 or 404.
      for (let i = 0; i < rounds; i++) {
        const current = await s.api.get(`${tfjobs}/${name}`);
        if (current.status !== 200) continue;
        await new Promise((r) => setTimeout(r, 1));
        record(
          "conditional patch",
          await patch(name, {
            metadata: { resourceVersion: current.body.metadata.resourceVersion, labels: { c: String(i) } },
          }),
          [200, 404, 409],
        );
      }
    };
    await Promise.all([patcher(0), patcher(1), patcher(2), patcher(3), deleter(), creator(), creator(), stale()]);
    expect(unexpected).toEqual([]);
    expect(new Set(versions).size).toBe(versions.length);
    // Each re-create made a new object (a new uid); how many there were depends on the interleaving.
    expect(uids.size).toBe(1 + recreated); // the object was re-created under the writers
    // Whatever is left is consistent: its resourceVersion is the newest write to it.
    const final = await s.api.get(`${tfjobs}/${name}`);
    if (final.status === 200) expect(versions).toContain(rv(final));
  });
});
