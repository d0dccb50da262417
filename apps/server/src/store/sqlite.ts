// The embedded engine of the storage interface: better-sqlite3 over one file (or memory), serving
// one server process. All SQLite work is synchronous; the methods are async only to fit `Store`.
// Because the event loop runs one write at a time, a write's transaction, its commit and the
// queuing of its watch events happen with nothing in between, which keeps watches gap-free.

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type {
  BatchWrite,
  ListOptions,
  ListResult,
  ObjectKey,
  RowFilter,
  Store,
  StoredObject,
  WatchEvent,
  WatchEventType,
  WriteInput,
} from "./index.js";
import { defaultHistoryBytesLimit, StoreError } from "./index.js";

export interface SqliteStoreOptions {
  /** How many of the newest events the watch history keeps at least (default 10,000). */
  historyLimit?: number;
  /**
   * How many bytes (stored JSON and labels) the watch history holds at most (default 64 MiB): the
   * oldest events are pruned past it, whatever their count, the newest event always kept. Every
   * write copies its whole object into the history, so a count alone does not bound its size
   * (10,000 events of objects up to 1.5 MiB would be 15 GiB).
   */
  historyBytesLimit?: number;
}

const defaultHistoryLimit = 10_000;
const busyTimeoutMs = 5_000;
// 2: events.size, the bytes of an event, and an index on (revision, size) to sum them.
const schemaVersion = 2;

const schemaSql = `
CREATE TABLE IF NOT EXISTS meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  revision INTEGER NOT NULL,  -- the revision of the latest write
  compacted INTEGER NOT NULL  -- every event up to this revision has been pruned
);
INSERT OR IGNORE INTO meta (id, revision, compacted) VALUES (1, 0, 0);
CREATE TABLE IF NOT EXISTS objects (
  resource TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  revision INTEGER NOT NULL,
  labels TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (resource, namespace, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sequences (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  revision INTEGER PRIMARY KEY,
  resource TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  labels TEXT NOT NULL,
  body TEXT NOT NULL,
  size INTEGER NOT NULL DEFAULT 0 -- bytes of labels and body, for the history's byte limit
);
CREATE INDEX IF NOT EXISTS events_by_resource ON events (resource, revision);
CREATE INDEX IF NOT EXISTS events_sizes ON events (revision, size);
-- The controller's lease (Store.tryAcquireLease); created at any schema version, as it is new.
CREATE TABLE IF NOT EXISTS leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL  -- milliseconds since the epoch, by the holder's clock
) WITHOUT ROWID;
`;

/** From schema version 1: events gain their size. */
const migrate1To2 = `
ALTER TABLE events ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
UPDATE events SET size = length(CAST(labels AS BLOB)) + length(CAST(body AS BLOB));
`;

const objectColumns = "resource, namespace, name, revision, labels, body";

interface ObjectRow {
  resource: string;
  namespace: string;
  name: string;
  revision: number;
  labels: string;
  body: string;
}

interface EventRow extends ObjectRow {
  type: WatchEventType;
}

interface MetaRow {
  revision: number;
  compacted: number;
}

type KeyParams = [resource: string, namespace: string, name: string];
type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

interface Watcher {
  resource: string;
  /** Only events after this revision are delivered (it is the watch's `fromRevision`). */
  after: number;
  onEvent: (event: WatchEvent) => void;
  queue: WatchEvent[];
  scheduled: boolean;
  stopped: boolean;
}

function toStored(row: ObjectRow): StoredObject {
  return {
    resource: row.resource,
    namespace: row.namespace,
    name: row.name,
    revision: row.revision,
    labels: JSON.parse(row.labels) as Record<string, string>,
    body: row.body,
  };
}

