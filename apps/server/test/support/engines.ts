// The storage engines the tests that depend on storage run on, each test file on both: SQLite (a
// file, or memory) and PostgreSQL (a fresh database of a throwaway cluster, started on the file's
// first use of it; see postgres.ts). Call stopEngines() in the file's afterAll.
import { join } from "node:path";
import { startPostgres, type TestPostgres } from "./postgres.js";

export type Engine = "sqlite" | "postgres";
export const engines: readonly Engine[] = ["sqlite", "postgres"];

/** Starting a cluster (initdb) takes seconds on a loaded machine: a beforeAll's timeout. */
export const engineSetupTimeoutMs = 120_000;

let cluster: Promise<TestPostgres> | undefined;

/**
 * The DATABASE_URL of an empty database of `engine`: for SQLite a file in `dir`, or memory
 * without one; for PostgreSQL a database of its own on the file's cluster.
 */
export async function freshDatabase(engine: Engine, dir?: string): Promise<string> {
  if (engine === "sqlite") return dir === undefined ? "sqlite::memory:" : `sqlite:${join(dir, "db", "trainjobs.db")}`;
  cluster ??= startPostgres();
  return (await cluster).createDatabase();
}

/** The PostgreSQL cluster's admin URL (starting it if need be), for checks on the database itself. */
export async function postgresAdminUrl(): Promise<string> {
  cluster ??= startPostgres();
  return (await cluster).adminUrl;
}

/** Stops the cluster if this file started one. */
export async function stopEngines(): Promise<void> {
  const started = cluster;
  cluster = undefined;
  if (started !== undefined) await (await started.catch(() => undefined))?.stop();
}
