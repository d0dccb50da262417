// The networked engine of the storage interface: PostgreSQL through `pg`, for several server
// processes (behind a load balancer) sharing one database.
//
// Revisions: every write transaction starts with `UPDATE meta SET revision = revision + 1`, which
// takes the lock of that one row and keeps it until the commit. Writers are thereby serialised, in
// every process: the transaction that got revision N commits (and becomes visible) before the one
// that gets N + 1 can even take its number, so commit order is revision order and a reader that
// sees N + 1 also sees N. Preconditions (AlreadyExists, NotFound, Conflict) are read after that
// lock, in a statement of their own (READ COMMITTED takes a fresh snapshot per statement), so they
// see every committed write: no lost update between processes. A refused write rolls back, counter
// included, so revisions stay dense.
//
// Watch: each write appends its events to the `events` table (the history, bounded as SQLite's)
// and, in the same transaction, NOTIFYs one channel with "REVISION RESOURCE" (a NOTIFY is sent on
// commit, and only then; payloads are limited to 8000 bytes, so bodies never go there). Each
// process with watches keeps one LISTEN connection; a notification is only a wake-up: the process
// reads the event table after the revision its watchers of that resource last saw, in revision
// order, and hands each watcher what is new to it. Nothing is lost when notifications are (after a
// reconnect every watched resource is read again from where its watchers are), and nothing is
// delivered twice (each watcher keeps the revision it has seen up to). Compaction records, per
// resource, the newest event it pruned: a watch is Expired only if events of its own resource that
// it has not seen are gone, at its start (StoreError) or later (its `onExpired`).

import pg from "pg";
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

export interface PostgresStoreOptions {
  /** How many of the newest events the watch history keeps at least (default 10,000). */
  historyLimit?: number;
  /** How many bytes (stored JSON and labels) the watch history holds at most, as SQLite's (64 MiB). */
  historyBytesLimit?: number;
  /** At most this many connections in the pool, besides the one that listens (default 10). */
  poolSize?: number;
}

const defaultHistoryLimit = 10_000;
const defaultPoolSize = 10;
const connectTimeoutMs = 10_000;
const idleInTransactionMs = 30_000;
/** The channel every process LISTENs on; a notification's payload is a resource name. */
const notifyChannel = "trainjobs_events";
/** The advisory lock that serialises schema migrations of processes starting at once. */
const migrationLock = 0x7472_6a62; // "trjb"
/** Events read by one query of a watch's catch-up; more are read by the next. */
const eventBatch = 1_000;
const retryMinMs = 100;
const retryMaxMs = 5_000;

/**
 * The schema, one entry per version: entry i migrates version i to i + 1. Text columns that are
 * compared or ordered use the "C" collation, which orders by UTF-8 bytes as SQLite's BINARY does.
 */
const migrationSteps: readonly string[] = [
  `
CREATE TABLE meta (
  id integer PRIMARY KEY CHECK (id = 1),
  revision bigint NOT NULL,  -- the revision of the latest write
  compacted bigint NOT NULL  -- every event up to this revision has been pruned
);
INSERT INTO meta (id, revision, compacted) VALUES (1, 0, 0);
CREATE TABLE objects (
  resource text COLLATE "C" NOT NULL,
  namespace text COLLATE "C" NOT NULL,
  name text COLLATE "C" NOT NULL,
  revision bigint NOT NULL,
  labels text NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (resource, namespace, name)
);
CREATE TABLE sequences (
  name text COLLATE "C" PRIMARY KEY,
  value bigint NOT NULL
);
CREATE TABLE events (
  revision bigint PRIMARY KEY,
  resource text COLLATE "C" NOT NULL,
  namespace text COLLATE "C" NOT NULL,
  name text COLLATE "C" NOT NULL,
  type text NOT NULL,
  labels text NOT NULL,
  body text NOT NULL
);
CREATE INDEX events_by_resource ON events (resource, revision);
CREATE TABLE pruned (
  resource text COLLATE "C" PRIMARY KEY,
  revision bigint NOT NULL  -- the newest event of the resource that compaction removed
);
`,
  `
CREATE TABLE leases (
  name text COLLATE "C" PRIMARY KEY,
  holder text NOT NULL,
  expires_at bigint NOT NULL  -- milliseconds since the epoch, by the holder's clock
);
`,
];
/** The schema version this server migrates a database to. */
export const schemaVersion = migrationSteps.length;