/** SQLite's BINARY collation orders TEXT by its UTF-8 bytes, which JS's `<` does not always match. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export class SqliteStore implements Store {
  /**
   * Opens (creating if needed) the store at `path`, a file path or `:memory:`. Files use WAL with
   * `synchronous = NORMAL`: a commit survives a crash of the process; a power loss may lose the
   * last few commits but never corrupts the file.
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const historyLimit = options.historyLimit ?? defaultHistoryLimit;
    if (!Number.isSafeInteger(historyLimit) || historyLimit < 1) {
      throw new RangeError(`historyLimit must be a positive integer, not ${historyLimit}`);
    }
    const historyBytesLimit = options.historyBytesLimit ?? defaultHistoryBytesLimit;
    if (!Number.isSafeInteger(historyBytesLimit) || historyBytesLimit < 1) {
      throw new RangeError(`historyBytesLimit must be a positive integer, not ${historyBytesLimit}`);
    }
    const memory = path === ":memory:" || path === "";
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: busyTimeoutMs });
    try {
      if (!memory) db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      return new SqliteStore(db, historyLimit, historyBytesLimit);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private readonly watchers = new Map<string, Set<Watcher>>();
  /** Prune the history every this many writes, not on each: a prune deletes a batch of events. */
  private readonly compactEvery: number;
  private writesSinceCompaction = 0;
  /** The history's bytes, as far as this process knows: a trigger, recounted at each compaction. */
  private historyBytes = 0;

  // Every statement is prepared once, here.
  private readonly selectMeta: Statement<[], MetaRow>;
  private readonly selectRevision: Statement<[], number>;
  private readonly bumpRevision: Statement<[], number>;
  private readonly setCompacted: Statement<[number]>;
  private readonly selectPing: Statement<[], number>;
  private readonly selectObject: Statement<KeyParams, ObjectRow>;
  private readonly selectObjectRevision: Statement<KeyParams, number>;
  private readonly insertObject: Statement<[...KeyParams, number, string, string]>;
  private readonly updateObject: Statement<[number, string, string, ...KeyParams]>;
  private readonly deleteObject: Statement<KeyParams>;
  private readonly listAll: Statement<[string], ObjectRow>;
  private readonly listAllAfter: Statement<[string, string, string], ObjectRow>;
  private readonly listNamespace: Statement<[string, string], ObjectRow>;
  private readonly listNamespaceAfter: Statement<[string, string, string], ObjectRow>;
  private readonly insertEvent: Statement<[number, ...KeyParams, WatchEventType, string, string, number]>;
  private readonly sumEventSizes: Statement<[number], number>;
  private readonly selectEventSizes: Statement<[number], { revision: number; size: number }>;
  private readonly selectEvents: Statement<[string, number], EventRow>;
  private readonly pruneEvents: Statement<[number]>;
  private readonly nextSequence: Statement<[string], number>;
  private readonly acquireLease: Statement<[string, string, number, number], string>;
  private readonly deleteLease: Statement<[string, string]>;

  // Transactions: writes take the write lock at BEGIN (IMMEDIATE) so that a second process on the
  // same file waits for it (busy timeout) instead of failing on a lock upgrade; reads are deferred
  // transactions, one snapshot each.
  private readonly createTx: Database.Transaction<(key: ObjectKey, input: WriteInput) => WatchEvent>;
  private readonly updateTx: Database.Transaction<
    (key: ObjectKey, expectedRevision: number, input: WriteInput) => WatchEvent
  >;
  private readonly deleteTx: Database.Transaction<(key: ObjectKey, expectedRevision?: number) => WatchEvent>;
  private readonly deleteCollectionTx: Database.Transaction<
    (resource: string, namespace: string | undefined, filter: RowFilter | undefined) => WatchEvent[]
  >;
  private readonly commitTx: Database.Transaction<(writes: readonly BatchWrite[]) => WatchEvent[]>;
  private readonly compactTx: Database.Transaction<() => void>;
  private readonly listTx: Database.Transaction<(resource: string, options: ListOptions) => ListResult>;
  private readonly replayTx: Database.Transaction<(resource: string, fromRevision: number) => WatchEvent[]>;

  private constructor(
    private readonly db: Database.Database,
    private readonly historyLimit: number,
    private readonly historyBytesLimit: number,
  ) {
    this.compactEvery = Math.max(1, Math.ceil(historyLimit / 10));

    db.transaction(() => {
      const version = db.pragma("user_version", { simple: true }) as number;
      if (version > schemaVersion) {
        throw new Error(`${db.name} has schema version ${version}; this server knows up to ${schemaVersion}`);
      }
      if (version === 1) db.exec(migrate1To2);
      db.exec(schemaSql);
      db.pragma(`user_version = ${schemaVersion}`);
    }).immediate();

    this.selectMeta = db.prepare("SELECT revision, compacted FROM meta WHERE id = 1");
    this.selectRevision = db.prepare<[], number>("SELECT revision FROM meta WHERE id = 1").pluck();
    this.bumpRevision = db
      .prepare<[], number>("UPDATE meta SET revision = revision + 1 WHERE id = 1 RETURNING revision")
      .pluck();
    this.setCompacted = db.prepare("UPDATE meta SET compacted = ? WHERE id = 1");
    this.selectPing = db.prepare<[], number>("SELECT 1").pluck();

    const key = "resource = ? AND namespace = ? AND name = ?";
    this.selectObject = db.prepare(`SELECT ${objectColumns} FROM objects WHERE ${key}`);
    this.selectObjectRevision = db.prepare<KeyParams, number>(`SELECT revision FROM objects WHERE ${key}`).pluck();
    this.insertObject = db.prepare(`INSERT INTO objects (${objectColumns}) VALUES (?, ?, ?, ?, ?, ?)`);
    this.updateObject = db.prepare(`UPDATE objects SET revision = ?, labels = ?, body = ? WHERE ${key}`);
    this.deleteObject = db.prepare(`DELETE FROM objects WHERE ${key}`);

    // Four shapes of list, each a range scan of the primary key in (namespace, name) order.
    const list = `SELECT ${objectColumns} FROM objects WHERE resource = ?`;
    this.listAll = db.prepare(`${list} ORDER BY namespace, name`);
    this.listAllAfter = db.prepare(`${list} AND (namespace, name) > (?, ?) ORDER BY namespace, name`);
    this.listNamespace = db.prepare(`${list} AND namespace = ? ORDER BY name`);
    this.listNamespaceAfter = db.prepare(`${list} AND namespace = ? AND name > ? ORDER BY name`);

    this.insertEvent = db.prepare(
      "INSERT INTO events (revision, resource, namespace, name, type, labels, body, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    // Both read the (revision, size) index alone, never the bodies.
    this.sumEventSizes = db
      .prepare<[number], number>("SELECT coalesce(sum(size), 0) FROM events WHERE revision > ?")
      .pluck();
    this.selectEventSizes = db.prepare("SELECT revision, size FROM events WHERE revision > ? ORDER BY revision");
    this.selectEvents = db.prepare(
      `SELECT ${objectColumns}, type FROM events WHERE resource = ? AND revision > ? ORDER BY revision`,
    );
    this.pruneEvents = db.prepare("DELETE FROM events WHERE revision <= ?");
    this.nextSequence = db
      .prepare<[string], number>(
        "INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
      )
      .pluck();
    // One statement: taken when free (inserted), expired or already the holder's (updated);
    // otherwise the WHERE refuses the update and nothing is returned.
    this.acquireLease = db
      .prepare<[string, string, number, number], string>(
        `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.holder = excluded.holder OR leases.expires_at <= ?
         RETURNING holder`,
      )
      .pluck();
    this.deleteLease = db.prepare("DELETE FROM leases WHERE name = ? AND holder = ?");

    this.createTx = db.transaction((key: ObjectKey, input: WriteInput): WatchEvent => {
      if (this.selectObjectRevision.get(key.resource, key.namespace, key.name) !== undefined) {
        throw new StoreError("AlreadyExists", `${describeKey(key)} already exists`);
      }
      const object = this.encodeWrite(key, input);
      this.insertObject.run(key.resource, key.namespace, key.name, object.revision, object.labelsJson, object.body);
      return this.appendEvent("ADDED", object.stored, object.labelsJson);
    });

    this.updateTx = db.transaction((key: ObjectKey, expectedRevision: number, input: WriteInput): WatchEvent => {
      this.checkPrecondition(key, expectedRevision);
      const object = this.encodeWrite(key, input);
      this.updateObject.run(object.revision, object.labelsJson, object.body, key.resource, key.namespace, key.name);
      return this.appendEvent("MODIFIED", object.stored, object.labelsJson);
    });

    this.deleteTx = db.transaction((key: ObjectKey, expectedRevision?: number): WatchEvent => {
      const row = this.selectObject.get(key.resource, key.namespace, key.name);
      if (row === undefined) throw new StoreError("NotFound", `${describeKey(key)} not found`);
      if (expectedRevision !== undefined && row.revision !== expectedRevision) {
        throw conflict(key, expectedRevision, row.revision);
      }
      return this.deleteRow(row);
    });

    this.deleteCollectionTx = db.transaction(
      (resource: string, namespace: string | undefined, filter: RowFilter | undefined): WatchEvent[] => {
        // Collect first: the scan's statement must finish before the deletes run.
        const doomed: ObjectRow[] = [];
        for (const row of this.scan(resource, namespace, undefined)) {
          if (filter === undefined || filter(toStored(row))) doomed.push(row);
        }
        return doomed.map((row) => this.deleteRow(row));
      },
    );

    // Nested transactions of better-sqlite3 are savepoints: a refusal in any undoes the whole batch.
    this.commitTx = db.transaction((writes: readonly BatchWrite[]): WatchEvent[] =>
      writes.map((w) => {
        if (w.op === "create") return this.createTx(w.key, w.input);
        if (w.op === "update") return this.updateTx(w.key, w.expectedRevision, w.input);
        return this.deleteTx(w.key, w.expectedRevision);
      }),
    );

    this.compactTx = db.transaction(() => this.compact());

    this.listTx = db.transaction((resource: string, options: ListOptions): ListResult => {
      const revision = this.currentRevision();
      const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
      const filter = options.filter;
      const items: StoredObject[] = [];
      let more = false;
      for (const row of this.scan(resource, options.namespace, options.after)) {
        // Once the page is full, the first further matching row decides `more`; without a filter
        // any row matches, so there is no need to parse it.
        if (items.length === limit && filter === undefined) {
          more = true;
          break;
        }
        const object = toStored(row);
        if (filter !== undefined && !filter(object)) continue;
        if (items.length === limit) {
          more = true;
          break; // leaving the loop resets the statement: the rest is never read
        }
        items.push(object);
      }
      return { items, revision, more };
    });

    this.replayTx = db.transaction((resource: string, fromRevision: number): WatchEvent[] => {
      const meta = this.meta();
      if (fromRevision < meta.compacted) {
        throw new StoreError(
          "Expired",
          `revision ${fromRevision} of ${resource} is too old: history starts after revision ${meta.compacted}`,
        );
      }
      return this.selectEvents.all(resource, fromRevision).map((row) => ({ type: row.type, object: toStored(row) }));
    });

    // A smaller historyLimit than last time takes effect at once.
    this.compactTx.immediate();
    this.historyBytes = this.sumEventSizes.get(this.meta().compacted) as number;
  }

  async revision(): Promise<number> {
    return this.currentRevision();
  }

  async get(key: ObjectKey): Promise<StoredObject | undefined> {
    const row = this.selectObject.get(key.resource, key.namespace, key.name);
    return row === undefined ? undefined : toStored(row);
  }

  async list(resource: string, options: ListOptions = {}): Promise<ListResult> {
    return this.listTx(resource, options);
  }

  async create(key: ObjectKey, input: WriteInput): Promise<StoredObject> {
    const event = this.createTx.immediate(key, input);
    this.publish([event]);
    return event.object;
  }

  async update(key: ObjectKey, expectedRevision: number, input: WriteInput): Promise<StoredObject> {
    const event = this.updateTx.immediate(key, expectedRevision, input);
    this.publish([event]);
    return event.object;
  }

  async delete(key: ObjectKey, expectedRevision?: number): Promise<StoredObject> {
    const event = this.deleteTx.immediate(key, expectedRevision);
    this.publish([event]);
    return event.object;
  }

  async deleteCollection(
    resource: string,
    options: Pick<ListOptions, "namespace" | "filter"> = {},
  ): Promise<StoredObject[]> {
    const events = this.deleteCollectionTx.immediate(resource, options.namespace, options.filter);
    this.publish(events);
    return events.map((event) => event.object);
  }

  async tryAcquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    return this.acquireLease.get(name, holder, now + ttlMs, now) !== undefined;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.deleteLease.run(name, holder);
  }

  async commit(writes: readonly BatchWrite[]): Promise<StoredObject[]> {
    const events = this.commitTx.immediate(writes);
    // After the commit, in order; publish takes one resource at a time.
    for (const event of events) this.publish([event]);
    return events.map((event) => event.object);
  }

  async nextSequenceValue(sequence: string): Promise<number> {
    // One statement is its own transaction; RETURNING reads the value it wrote.
    return this.nextSequence.get(sequence) as number;
  }

  /**
   * Events come from this process's writes only: a second process writing to the same file is
   * not seen live (it would be on replay). `onEvent` must not throw: if it does, its watch stops
   * and the error surfaces as an uncaught exception.
   */
  async watch(resource: string, fromRevision: number, onEvent: (event: WatchEvent) => void): Promise<() => void> {
    // No await between the replay and the registration: no write of this process can slip in.
    const history = this.replayTx(resource, fromRevision);
    const watcher: Watcher = { resource, after: fromRevision, onEvent, queue: [], scheduled: false, stopped: false };
    let set = this.watchers.get(resource);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(resource, set);
    }
    set.add(watcher);
    // The replay waits for a macrotask, so that the caller has the stop function and has finished
    // its own setup (which runs in microtasks after this resolves) before `onEvent` is first called.
    // Events of writes made meanwhile join the same queue, behind the replay.
    watcher.scheduled = true;
    for (const event of history) watcher.queue.push(event);
    setImmediate(() => this.flush(watcher));
    return () => this.unwatch(watcher);
  }

  async compactedRevision(): Promise<number> {
    return this.meta().compacted;
  }

  watcherCount(): number {
    let count = 0;
    for (const set of this.watchers.values()) count += set.size;
    return count;
  }

  async ping(): Promise<boolean> {
    try {
      return this.selectPing.get() === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    for (const set of this.watchers.values()) for (const watcher of set) watcher.stopped = true;
    this.watchers.clear();
    this.db.close();
  }

  private meta(): MetaRow {
    return this.selectMeta.get() as MetaRow; // the row is inserted with the schema
  }

  private currentRevision(): number {
    return this.selectRevision.get() as number;
  }

  /** Takes the next revision and builds the body; only call once the write's preconditions hold. */
  private encodeWrite(key: ObjectKey, input: WriteInput) {
    const revision = this.bumpRevision.get() as number;
    const body = input.encode(revision);
    // A copy, so that a caller changing its labels object later changes neither result nor events.
    const labels = { ...input.labels };
    const labelsJson = JSON.stringify(labels);
    const stored: StoredObject = {
      resource: key.resource,
      namespace: key.namespace,
      name: key.name,
      revision,
      labels,
      body,
    };
    return { revision, body, labelsJson, stored };
  }

  private checkPrecondition(key: ObjectKey, expectedRevision: number): void {
    const current = this.selectObjectRevision.get(key.resource, key.namespace, key.name);
    if (current === undefined) throw new StoreError("NotFound", `${describeKey(key)} not found`);
    if (current !== expectedRevision) throw conflict(key, expectedRevision, current);
  }

  private deleteRow(row: ObjectRow): WatchEvent {
    const revision = this.bumpRevision.get() as number;
    this.deleteObject.run(row.resource, row.namespace, row.name);
    return this.appendEvent("DELETED", { ...toStored(row), revision }, row.labels);
  }

  private appendEvent(type: WatchEventType, object: StoredObject, labelsJson: string): WatchEvent {
    const size = Buffer.byteLength(labelsJson) + Buffer.byteLength(object.body);
    this.insertEvent.run(
      object.revision,
      object.resource,
      object.namespace,
      object.name,
      type,
      labelsJson,
      object.body,
      size,
    );
    this.historyBytes += size;
    if (++this.writesSinceCompaction >= this.compactEvery || this.historyBytes > this.historyBytesLimit) {
      // Inside the write's transaction: if pruning fails, the write fails with it, never half-done.
      this.writesSinceCompaction = 0;
      this.compact();
    }
    return { type, object };
  }

  /**
   * Keeps the newest `historyLimit` events (revisions are dense, one event each), and of those no
   * more than `historyBytesLimit` bytes, the newest event always kept.
   */
  private compact(): void {
    const meta = this.meta();
    let cutoff = Math.max(meta.compacted, meta.revision - this.historyLimit);
    let bytes = this.sumEventSizes.get(cutoff) as number;
    if (bytes > this.historyBytesLimit) {
      for (const row of this.selectEventSizes.iterate(cutoff)) {
        if (bytes <= this.historyBytesLimit || row.revision >= meta.revision) break;
        bytes -= row.size;
        cutoff = row.revision;
      }
    }
    this.historyBytes = bytes;
    if (cutoff <= meta.compacted) return;
    this.pruneEvents.run(cutoff);
    this.setCompacted.run(cutoff);
  }

  private scan(resource: string, namespace: string | undefined, after: ListOptions["after"]): Iterable<ObjectRow> {
    if (namespace === undefined) {
      return after === undefined
        ? this.listAll.iterate(resource)
        : this.listAllAfter.iterate(resource, after.namespace, after.name);
    }
    // `after` in another namespace puts the start before or past the whole of this one.
    const order = after === undefined ? -1 : compareUtf8(after.namespace, namespace);
    if (after === undefined || order < 0) return this.listNamespace.iterate(resource, namespace);
    if (order > 0) return [];
    return this.listNamespaceAfter.iterate(resource, namespace, after.name);
  }

  /** Called after a commit only, so that a watcher never sees a write that was rolled back. */
  private publish(events: WatchEvent[]): void {
    if (events.length === 0) return;
    const set = this.watchers.get(events[0]!.object.resource); // one resource per write call
    if (set === undefined) return;
    for (const watcher of set) {
      this.enqueue(
        watcher,
        events.filter((event) => event.object.revision > watcher.after),
      );
    }
  }

  /** Delivers in a microtask, so that `onEvent` never runs inside a write's transaction. */
  private enqueue(watcher: Watcher, events: WatchEvent[]): void {
    if (events.length === 0 || watcher.stopped) return;
    for (const event of events) watcher.queue.push(event); // no spread: a batch may be huge
    if (watcher.scheduled) return;
    watcher.scheduled = true;
    queueMicrotask(() => this.flush(watcher));
  }

  private flush(watcher: Watcher): void {
    watcher.scheduled = false;
    // Take the batch: events queued by writes that onEvent itself makes go to the next batch.
    const batch = watcher.queue;
    watcher.queue = [];
    for (const event of batch) {
      if (watcher.stopped) return;
      try {
        watcher.onEvent(event);
      } catch (err) {
        this.unwatch(watcher);
        throw err;
      }
    }
  }

  private unwatch(watcher: Watcher): void {
    watcher.stopped = true;
    watcher.queue = [];
    const set = this.watchers.get(watcher.resource);
    if (set === undefined) return;
    set.delete(watcher);
    if (set.size === 0) this.watchers.delete(watcher.resource);
  }
}

function describeKey(key: ObjectKey): string {
  return key.namespace === ""
    ? `${key.resource} ${JSON.stringify(key.name)}`
    : `${key.resource} ${JSON.stringify(key.namespace)}/${JSON.stringify(key.name)}`;
}

function conflict(key: ObjectKey, expected: number, current: number): StoreError {
  return new StoreError(
    "Conflict",
    `${describeKey(key)} is at revision ${current}, not ${expected}: re-read it and retry`,
    current,
  );
}
