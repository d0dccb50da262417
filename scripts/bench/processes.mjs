// @ts-check
// Starting the servers a benchmark measures, as separate processes: the reference server built the
// way `npm start` builds it, and the bare node:http baseline beside this file.
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = fileURLToPath(new URL("../../", import.meta.url));
export const benchToken = "bench-token";

/**
 * @typedef {object} Running
 * @property {string} url
 * @property {number} pid
 * @property {() => number} peakRssBytes the process's high-water resident set size (Linux VmHWM)
 * @property {() => Promise<void>} stop
 */

/**
 * Spawns a node program and resolves once it logs the URL it listens on (a `"url"` field in a JSON
 * line, or a line `listening <url>`).
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {string} logFile where stdout and stderr go (the server's access log included)
 * @returns {Promise<Running>}
 */
function startNode(args, env, logFile) {
  const out = openSync(logFile, "w");
  const child = spawn(process.execPath, args, { cwd: repo, env, stdio: ["ignore", out, out] });
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      const log = readFileSync(logFile, "utf8");
      const url = /"url":"([^"]+)"/.exec(log)?.[1] ?? /^listening (\S+)$/m.exec(log)?.[1];
      if (url) {
        clearInterval(poll);
        resolve({
          url,
          pid: child.pid ?? 0,
          peakRssBytes: () => peakRss(child.pid ?? 0),
          stop: () =>
            new Promise((done) => {
              child.once("exit", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    }, 20);
    child.once("exit", (code) => {
      clearInterval(poll);
      reject(new Error(`${args.join(" ")} exited (${code}) before listening:\n${readFileSync(logFile, "utf8")}`));
    });
  });
}

/** @param {number} pid */
function peakRss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

/**
 * The reference server on a SQLite file in a fresh directory (or the one given), with one
 * system:masters token, logging at its default level to a file.
 * @param {{ dir?: string; env?: NodeJS.ProcessEnv }} [options]
 */
export async function startServer(options = {}) {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "trainjobs-bench-"));
  const tokenFile = join(dir, "tokens.csv");
  writeFileSync(tokenFile, `${benchToken},bench,bench-uid,"system:masters"\n`);
  const running = await startNode(
    [join(repo, "apps/server/dist/main.js")],
    {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: `sqlite:${join(dir, "trainjobs.db")}`,
      TOKEN_FILE: tokenFile,
      CONTROLLER: "off",
      ...options.env,
    },
    join(dir, "server.log"),
  );
  return {
    ...running,
    dir,
    stop: async () => {
      await running.stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The bare node:http baseline (baseline.mjs): the same answers, no validation, auth or storage. */
export async function startBaseline() {
  const dir = mkdtempSync(join(tmpdir(), "trainjobs-baseline-"));
  const running = await startNode(
    [fileURLToPath(new URL("baseline.mjs", import.meta.url))],
    process.env,
    join(dir, "log"),
  );
  return {
    ...running,
    stop: async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
