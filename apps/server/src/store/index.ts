// The storage interface: a revisioned key-value store of JSON documents, knowing nothing of
// kinds or HTTP. One global, strictly increasing revision (as etcd's) numbers every write; it is
// the `resourceVersion` of what that write stored. Engines: SQLite (sqlite.ts), for one process,
// and PostgreSQL (postgres.ts), for several processes sharing one database; both must pass
// test/store-conformance.ts. Methods are async so that a networked engine fits the same interface.

import { resolve } from "node:path";

/** Where an object lives: its resource (such as `tfjobs.kubeflow.org`), namespace and name. */
export interface ObjectKey {
  resource: string;
  namespace: string;
  name: string;
}

/** An object as stored: its key, the revision of its last write, its labels and its JSON text. */
export interface StoredObject extends ObjectKey {
  revision: number;
  labels: Readonly<Record<string, string>>;
  /** The JSON text of the object, exactly as the last write's `encode` returned it. */
  body: string;
}

/**
 * Builds the JSON text to store, given the revision this write will get, so that the document can
 * carry its own `resourceVersion` without a second parse and serialisation. It runs inside the
 * write's transaction, once the write's preconditions hold: keep it synchronous and quick. If it
 * throws, the write is undone and the error is the write's.
 */
export type Encode = (revision: number) => string;

/**
 * What the list filter sees of each row; the body is parsed only if a caller needs it. It runs
 * inside the engine's read (or, for deleteCollection, write) transaction: keep it synchronous and
 * do not call the store from it. If it throws, the list or deleteCollection fails as a whole.
 */
export type RowFilter = (row: StoredObject) => boolean;

export interface ListOptions {
  /** Only this namespace; all namespaces when absent. */
  namespace?: string;
  /** Start strictly after this (namespace, name) position, in (namespace, name) order. */
  after?: { namespace: string; name: string };
  /** At most this many matching rows; all when absent or 0. */
  limit?: number;
  /** Rows for which this returns false are skipped and do not count toward `limit`. */
  filter?: RowFilter;
}

export interface ListResult {
  items: StoredObject[];
  /** The store's current revision when the list was read. */
  revision: number;
  /** True when more matching rows follow the last item. */
  more: boolean;
}

export interface WriteInput {
  labels: Readonly<Record<string, string>>;
  encode: Encode;
}

/**
 * One write of an atomic batch (`Store.commit`): what `create`, `update` and `delete` take.
 */
export type BatchWrite =
  | { op: "create"; key: ObjectKey; input: WriteInput }
  | { op: "update"; key: ObjectKey; expectedRevision: number; input: WriteInput }
  | { op: "delete"; key: ObjectKey; expectedRevision?: number };

/**
 * The default bound of the watch history in bytes, in every engine: every write copies its whole
 * object into the history, so a count alone does not bound its size (10,000 events of objects up to
 * 1.5 MiB would be 15 GiB).
 */
export const defaultHistoryBytesLimit = 64 * 1024 * 1024;

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface WatchEvent {
  type: WatchEventType;
  /**
   * For DELETED: the object's last state, with the revision of the delete. Its body is the last
   * write's, so a `resourceVersion` inside it is that write's: whoever serialises the event sets
   * it from `object.revision`.
   */
  object: StoredObject;
}

