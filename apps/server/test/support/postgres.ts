// A PostgreSQL server for tests. If DATABASE_URL names a postgres server, it is used as is (its
// user must be allowed to create databases); otherwise a throwaway cluster is started: initdb and
// pg_ctl as the `postgres` OS user when running as root (PostgreSQL refuses to run as root), in a
// fresh temporary directory, on a free port of 127.0.0.1, with its Unix socket in that directory.
// Each caller gets databases of its own (createDatabase), so test files and tests are isolated.
// stop() stops the cluster (immediate mode: nothing in it is worth a clean shutdown) and removes
// the directory.
//
// The server binaries are looked for in PG_BIN, then in /usr/lib/postgresql/<newest>/bin (Debian's
// layout), then on PATH; without them the set-up fails with a message saying what to install.

import { execFile, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface TestPostgres {
  /** A URL of the server's maintenance database (`postgres`), for admin work. */
  adminUrl: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Drops the databases made here; stops and removes the cluster if it was started here. */
  stop(): Promise<void>;
}

const adminUser = "postgres";
let counter = 0;

/** The directory holding initdb, pg_ctl and postgres; throws a clear error when there is none. */
export function findPostgresBin(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) candidates.push(join(debian, version, "bin"));
  }
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir) candidates.push(dir);
  const found = candidates.find((dir) => ["initdb", "pg_ctl", "postgres"].every((b) => existsSync(join(dir, b))));
  if (found === undefined) {
    throw new Error(
      "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in PG_BIN, /usr/lib/postgresql/*/bin or PATH. " +
        "Install them (Debian: apt-get install -y postgresql) or set DATABASE_URL=postgres://… to a server whose user may CREATE DATABASE.",
    );
  }
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The uid and gid of the `postgres` user, when this process is root and must switch to it. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${adminUser}:`));
  if (line === undefined) {
    throw new Error(
      "running as root, and there is no `postgres` OS user to run PostgreSQL as (apt-get install -y postgresql makes one)",
    );
  }
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Runs a PostgreSQL binary, as the postgres user when root. */
async function runAs(user: { uid: number } | undefined, file: string, args: string[]): Promise<void> {
  const [command, argv] = user === undefined ? [file, args] : ["runuser", ["-u", adminUser, "--", file, ...args]];
  try {
    await run(command, argv, { timeout: 120_000 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${file} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

async function waitUntilAccepting(url: string, log: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        const tail = existsSync(log) ? readFileSync(log, "utf8").slice(-2_000) : "";
        throw new Error(`PostgreSQL did not accept connections within 60 s: ${(err as Error).message}\n${tail}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function admin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Starts (or, per DATABASE_URL, reuses) a PostgreSQL server; see the file's comment. */
export async function startPostgres(): Promise<TestPostgres> {
  const given = process.env.DATABASE_URL;
  if (given !== undefined && /^postgres(ql)?:\/\//.test(given)) return serverAt(given, undefined);

  const bin = findPostgresBin();
  const user = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), "trainjobs-pg-"));
  const data = join(dir, "data");
  const socket = join(dir, "socket");
  const log = join(dir, "postgres.log");
  mkdirSync(socket);
  if (user !== undefined) {
    for (const path of [dir, socket]) chownSync(path, user.uid, user.gid);
  }
  chmodSync(dir, 0o700);

  let started = false;
  const stopCluster = async (): Promise<void> => {
    process.off("exit", stopNow);
    if (started) await runAs(user, join(bin, "pg_ctl"), ["stop", "-D", data, "-m", "immediate", "-w"]).catch(() => {});
    started = false;
    rmSync(dir, { recursive: true, force: true });
  };
  // If the test process ends without stop(), the cluster must not outlive it.
  function stopNow(): void {
    if (started) {
      const argv = [join(bin, "pg_ctl"), "stop", "-D", data, "-m", "immediate"];
      if (user === undefined) spawnSync(argv[0]!, argv.slice(1));
      else spawnSync("runuser", ["-u", adminUser, "--", ...argv]);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  process.on("exit", stopNow);

  try {
    await runAs(user, join(bin, "initdb"), [
      "-D",
      data,
      "-U",
      adminUser,
      "--auth=trust",
      "--encoding=UTF8",
      "--locale=C",
      "--no-sync",
    ]);
    const port = await freePort();
    // Durability is of no use in a throwaway cluster; speed is.
    const options = [
      `-p ${port}`,
      "-c listen_addresses=127.0.0.1",
      `-k ${socket}`,
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
      "-c max_connections=200",
    ].join(" ");
    started = true;
    await runAs(user, join(bin, "pg_ctl"), ["start", "-D", data, "-l", log, "-o", options, "-w", "-t", "60"]);
    const adminUrl = `postgres://${adminUser}@127.0.0.1:${port}/postgres`;
    await waitUntilAccepting(adminUrl, log);
    return serverAt(adminUrl, stopCluster);
  } catch (err) {
    await stopCluster();
    throw err;
  }
}

/** `stopCluster` is given when the cluster is ours: stopping it drops its databases with it. */
function serverAt(adminUrl: string, stopCluster: (() => Promise<void>) | undefined): TestPostgres {
  const made: string[] = [];
  return {
    adminUrl,
    async createDatabase() {
      const name = `trainjobs_test_${process.pid}_${Date.now().toString(36)}_${++counter}`;
      await admin(adminUrl, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE template0`));
      made.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      if (stopCluster !== undefined) return stopCluster();
      await admin(adminUrl, async (client) => {
        for (const name of made.splice(0)) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}
