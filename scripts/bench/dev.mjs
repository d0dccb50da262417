// @ts-check
// `npm run bench -- dev`: the designer's loop, timed. Starts `npm run dev` (scripts/dev/dev.mjs) on
// this repository with a throwaway database and port, then edits a schema's description and times,
// from the save, until the served /openapi.json, the generated types (packages/types/src/generated/
// schema.ts, then the compiled dist/generated/schema.d.ts) and the served docs page carry it. The
// description is restored afterwards and the loop waited for, so the outputs match the sources.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { repo } from "./processes.mjs";

const schemaFile = join(repo, "openapi/components/schemas/ContainerPort.yaml");
const typesFile = join(repo, "packages/types/src/generated/schema.ts");
const typesDistFile = join(repo, "packages/types/dist/generated/schema.d.ts");
const original = "description: A network port of a container.";

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * CPU seconds a process used, its reaped children's included (/proc/<pid>/stat: utime, stime,
 * cutime, cstime, in clock ticks of 1/100 s), plus its live children's own (the dev loop's server).
 * @param {number} pid
 * @returns {number}
 */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const own = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0) / 100;
    const children = read(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/).filter(Boolean).map(Number);
    return own + children.reduce((sum, child) => sum + cpuSeconds(child), 0);
  } catch {
    return 0;
  }
}

/** @param {string} url */
async function text(url) {
  try {
    const res = await fetch(url);
    return res.ok ? await res.text() : "";
  } catch {
    return "";
  }
}

/** @param {string} file */
const read = (file) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};

/**
 * Polls `check` every 50 ms until it holds; the elapsed ms since `since`.
 * @param {() => boolean | Promise<boolean>} check
 * @param {number} since
 * @param {string} what
 */
async function until(check, since, what, timeoutMs = 180_000) {
  while (!(await check())) {
    if (performance.now() - since > timeoutMs) throw new Error(`dev bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return performance.now() - since;
}

/** @param {{ rounds: number }} options @returns {Promise<string>} */
export async function devBench({ rounds }) {
  const source = readFileSync(schemaFile, "utf8");
  if (!source.includes(original)) throw new Error(`dev bench: ${schemaFile} no longer has "${original}"`);
  const dir = mkdtempSync(join(tmpdir(), "trainjobs-dev-bench-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  const dev = spawn(process.execPath, [join(repo, "scripts/dev/dev.mjs")], {
    cwd: dir,
    env: {
      ...process.env,
      INIT_CWD: dir,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: `sqlite:${join(dir, "db.sqlite")}`,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  dev.stdout.on("data", (chunk) => (log += chunk));
  dev.stderr.on("data", (chunk) => (log += chunk));
  const roundsDone = () => log.match(/dev: round \d+ (ok|failed)/g)?.length ?? 0;
  /** @type {{ served: number, types: number, typesDist: number, docs: number, round: number, cpu: number }[]} */
  const results = [];
  try {
    const start = performance.now();
    await until(async () => roundsDone() >= 1 && (await text(`${url}/readyz`)) !== "", start, "the first round");
    for (let i = 0; i < rounds; i++) {
      const mark = `Bench edit ${Date.now()}.`;
      const before = roundsDone();
      const cpuBefore = cpuSeconds(dev.pid ?? 0);
      const saved = performance.now();
      writeFileSync(schemaFile, source.replace(original, `description: ${mark}`));
      const waits = await Promise.all([
        until(async () => (await text(`${url}/openapi.json`)).includes(mark), saved, "/openapi.json"),
        until(() => read(typesFile).includes(mark), saved, "the types"),
        until(() => read(typesDistFile).includes(mark), saved, "the compiled types"),
        until(async () => (await text(`${url}/docs`)).includes(mark), saved, "the docs"),
        until(() => roundsDone() > before, saved, "the round's end"),
      ]);
      const [served = 0, types = 0, typesDist = 0, docs = 0, round = 0] = waits;
      results.push({ served, types, typesDist, docs, round, cpu: cpuSeconds(dev.pid ?? 0) - cpuBefore });
    }
  } catch (err) {
    console.error(log);
    throw err;
  } finally {
    const before = roundsDone();
    writeFileSync(schemaFile, source);
    await until(() => roundsDone() > before, performance.now(), "the restoring round").catch(() => undefined);
    const exited = new Promise((resolve) => dev.once("exit", resolve));
    dev.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
  const s = (/** @type {number} */ ms) => `${(ms / 1000).toFixed(1)} s`;
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(", ");
  return [
    `Each row one save of a schema description under \`npm run dev\`; times from the save (${rounds} saves). Load average at the end: ${load} (the machine's other users count: the steps are CPU-bound).`,
    "",
    "CPU: the seconds of CPU the loop's processes used for the save (lint, bundle, types, docs, the server's swap),",
    "the least wall time on an idle machine being about half of it on 2 cores.",
    "",
    "| save | /openapi.json served | types (schema.ts) | types (dist .d.ts) | /docs served | round done | CPU |",
    "|---|---|---|---|---|---|---|",
    ...results.map(
      (r, i) =>
        `| ${i + 1} | ${s(r.served)} | ${s(r.types)} | ${s(r.typesDist)} | ${s(r.docs)} | ${s(r.round)} | ${r.cpu.toFixed(1)} s |`,
    ),
  ].join("\n");
}
