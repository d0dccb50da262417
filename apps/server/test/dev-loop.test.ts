// `npm run dev` (scripts/dev/dev.mjs) carries a spec edit to the served /openapi.json, and a spec
// that lint rejects stops at lint, reported by file and line, while the server keeps serving the
// last good bundle. On a copy of the openapi package (`--openapi`), without the types and docs
// steps, so that the repository's own spec and outputs are never touched.
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, test } from "vitest";
import { freePort } from "../src/testing.js";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "trainjobs-dev-loop-"));
const spec = join(work, "openapi");
let dev: ChildProcess | undefined;
let output = "";

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev?.once("exit", resolve));
    dev.kill("SIGTERM");
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

/** Resolves once `check` answers true, checking after each line the dev process prints. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (dev?.exitCode !== null) throw new Error(`dev exited while waiting for ${what}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output}`);
    // The next thing the dev process prints, or a tenth of a second: a poll of the served state.
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        dev?.stdout?.off("data", done);
        resolve();
      };
      const timer = setTimeout(done, 100);
      dev?.stdout?.on("data", done);
    });
  }
}

async function served(url: string): Promise<string> {
  try {
    const res = await fetch(`${url}/openapi.json`);
    return res.ok ? await res.text() : "";
  } catch {
    return ""; // restarting
  }
}

const rounds = (state: "ok" | "failed") => output.match(new RegExp(`dev: round \\d+ ${state}`, "g"))?.length ?? 0;

test("a spec edit reaches the served /openapi.json; a broken spec stops at lint", async () => {
  cpSync(join(repo, "openapi"), spec, {
    recursive: true,
    filter: (src) => !["node_modules", "dist", ".turbo", "test"].includes(basename(src)),
  });
  symlinkSync(join(repo, "node_modules"), join(spec, "node_modules"), "dir");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  dev = spawn(process.execPath, [join(repo, "scripts/dev/dev.mjs"), "--openapi", spec, "--no-docs", "--no-types"], {
    cwd: work,
    env: {
      ...process.env,
      INIT_CWD: work,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: `sqlite:${join(work, "db.sqlite")}`,
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  dev.stdout?.on("data", (chunk) => (output += chunk));
  dev.stderr?.on("data", (chunk) => (output += chunk));

  await until("the first round and the server", async () => rounds("ok") === 1 && (await served(url)) !== "");

  const schema = join(spec, "components/schemas/ContainerPort.yaml");
  const original = readFileSync(schema, "utf8");
  writeFileSync(schema, original.replace("description: A network port of a container.", "description: Edited in dev."));
  let text = "";
  await until("the edit served", async () => {
    text = await served(url);
    return text.includes("Edited in dev.");
  });
  expect(JSON.parse(text).components.schemas.ContainerPort.description).toBe("Edited in dev.");
  // Swapped in by the running server, not by a restart.
  expect(output).toContain("dev: serving the new bundle");
  await until("the round's end", () => rounds("ok") >= 2);

  writeFileSync(schema, original.replace("containerPort:\n    type: integer", "containerPort:\n    type: integr"));
  await until("the failed round", () => rounds("failed") >= 1);
  expect(output).toMatch(/openapi\/components\/schemas\/ContainerPort\.yaml:9:11 +struct/);
  expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  // The server still serves the last good bundle, and tells the docs page why it is stale.
  expect(await served(url)).toContain("Edited in dev.");
  const live = await fetch(`${url}/docs/_live`);
  const reader = live.body?.getReader();
  let events = "";
  while (reader && !/event: status\ndata: ".+"\n\n/.test(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    events += new TextDecoder().decode(value);
  }
  await reader?.cancel();
  expect(events).toMatch(/event: status\ndata: ".*ContainerPort\.yaml:9:11 +struct/);
}, 240_000);