const objectColumns = "resource, namespace, name, revision, labels, body";

interface ObjectRow {
  resource: string;
  namespace: string;
  name: string;
  /** bigint: `pg` returns it as text. */
  revision: string | number;
  labels: string;
  body: string;
}

interface EventRow extends ObjectRow {
  type: WatchEventType;
}

interface Watcher {
  resource: string;
  /** The revision of the last event queued for it; only later ones are delivered. */
  last: number;
  onEvent: (event: WatchEvent) => void;
  onExpired: ((error: StoreError) => void) | undefined;
  queue: WatchEvent[];
  scheduled: boolean;
  stopped: boolean;
}

/** The catch-up reader of one resource's watchers: one at a time, run again if woken meanwhile. */
interface Poller {
  running: boolean;
  again: boolean;
  retry: NodeJS.Timeout | undefined;
  failures: number;
}

type Position = { namespace: string; name: string };

function toStored(row: ObjectRow): StoredObject {
  return {
    resource: row.resource,
    namespace: row.namespace,
    name: row.name,
    revision: Number(row.revision),
    labels: JSON.parse(row.labels) as Record<string, string>,
    body: row.body,
  };
}

/** The "C" collation orders text by its UTF-8 bytes, which JS's `<` does not always match. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function backoff(failures: number): number {
  return Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(failures, 10));
}

export class PostgresStore implements Store {
  /**
   * Connects to the database at `url` (postgres:// or postgresql://), creating or migrating the
   * schema if needed (safe when several processes start at once), and prunes the history to
   * `historyLimit`. Fails if the database cannot be reached.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const historyLimit = options.historyLimit ?? defaultHistoryLimit;
    if (!Number.isSafeInteger(historyLimit) || historyLimit < 1) {
      throw new RangeError(`historyLimit must be a positive integer, not ${historyLimit}`);
    }
    const historyBytesLimit = options.historyBytesLimit ?? defaultHistoryBytesLimit;
    if (!Number.isSafeInteger(historyBytesLimit) || historyBytesLimit < 1) {
      throw new RangeError(`historyBytesLimit must be a positive integer, not ${historyBytesLimit}`);
    }
    const poolSize = options.poolSize ?? defaultPoolSize;
    if (!Number.isSafeInteger(poolSize) || poolSize < 1) {
      throw new RangeError(`poolSize must be a positive integer, not ${poolSize}`);
    }
    const config: pg.ClientConfig = {
      connectionString: url,
      connectionTimeoutMillis: connectTimeoutMs,
      keepAlive: true,
      application_name: "trainjobs",
      // A process that stops mid-write (frozen, partitioned) would hold the revision lock, and so
      // every process's writes, until its connection is dropped: the server drops it after this.
      idle_in_transaction_session_timeout: idleInTransactionMs,
    };
    const pool = new pg.Pool({ ...config, max: poolSize });
    // An idle connection that breaks is dropped by the pool; the next query opens another.
    pool.on("error", () => undefined);
    const store = new PostgresStore(pool, config, historyLimit, historyBytesLimit);
    try {
      await store.migrate();
      await store.compactAtOpen();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return store;
  }

  private readonly watchers = new Map<string, Set<Watcher>>();
  private readonly pollers = new Map<string, Poller>();
  /** Prune the history when the revision crosses a multiple of this, not on each write. */
  private readonly compactEvery: number;
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private listenFailures = 0;
  private closing: Promise<void> | undefined;
  /**
   * The history's bytes as far as this process knows (recounted at each compaction, plus its own
   * writes since): the trigger of a compaction by size. Other processes' writes are not counted
   * until the next recount, so with N processes the history may briefly hold up to N times the limit.
   */
  private historyBytes = 0;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly config: pg.ClientConfig,
    private readonly historyLimit: number,
    private readonly historyBytesLimit: number,
  ) {
    this.compactEvery = Math.max(1, Math.ceil(historyLimit / 10));
  }

  async revision(): Promise<number> {
    const { rows } = await this.pool.query<{ revision: string }>("SELECT revision FROM meta WHERE id = 1");
    return Number(rows[0]!.revision);
  }

  async get(key: ObjectKey): Promise<StoredObject | undefined> {
    const { rows } = await this.pool.query<ObjectRow>(
      `SELECT ${objectColumns} FROM objects WHERE resource = $1 AND namespace = $2 AND name = $3`,
      [key.resource, key.namespace, key.name],
    );
    return rows[0] === undefined ? undefined : toStored(rows[0]);
  }

  async list(resource: string, options: ListOptions = {}): Promise<ListResult> {
    return this.read(async (client) => {
      const revision = await currentRevision(client);
      const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
      const filter = options.filter;
      // Without a filter, one row past the page decides `more`; with one, read in batches.
      const batch = filter === undefined ? limit + 1 : Number.isFinite(limit) ? Math.max(limit + 1, 256) : Infinity;
      const items: StoredObject[] = [];
      let more = false;
      for await (const row of this.scan(client, resource, options.namespace, options.after, batch)) {
        if (items.length === limit && filter === undefined) {
          more = true;
          break;
        }
        const object = toStored(row);
        if (filter !== undefined && !filter(object)) continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(object);
      }
      return { items, revision, more };
    });
  }

  async create(key: ObjectKey, input: WriteInput): Promise<StoredObject> {
    const [event] = await this.write([key.resource], (client, revision) => createRow(client, key, input, revision));
    return event!.object;
  }

  async update(key: ObjectKey, expectedRevision: number, input: WriteInput): Promise<StoredObject> {
    const [event] = await this.write([key.resource], (client, revision) =>
      updateRow(client, key, expectedRevision, input, revision),
    );
    return event!.object;
  }

  async delete(key: ObjectKey, expectedRevision?: number): Promise<StoredObject> {
    const [event] = await this.write([key.resource], (client, revision) =>
      deleteRow(client, key, expectedRevision, revision),
    );
    return event!.object;
  }

  async commit(writes: readonly BatchWrite[]): Promise<StoredObject[]> {
    if (writes.length === 0) return [];
    const resources = [...new Set(writes.map((w) => w.key.resource))];
    const events = await this.write(resources, async (client, first) => {
      const out: WatchEvent[] = [];
      let revision = first;
      for (const w of writes) {
        const made =
          w.op === "create"
            ? await createRow(client, w.key, w.input, revision)
            : w.op === "update"
              ? await updateRow(client, w.key, w.expectedRevision, w.input, revision)
              : await deleteRow(client, w.key, w.expectedRevision, revision);
        out.push(...made);
        revision += made.length;
      }
      return out;
    });
    return events.map((event) => event.object);
  }

  async deleteCollection(
    resource: string,
    options: Pick<ListOptions, "namespace" | "filter"> = {},
  ): Promise<StoredObject[]> {
    const events = await this.write([resource], async (client, revision) => {
      const doomed: ObjectRow[] = [];
      for await (const row of this.scan(client, resource, options.namespace, undefined, Infinity)) {
        if (options.filter === undefined || options.filter(toStored(row))) doomed.push(row);
      }
      return deleteRows(client, resource, doomed, revision);
    });
    return events.map((event) => event.object);
  }

  async tryAcquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    // One statement, so atomic: an insert when free; an update when expired or already the
    // holder's; otherwise the WHERE refuses the update (the conflicting row is locked meanwhile,
    // so two processes racing for an expired lease cannot both win) and no row is returned.
    const { rows } = await this.pool.query(
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= $4
       RETURNING holder`,
      [name, holder, now + ttlMs, now],
    );
    return rows.length === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.pool.query("DELETE FROM leases WHERE name = $1 AND holder = $2", [name, holder]);
  }

  async nextSequenceValue(sequence: string): Promise<number> {
    // One statement is its own transaction; concurrent callers queue on the row's lock.
    const { rows } = await this.pool.query<{ value: string }>(
      `INSERT INTO sequences (name, value) VALUES ($1, 1)
       ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1 RETURNING value`,
      [sequence],
    );
    return Number(rows[0]!.value);
  }

  /**
   * Sees the writes of every process on the database. `onEvent` must not throw: if it does, its
   * watch stops and the error surfaces as an uncaught exception. If the watch falls so far behind
   * that the history it needs is compacted away, it stops and `onExpired` is called.
   */
  async watch(
    resource: string,
    fromRevision: number,
    onEvent: (event: WatchEvent) => void,
    onExpired?: (error: StoreError) => void,
  ): Promise<() => void> {
    this.assertOpen();
    // Listening first: a write committed after the replay's snapshot wakes this process.
    await this.listen();
    const { history, revision } = await this.read(async (client) => {
      const { revision, pruned } = await readProgress(client, resource);
      if (fromRevision < pruned) {
        throw new StoreError(
          "Expired",
          `revision ${fromRevision} of ${resource} is too old: its history starts after revision ${pruned}`,
        );
      }
      return { history: await readEvents(client, resource, fromRevision, Infinity), revision };
    });
    this.assertOpen();
    const watcher: Watcher = {
      resource,
      last: fromRevision,
      onEvent,
      onExpired,
      queue: [],
      scheduled: true,
      stopped: false,
    };
    for (const event of history) watcher.queue.push(event);
    watcher.last = Math.max(fromRevision, revision);
    let set = this.watchers.get(resource);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(resource, set);
    }
    set.add(watcher);
    // As SQLite's: the replay waits for a macrotask, so that the caller has the stop function and
    // has finished its own setup before `onEvent` is first called.
    setImmediate(() => this.flush(watcher));
    // Writes committed between the replay's snapshot and the registration: their notification may
    // have come before this watcher was there to need it.
    this.poll(resource);
    return () => this.unwatch(watcher);
  }

  async compactedRevision(): Promise<number> {
    const { rows } = await this.pool.query<{ compacted: string }>("SELECT compacted FROM meta WHERE id = 1");
    return Number(rows[0]?.compacted ?? 0);
  }

  watcherCount(): number {
    let count = 0;
    for (const set of this.watchers.values()) count += set.size;
    return count;
  }

  async ping(): Promise<boolean> {
    if (this.closing !== undefined) return false;
    try {
      const { rows } = await this.pool.query<{ one: number }>("SELECT 1 AS one");
      return rows[0]?.one === 1;
    } catch {
      return false;
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const set of this.watchers.values()) for (const watcher of set) watcher.stopped = true;
    this.watchers.clear();
    for (const poller of this.pollers.values()) clearTimeout(poller.retry);
    this.pollers.clear();
    clearTimeout(this.reconnect);
    const listener = this.listener;
    this.listener = undefined;
    await Promise.all([listener?.end().catch(() => undefined), this.pool.end()]);
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new Error("the store is closed");
  }

  /** Creates or migrates the schema; an advisory lock makes processes starting at once take turns. */
  private async migrate(): Promise<void> {
    await this.transaction("BEGIN", async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLock]);
      await client.query(
        "CREATE TABLE IF NOT EXISTS schema_version (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)",
      );
      const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_version WHERE id = 1");
      const version = rows[0]?.version ?? 0;
      if (version > schemaVersion) {
        throw new Error(`the database has schema version ${version}; this server knows up to ${schemaVersion}`);
      }
      if (version === schemaVersion) return;
      for (let v = version; v < schemaVersion; v++) await client.query(migrationSteps[v]!);
      await client.query(
        `INSERT INTO schema_version (id, version) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version`,
        [schemaVersion],
      );
    });
  }

  /** A smaller historyLimit than last time takes effect at once. */
  private async compactAtOpen(): Promise<void> {
    await this.transaction("BEGIN", async (client) => {
      const { rows } = await client.query<{ revision: string; compacted: string }>(
        "SELECT revision, compacted FROM meta WHERE id = 1 FOR UPDATE",
      );
      await this.compact(client, Number(rows[0]!.revision), Number(rows[0]!.compacted));
    });
  }

  /**
   * Keeps the newest `historyLimit` events (revisions are dense, one event each), fewer when they
   * hold more than `historyBytesLimit` bytes; the newest event is always kept.
   */
  private async compact(client: pg.PoolClient, revision: number, compacted: number): Promise<void> {
    let cutoff = Math.max(compacted, revision - this.historyLimit);
    // The newest revision at which the events from the newest back hold more than the limit.
    const { rows } = await client.query<{ revision: string }>(
      `SELECT revision FROM (
         SELECT revision, sum(octet_length(body) + octet_length(labels)) OVER (ORDER BY revision DESC) AS bytes
         FROM events WHERE revision > $1
       ) t WHERE bytes > $2 ORDER BY revision DESC LIMIT 1`,
      [cutoff, this.historyBytesLimit],
    );
    if (rows[0] !== undefined) cutoff = Math.max(cutoff, Math.min(Number(rows[0].revision), revision - 1));
    const kept = await client.query<{ bytes: string }>(
      "SELECT coalesce(sum(octet_length(body) + octet_length(labels)), 0) AS bytes FROM events WHERE revision > $1",
      [cutoff],
    );
    this.historyBytes = Number(kept.rows[0]!.bytes);
    if (cutoff <= compacted) return;
    // Per resource, the newest event pruned: a watch of a resource whose events were all kept
    // goes on, however many events of other resources went.
    await client.query(
      `WITH gone AS (DELETE FROM events WHERE revision <= $1 RETURNING resource, revision),
            newest AS (
              INSERT INTO pruned (resource, revision) SELECT resource, max(revision) FROM gone GROUP BY resource
              ON CONFLICT (resource) DO UPDATE SET revision = EXCLUDED.revision
            )
       UPDATE meta SET compacted = $1 WHERE id = 1`,
      [cutoff],
    );
  }

  /**
   * Runs `work` (a transaction) on a pooled connection, rolling back if it fails. A connection
   * that breaks is not given back to the pool for reuse.
   */
  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client whose connection breaks emits 'error' besides failing its query, and
    // the pool listens only while the client is idle: without this, the process would crash.
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
    };
    client.on("error", onError);
    try {
      return await work(client);
    } catch (err) {
      if (broken === undefined) {
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken = rollbackError;
        });
      }
      throw err;
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  private transaction<T>(begin: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query(begin);
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    });
  }

  /** A read-only transaction on one snapshot. */
  private read<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", work);
  }

  /**
   * A write transaction: takes the next revision (and with it the lock that serialises writers)
   * before `work` reads anything, so that `work`'s reads see every committed write. `work` returns
   * the events of its write, numbered from `revision` on; none means nothing to commit.
   */
  private async write(
    resources: readonly string[],
    work: (client: pg.PoolClient, revision: number) => Promise<WatchEvent[]>,
  ): Promise<WatchEvent[]> {
    this.assertOpen();
    return this.withClient(async (client) => {
      // One round trip. READ COMMITTED: each later statement of `work` takes a fresh snapshot,
      // which (the lock being held now) includes every write committed before this one.
      const results = (await client.query(
        "BEGIN; UPDATE meta SET revision = revision + 1 WHERE id = 1 RETURNING revision, compacted",
      )) as unknown as pg.QueryResult<{ revision: string; compacted: string }>[];
      const bumped = results[1]!.rows[0]!;
      const first = Number(bumped.revision);
      const events = await work(client, first);
      if (events.length === 0) {
        await client.query("ROLLBACK"); // nothing written: the revision stays where it was
        return [];
      }
      const last = events.at(-1)!.object.revision;
      if (last !== first) await client.query("UPDATE meta SET revision = $1 WHERE id = 1", [last]);
      // Inside the write's transaction: if pruning fails, the write fails with it, never half-done.
      for (const event of events) this.historyBytes += Buffer.byteLength(event.object.body);
      if (
        Math.floor(last / this.compactEvery) > Math.floor((first - 1) / this.compactEvery) ||
        this.historyBytes > this.historyBytesLimit
      ) {
        await this.compact(client, last, Number(bumped.compacted));
      }
      // The notifications are sent at the commit, and only if it commits: one per resource written.
      const notify = resources.map(
        (r) => `SELECT pg_notify('${notifyChannel}', ${client.escapeLiteral(`${last} ${r}`)});`,
      );
      await client.query(`${notify.join(" ")} COMMIT`);
      return events;
    });
  }

  /**
   * Rows of a resource in (namespace, name) order, read `batch` at a time (keyset paging on the
   * primary key, within the caller's transaction).
   */
  private async *scan(
    client: pg.PoolClient,
    resource: string,
    namespace: string | undefined,
    after: Position | undefined,
    batch: number,
  ): AsyncGenerator<ObjectRow> {
    let cursor = after;
    if (namespace !== undefined && cursor !== undefined) {
      // `after` in another namespace puts the start before or past the whole of this one.
      const order = compareUtf8(cursor.namespace, namespace);
      if (order > 0) return;
      if (order < 0) cursor = undefined;
    }
    const limit = Number.isFinite(batch) ? ` LIMIT ${batch}` : "";
    for (;;) {
      const select = `SELECT ${objectColumns} FROM objects WHERE resource = $1`;
      let query: { text: string; values: string[] };
      if (namespace === undefined) {
        query =
          cursor === undefined
            ? { text: `${select} ORDER BY namespace, name${limit}`, values: [resource] }
            : {
                text: `${select} AND (namespace, name) > ($2, $3) ORDER BY namespace, name${limit}`,
                values: [resource, cursor.namespace, cursor.name],
              };
      } else {
        query =
          cursor === undefined
            ? { text: `${select} AND namespace = $2 ORDER BY name${limit}`, values: [resource, namespace] }
            : {
                text: `${select} AND namespace = $2 AND name > $3 ORDER BY name${limit}`,
                values: [resource, namespace, cursor.name],
              };
      }
      const { rows } = await client.query<ObjectRow>(query);
      yield* rows;
      if (!Number.isFinite(batch) || rows.length < batch) return;
      const last = rows.at(-1)!;
      cursor = { namespace: last.namespace, name: last.name };
    }
  }

  // --- watch delivery -------------------------------------------------------------------------

  /** Makes sure the LISTEN connection is up; resolves once LISTEN is in effect. */
  private listen(): Promise<void> {
    this.listening ??= this.connectListener().catch((err: unknown) => {
      this.listening = undefined;
      throw err;
    });
    return this.listening;
  }

  private async connectListener(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on("notification", (message) => {
      if (message.channel === notifyChannel && message.payload) this.notified(message.payload);
    });
    client.on("error", () => this.listenerLost(client));
    client.on("end", () => this.listenerLost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${notifyChannel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closing !== undefined) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    this.listenFailures = 0;
  }

  /** A commit somewhere: `payload` is "REVISION RESOURCE"; that resource's watchers read on. */
  private notified(payload: string): void {
    const space = payload.indexOf(" ");
    if (space > 0) this.poll(payload.slice(space + 1));
  }

  /** The LISTEN connection broke: notifications may have been missed, so read after reconnecting. */
  private listenerLost(client: pg.Client): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    this.listening = undefined;
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing !== undefined || this.reconnect !== undefined || this.watchers.size === 0) return;
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined;
      this.listen().then(
        () => {
          for (const resource of this.watchers.keys()) this.poll(resource);
        },
        () => {
          this.listenFailures++;
          this.scheduleReconnect();
        },
      );
    }, backoff(this.listenFailures));
    this.reconnect.unref();
  }

  /** Reads the events of `resource` its watchers have not seen and queues them; see Poller. */
  private poll(resource: string): void {
    if (this.closing !== undefined || !this.watchers.has(resource)) return;
    let poller = this.pollers.get(resource);
    if (poller === undefined) {
      poller = { running: false, again: false, retry: undefined, failures: 0 };
      this.pollers.set(resource, poller);
    }
    if (poller.running) {
      poller.again = true;
      return;
    }
    clearTimeout(poller.retry);
    poller.retry = undefined;
    poller.running = true;
    this.catchUp(resource, poller).then(
      () => {
        poller.running = false;
        poller.failures = 0;
        if (this.watchers.has(resource)) {
          if (poller.again) this.poll(resource);
        } else if (this.pollers.get(resource) === poller) {
          this.pollers.delete(resource);
        }
      },
      () => {
        // The database is unreachable for now: try again later, from where each watcher is.
        poller.running = false;
        poller.failures++;
        if (this.closing !== undefined) return;
        poller.retry = setTimeout(() => this.poll(resource), backoff(poller.failures));
        poller.retry.unref();
      },
    );
  }

  private async catchUp(resource: string, poller: Poller): Promise<void> {
    do {
      poller.again = false;
      const set = this.watchers.get(resource);
      if (set === undefined || set.size === 0) return;
      let from = Infinity;
      for (const watcher of set) from = Math.min(from, watcher.last);
      const { progress, events } = await this.read(async (client) => ({
        progress: await readProgress(client, resource),
        events: await readEvents(client, resource, from, eventBatch),
      }));
      const { pruned } = progress;
      // Every event of the resource up to the snapshot's revision has been read, unless the batch
      // was full: then up to its last event.
      const full = events.length === eventBatch;
      if (full) poller.again = true;
      const upTo = full ? events.at(-1)!.object.revision : progress.revision;
      for (const watcher of this.watchers.get(resource) ?? []) {
        if (watcher.last < pruned) {
          // Events it has not seen are gone: it cannot go on without a gap.
          this.unwatch(watcher);
          watcher.onExpired?.(
            new StoreError(
              "Expired",
              `the watch of ${resource} at revision ${watcher.last} fell behind: its history starts after revision ${pruned}`,
            ),
          );
          continue;
        }
        // A watcher registered while this read ran may be behind `from`: the next round is its.
        if (watcher.last < from) {
          poller.again = true;
          continue;
        }
        this.enqueue(
          watcher,
          events.filter((event) => event.object.revision > watcher.last),
        );
        // Caught up to the snapshot: later reads start there.
        watcher.last = Math.max(watcher.last, upTo);
      }
    } while (poller.again && this.closing === undefined);
  }

  /** Delivers in a microtask, so that `onEvent` never runs inside the store's own work. */
  private enqueue(watcher: Watcher, events: WatchEvent[]): void {
    if (events.length === 0 || watcher.stopped) return;
    for (const event of events) watcher.queue.push(event); // no spread: a batch may be huge
    watcher.last = events.at(-1)!.object.revision;
    if (watcher.scheduled) return;
    watcher.scheduled = true;
    queueMicrotask(() => this.flush(watcher));
  }

  private flush(watcher: Watcher): void {
    watcher.scheduled = false;
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

async function createRow(client: pg.PoolClient, key: ObjectKey, input: WriteInput, revision: number) {
  if ((await selectObject(client, key)) !== undefined) {
    throw new StoreError("AlreadyExists", `${describeKey(key)} already exists`);
  }
  const object = encodeWrite(key, input, revision);
  await client.query(
    `WITH o AS (INSERT INTO objects (${objectColumns}) VALUES ($1, $2, $3, $4, $5, $6))
     INSERT INTO events (${objectColumns}, type) VALUES ($1, $2, $3, $4, $5, $6, 'ADDED')`,
    [key.resource, key.namespace, key.name, revision, object.labelsJson, object.stored.body],
  );
  return [{ type: "ADDED", object: object.stored }] satisfies WatchEvent[];
}

async function updateRow(
  client: pg.PoolClient,
  key: ObjectKey,
  expectedRevision: number,
  input: WriteInput,
  revision: number,
) {
  const current = await selectObject(client, key);
  if (current === undefined) throw new StoreError("NotFound", `${describeKey(key)} not found`);
  if (Number(current.revision) !== expectedRevision) {
    throw conflict(key, expectedRevision, Number(current.revision));
  }
  const object = encodeWrite(key, input, revision);
  await client.query(
    `WITH o AS (UPDATE objects SET revision = $4, labels = $5, body = $6
                WHERE resource = $1 AND namespace = $2 AND name = $3)
     INSERT INTO events (${objectColumns}, type) VALUES ($1, $2, $3, $4, $5, $6, 'MODIFIED')`,
    [key.resource, key.namespace, key.name, revision, object.labelsJson, object.stored.body],
  );
  return [{ type: "MODIFIED", object: object.stored }] satisfies WatchEvent[];
}

async function deleteRow(
  client: pg.PoolClient,
  key: ObjectKey,
  expectedRevision: number | undefined,
  revision: number,
) {
  const row = await selectObject(client, key);
  if (row === undefined) throw new StoreError("NotFound", `${describeKey(key)} not found`);
  if (expectedRevision !== undefined && Number(row.revision) !== expectedRevision) {
    throw conflict(key, expectedRevision, Number(row.revision));
  }
  return deleteRows(client, key.resource, [row], revision);
}

async function currentRevision(client: pg.PoolClient): Promise<number> {
  const { rows } = await client.query<{ revision: string }>("SELECT revision FROM meta WHERE id = 1");
  return Number(rows[0]!.revision);
}

async function selectObject(client: pg.PoolClient, key: ObjectKey): Promise<ObjectRow | undefined> {
  const { rows } = await client.query<ObjectRow>(
    `SELECT ${objectColumns} FROM objects WHERE resource = $1 AND namespace = $2 AND name = $3`,
    [key.resource, key.namespace, key.name],
  );
  return rows[0];
}

/** The store's revision, and the newest event of `resource` that compaction removed (0 if none). */
async function readProgress(client: pg.PoolClient, resource: string): Promise<{ revision: number; pruned: number }> {
  const { rows } = await client.query<{ revision: string; pruned: string }>(
    `SELECT m.revision, coalesce(p.revision, 0) AS pruned
     FROM meta m LEFT JOIN pruned p ON p.resource = $1 WHERE m.id = 1`,
    [resource],
  );
  return { revision: Number(rows[0]!.revision), pruned: Number(rows[0]!.pruned) };
}

async function readEvents(
  client: pg.PoolClient,
  resource: string,
  after: number,
  limit: number,
): Promise<WatchEvent[]> {
  const { rows } = await client.query<EventRow>(
    `SELECT ${objectColumns}, type FROM events WHERE resource = $1 AND revision > $2 ORDER BY revision${
      Number.isFinite(limit) ? ` LIMIT ${limit}` : ""
    }`,
    [resource, after],
  );
  return rows.map((row) => ({ type: row.type, object: toStored(row) }));
}

/** Deletes the rows, numbering their DELETED events from `revision` on, in the rows' order. */
async function deleteRows(
  client: pg.PoolClient,
  resource: string,
  rows: readonly ObjectRow[],
  revision: number,
): Promise<WatchEvent[]> {
  if (rows.length === 0) return [];
  const events: WatchEvent[] = rows.map((row, i) => ({
    type: "DELETED",
    object: { ...toStored(row), revision: revision + i },
  }));
  await client.query(
    `WITH doomed AS (
       SELECT * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
         AS t(revision, namespace, name, labels, body)
     ), gone AS (
       DELETE FROM objects o USING doomed d
       WHERE o.resource = $1 AND o.namespace = d.namespace AND o.name = d.name
     )
     INSERT INTO events (${objectColumns}, type)
     SELECT $1, namespace, name, revision, labels, body, 'DELETED' FROM doomed`,
    [
      resource,
      events.map((e) => e.object.revision),
      rows.map((row) => row.namespace),
      rows.map((row) => row.name),
      rows.map((row) => row.labels),
      rows.map((row) => row.body),
    ],
  );
  return events;
}

/** Builds the body for the revision this write got; only call once the preconditions hold. */
function encodeWrite(key: ObjectKey, input: WriteInput, revision: number) {
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
  return { labelsJson, stored };
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
