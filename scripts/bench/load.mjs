// @ts-check
// The request mixes a benchmark sends, the same to the reference server and to the baseline.
import http from "node:http";
import autocannon from "autocannon";
import { benchToken } from "./processes.mjs";

const headers = { authorization: `Bearer ${benchToken}`, "content-type": "application/json" };
const collection = (/** @type {string} */ ns) => `/apis/kubeflow.org/v1/namespaces/${ns}/tfjobs`;

/** @param {string} name @param {string} namespace */
export function tfJob(name, namespace) {
  return {
    apiVersion: "kubeflow.org/v1",
    kind: "TFJob",
    metadata: { name, namespace, labels: { app: "bench" } },
    spec: {
      cleanPodPolicy: "Running",
      tfReplicaSpecs: {
        Worker: {
          replicas: 2,
          restartPolicy: "OnFailure",
          template: { spec: { containers: [{ name: "tensorflow", image: "tensorflow/tensorflow:2.15.0" }] } },
        },
      },
    },
  };
}

/**
 * @param {string} base
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 */
export async function call(base, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(method === "PATCH" ? { "content-type": "application/merge-patch+json" } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** The objects every mix reads or writes: one to patch and read, 100 in a namespace to list. */
export async function seed(/** @type {string} */ base) {
  await call(base, "POST", collection("bench"), tfJob("target", "bench"));
  for (let i = 0; i < 100; i++) await call(base, "POST", collection("bench-list"), tfJob(`job-${i}`, "bench-list"));
}

/**
 * @typedef {object} Figures
 * @property {number} rps requests per second (mean)
 * @property {number} p50 latency, ms
 * @property {number} p99 latency, ms
 * @property {number} errors non-2xx answers, timeouts and socket errors
 */

/**
 * @param {string} base
 * @param {"PATCH" | "GET" | "LIST" | "CREATE"} mix
 * @param {{ connections: number; seconds: number; round: number }} options
 * @returns {Promise<Figures>}
 */
export async function run(base, mix, { connections, seconds, round }) {
  let n = 0;
  /** @type {import("autocannon").Request} */
  const request =
    mix === "PATCH"
      ? {
          method: "PATCH",
          path: `${collection("bench")}/target`,
          headers: { ...headers, "content-type": "application/merge-patch+json" },
          // Each patch changes the object: an unchanged object is not written, and would not measure a write.
          setupRequest: (req) => ({ ...req, body: `{"metadata":{"labels":{"rev":"r${round}-${n++}"}}}` }),
        }
      : mix === "GET"
        ? { method: "GET", path: `${collection("bench")}/target`, headers }
        : mix === "LIST"
          ? { method: "GET", path: collection("bench-list"), headers }
          : {
              method: "POST",
              path: collection(`bench-create-${round}`),
              headers,
              setupRequest: (req) => ({ ...req, body: JSON.stringify(tfJob(`c-${n++}`, `bench-create-${round}`)) }),
            };
  const result = await autocannon({ url: base, connections, duration: seconds, requests: [request] });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

/**
 * A watch fan-out: `watchers` watches of the `bench` namespace, and one writer patching the
 * target as fast as it is answered for `seconds`. Events per second delivered, over all watchers.
 * @param {string} base
 * @param {{ watchers: number; seconds: number; round: number }} options
 * @returns {Promise<{ eventsPerSecond: number; writes: number; errors: number } | undefined>}
 */
export async function watchFanOut(base, { watchers, seconds, round }) {
  const url = new URL(`${base}${collection("bench")}?watch=true`);
  let events = 0;
  let errors = 0;
  /** @type {http.ClientRequest[]} */
  const requests = [];
  const opened = await Promise.all(
    Array.from(
      { length: watchers },
      () =>
        new Promise((resolve) => {
          const req = http.get(url, { headers, agent: false }, (res) => {
            if (res.statusCode !== 200) {
              res.resume();
              return resolve(false);
            }
            let buffered = "";
            res.on("data", (chunk) => {
              buffered += chunk;
              let nl = buffered.indexOf("\n");
              while (nl >= 0) {
                if (buffered.slice(0, nl).trim()) events++;
                buffered = buffered.slice(nl + 1);
                nl = buffered.indexOf("\n");
              }
            });
            res.on("error", () => {});
            resolve(true);
          });
          req.on("error", () => resolve(false));
          requests.push(req);
        }),
    ),
  );
  if (!opened.every(Boolean)) {
    for (const req of requests) req.destroy();
    return undefined;
  }
  const before = events;
  let writes = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    try {
      await call(base, "PATCH", `${collection("bench")}/target`, {
        metadata: { labels: { w: `r${round}-${writes}` } },
      });
      writes++;
    } catch {
      errors++;
    }
  }
  // Let the last events reach their watchers: every watcher is owed one event per write.
  const expected = before + writes * watchers;
  const drainUntil = performance.now() + 5_000;
  while (events < expected && performance.now() < drainUntil) await new Promise((r) => setImmediate(r));
  const elapsed = (performance.now() - started) / 1000;
  for (const req of requests) req.destroy();
  return { eventsPerSecond: (events - before) / elapsed, writes, errors: errors + Math.max(0, expected - events) };
}
