// @ts-check
// `npm run bench -- scale`: PATCH and GET p99 with 1k, 100k and 1M stored objects; paging through
// 100k objects with limit/continue and the server's memory meanwhile; start-up time and database
// size. Objects are written straight into the store (the server's own engine, as it stores them),
// since creating a million through HTTP would measure create, not scale.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { call, run, tfJob } from "./load.mjs";
import { repo, startServer } from "./processes.mjs";
import { fmt } from "./server.mjs";

const resource = "tfjobs.kubeflow.org";
const pageNamespace = "scale-page";
const pagedObjects = 100_000;

/**
 * @param {{ seconds: number; connections: number; sizes: number[] }} options
 * @returns {Promise<string>}
 */
export async function scaleBench({ seconds, connections, sizes }) {
  const dir = mkdtempSync(join(tmpdir(), "trainjobs-scale-"));
  const dbFile = join(dir, "trainjobs.db");
  const { openStore } = await import(pathToFileURL(join(repo, "apps/server/dist/store/index.js")).href);
  const rows = [];
  let stored = 0;
  try {
    for (const size of [...sizes].sort((a, b) => a - b)) {
      const store = await openStore(`sqlite:${dbFile}`);
      const seedStart = performance.now();
      for (; stored < size; stored++) {
        const namespace = stored < pagedObjects ? pageNamespace : "scale-bulk";
        const name = `job-${stored}`;
        const obj = tfJob(name, namespace);
        const meta = /** @type {Record<string, unknown>} */ (obj.metadata);
        Object.assign(meta, {
          uid: randomUUID(),
          creationTimestamp: new Date().toISOString().slice(0, 19) + "Z",
          generation: 1,
        });
        await store.create(
          { resource, namespace, name },
          {
            labels: obj.metadata.labels,
            encode: (/** @type {number} */ rev) =>
              JSON.stringify({ ...obj, metadata: { ...meta, resourceVersion: String(rev) } }),
          },
        );
      }
      await store.close();
      const seeded = (performance.now() - seedStart) / 1000;

      const startedAt = performance.now();
      const server = await startServer({ dir });
      const startup = performance.now() - startedAt;
      try {
        if (size === sizes[0])
          await call(server.url, "POST", "/apis/kubeflow.org/v1/namespaces/bench/tfjobs", tfJob("target", "bench"));
        const patch = await run(server.url, "PATCH", { connections, seconds, round: size });
        const get = await run(server.url, "GET", { connections, seconds, round: size });
        const rssBefore = server.peakRssBytes();
        const paged = await pageThrough(server.url);
        const rssAfter = server.peakRssBytes();
        rows.push(
          `| ${fmt(size)} | ${patch.p99} | ${get.p99} | ${fmt(patch.rps)} | ${fmt(get.rps)} | ${fmt(paged.items)} in ${paged.seconds.toFixed(1)} s | ${mib(rssBefore)} → ${mib(rssAfter)} | ${startup.toFixed(0)} ms | ${mib(statSync(dbFile).size)} | ${seeded.toFixed(0)} s |`,
        );
        console.error(`  ${size}: PATCH p99 ${patch.p99} ms, GET p99 ${get.p99} ms`);
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    `${connections} connections, ${seconds} s per mix. Paging: limit=500 with continue over the ${fmt(pagedObjects)} objects of one namespace (all of them below that size). Peak RSS is the server's high-water mark before and after paging.`,
    "",
    "| stored objects | PATCH p99 ms | GET p99 ms | PATCH req/s | GET req/s | paging | server peak RSS | start-up | database | seeding |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** @param {string} base */
async function pageThrough(base) {
  const started = performance.now();
  let items = 0;
  let token = "";
  do {
    const page = await call(
      base,
      "GET",
      `/apis/kubeflow.org/v1/namespaces/${pageNamespace}/tfjobs?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ""}`,
    );
    items += page.items.length;
    token = page.metadata.continue ?? "";
  } while (token);
  return { items, seconds: (performance.now() - started) / 1000 };
}

/** @param {number} bytes */
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