export interface Store {
  /** The current revision: the revision of the latest write, 0 for an empty store. */
  revision(): Promise<number>;
  get(key: ObjectKey): Promise<StoredObject | undefined>;
  list(resource: string, options?: ListOptions): Promise<ListResult>;
  /** Throws StoreError `AlreadyExists` when the key is taken. */
  create(key: ObjectKey, input: WriteInput): Promise<StoredObject>;
  /**
   * Replaces an object if its revision is still `expectedRevision`. Throws StoreError `NotFound`
   * when absent and `Conflict` when the revision moved: the caller re-reads and retries (a
   * guaranteed update) or reports the conflict.
   */
  update(key: ObjectKey, expectedRevision: number, input: WriteInput): Promise<StoredObject>;
  /**
   * Deletes an object, if its revision is `expectedRevision` when one is given. Returns the object
   * as it was, with the revision of the delete. Throws `NotFound` or `Conflict`.
   */
  delete(key: ObjectKey, expectedRevision?: number): Promise<StoredObject>;
  /**
   * Makes every write of `writes`, in order, in one transaction: all of them or none. Each write
   * behaves as the method of its `op` (same preconditions, same StoreError when refused) and gets
   * its own revision and watch event, as if made alone, with nothing else in between. If any is
   * refused, or an `encode` throws, nothing is written and that error is thrown. Returns what each
   * write returned, in order. For records that must change together, such as a ModelArts job and
   * the key reserving its name.
   */
  commit(writes: readonly BatchWrite[]): Promise<StoredObject[]>;
  /** Deletes, in one transaction, every object that `list` would return (without paging). */
  deleteCollection(resource: string, options?: Pick<ListOptions, "namespace" | "filter">): Promise<StoredObject[]>;
  /** The next value of a named sequence (1, 2, 3, ...), for ids such as ModelArts `job_id`. */
  nextSequenceValue(sequence: string): Promise<number>;
  /**
   * Calls `onEvent` for every write to `resource` after `fromRevision`, in revision order: first
   * those already made (history permitting: throws StoreError `Expired` when compacted away), then
   * new ones as they happen. Returns a function that stops the watch. If the watch later falls so
   * far behind that the history it needs is compacted away (an engine shared by processes reads
   * events after the fact and can), it stops and `onExpired` is called once: the caller re-lists.
   */
  watch(
    resource: string,
    fromRevision: number,
    onEvent: (event: WatchEvent) => void,
    onExpired?: (error: StoreError) => void,
  ): Promise<() => void>;
  /**
   * Takes, or renews, the named lease for `holder` until `now + ttlMs` (milliseconds since the
   * epoch, from the caller's clock): succeeds when the lease is free, expired at `now`, or already
   * `holder`'s. Answers whether `holder` holds it after the call. One atomic statement, so that of
   * several processes sharing the database exactly one holds a lease at a time (clocks must agree
   * within a small fraction of `ttlMs`). The controller's leader election (controller/controller.ts).
   */
  tryAcquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it, so that another may take it at once; else nothing. */
  releaseLease(name: string, holder: string): Promise<void>;
  /**
   * The revision up to which the watch history is pruned: a watch from an older revision is
   * Expired, and so is a continue token issued at one.
   */
  compactedRevision(): Promise<number>;
  /** How many watches are running (so that tests see a watch stopped when its client left). */
  watcherCount(): number;
  /** Answers whether the store can take requests (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export type StoreErrorCode = "NotFound" | "AlreadyExists" | "Conflict" | "Expired";

/** A refusal by the store; nothing was written. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** For `Conflict`: the revision the object has now. */
    readonly currentRevision?: number,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

/** A store URL, parsed: which engine, and what to open with it. */
export type DatabaseConfig =
  | {
      engine: "sqlite" /** A file path, or `:memory:`. */;
      path: string /** The URL as it may be logged. */;
      label: string;
    }
  | { engine: "postgres"; url: string /** The URL as it may be logged: no password, no query. */; label: string };

/** A store URL that names no store this server can open. The message never holds a password. */
export class DatabaseUrlError extends Error {
  override name = "DatabaseUrlError";
}

const supportedSchemes =
  "use sqlite:PATH (such as sqlite:.data/trainjobs.db), sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DATABASE";

/**
 * The one reader of `DATABASE_URL`: `sqlite:PATH` (a file, relative paths resolved against `cwd`
 * when given), `sqlite::memory:`, or `postgres://…`/`postgresql://…` (as libpq reads it). Throws
 * DatabaseUrlError, whose message, like the returned `label`, repeats no password.
 */
export function parseDatabaseUrl(url: string, options: { cwd?: string } = {}): DatabaseConfig {
  if (url === "sqlite::memory:") return { engine: "sqlite", path: ":memory:", label: url };
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    // `sqlite:` names nothing, `sqlite://x` is ambiguous (a host? an absolute path?) and
    // `sqlite::x` looks like a misspelt `sqlite::memory:`: refuse them rather than guess.
    if (path === "" || path.startsWith("//") || path.startsWith(":")) {
      // What follows `//` could be credentials: it is not repeated.
      const shown = path.startsWith("//") ? "sqlite://***" : url;
      throw new DatabaseUrlError(
        `${JSON.stringify(shown)}: write sqlite:PATH (such as sqlite:.data/trainjobs.db or sqlite:/var/lib/trainjobs.db) or sqlite::memory:`,
      );
    }
    const resolved = options.cwd === undefined ? path : resolve(options.cwd, path);
    return { engine: "sqlite", path: resolved, label: `sqlite:${resolved}` };
  }
  if (/^postgres(ql)?:\/\//i.test(url)) return { engine: "postgres", url, label: postgresLabel(url) };
  // Only the scheme goes into the message: the rest of a URL may hold a password.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
  throw new DatabaseUrlError(
    scheme === undefined
      ? `a store URL must start with a scheme: ${supportedSchemes}`
      : `scheme ${scheme} is not supported: ${supportedSchemes}`,
  );
}

/** `postgres://user@host:port/database`: the password replaced, the query (which may hold one) dropped. */
function postgresLabel(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${url.slice(0, url.indexOf(":"))}://***`;
  }
  if (parsed.password !== "") parsed.password = "***";
  parsed.search = "";
  parsed.hash = "";
  return parsed.toString();
}

/** What a store URL may be logged as, or `***` when it cannot be parsed: never a password. */
export function databaseLabel(url: string): string {
  try {
    return parseDatabaseUrl(url).label;
  } catch {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
    return scheme === undefined ? "***" : `${scheme}//***`;
  }
}

/**
 * Opens the store a URL (see parseDatabaseUrl) or parsed configuration names. The engine is
 * imported only when chosen. Throws DatabaseUrlError for a URL naming no store; other errors
 * (a directory that cannot be created, a database that cannot be reached) are the engine's.
 */
export async function openStore(target: string | DatabaseConfig): Promise<Store> {
  const config = typeof target === "string" ? parseDatabaseUrl(target) : target;
  if (config.engine === "sqlite") {
    const { SqliteStore } = await import("./sqlite.js");
    return SqliteStore.open(config.path);
  }
  const { PostgresStore } = await import("./postgres.js");
  return PostgresStore.open(config.url);
}
