// The generic store of one resource, in the shape of the apiserver's generic registry
// (k8s.io/apiserver/pkg/registry/generic/registry.Store): create, get, list, update, delete and
// deletecollection, the same code for every kind, driven by the kind's data (kinds.ts) and by
// strategies (strategies.ts) that say what a create or an update may do. The /status subresource
// is this same store built with the status update strategy. Knows nothing of HTTP.
import { randomUUID } from "node:crypto";
import { guaranteedUpdate } from "../store/guaranteed-update.js";
import type { RowFilter, Store, StoredObject, WatchEvent as StoreWatchEvent } from "../store/index.js";
import { StoreError } from "../store/index.js";
import { alreadyExists, badRequest, conflict, expired, invalid, notFound, StatusError } from "./errors.js";
import { applyJsonPatch, JsonPatchError } from "./json-patch.js";
import type { KindDescriptor } from "./kinds.js";
import { checkObjectLimits } from "./limits.js";
import { applyMergePatch } from "./merge-patch.js";
import { isObject, type JsonObject, type JsonValue, jsonEqual, type KubeObject } from "./object.js";
import { preconditionRevision } from "./resource-version.js";
import { parseFieldSelector, parseLabelSelector, SelectorError } from "./selectors.js";
import { applyStrategicMergePatch, type PatchMeta, StrategicMergePatchError } from "./strategic-merge-patch.js";
import type { ObjectValidator } from "./validation.js";

/** An object as written: parsed, and as the JSON text that was stored (sent as is). */
export interface ObjectResult {
  object: KubeObject;
  text: string;
}

export interface WriteOptions {
  dryRun?: boolean;
}

export interface ListQuery {
  /** One namespace; all when absent. */
  namespace?: string;
  /** For all-namespace lists: only these namespaces (what the caller may read); all when absent. */
  namespaces?: ReadonlySet<string>;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  /** The `{Kind}List` as JSON text, built from the stored texts without re-serialising them. */
  text: string;
  items: StoredObject[];
}

/** What a watch follows: a list's scope and selectors, from a resourceVersion. */
export interface WatchQuery extends Pick<ListQuery, "namespace" | "namespaces" | "labelSelector" | "fieldSelector"> {
  /**
   * Absent, "" or "0": the current objects first, as ADDED events, then every change. A revision
   * the server returned: every change after it.
   */
  resourceVersion?: string;
  /**
   * Streaming lists (client-go's WatchList): true, the current objects as ADDED events first, even
   * from a given resourceVersion; false, none, even from an absent one (then only new changes).
   * Absent: as `resourceVersion` says.
   */
  sendInitialEvents?: boolean;
}

/** One event as the watcher sees it: the object's JSON text, ready to send. */
export interface ResourceWatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  /** The object; for DELETED its last state with the resourceVersion of the delete. */
  text: string;
  revision: number;
}

export interface WatchSink {
  /** Called in revision order, never twice for one write; must not throw. */
  onEvent(event: ResourceWatchEvent): void;
  /**
   * The history no longer reaches back to the watch's start (at once or later, when the engine
   * falls behind): the watch has stopped; the client must list again.
   */
  onExpired(error: StatusError): void;
}

export interface ResourceWatch {
  stop(): void;
  /**
   * The revision the watch has reached: of the last write to this resource it has seen, filtered
   * out or not (a bookmark's resourceVersion, from which a new watch misses nothing).
   */
  progress(): number;
}

export interface DeleteOptions extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
}

/**
 * What a kind does on create (rest.RESTCreateStrategy). The store has already checked the
 * namespace, settled the name and set the server-owned metadata (uid, creationTimestamp,
 * generation 1, selfLink) when it runs.
 */
export interface CreateStrategy {
  /** Drops what a client may not set on create (status), sets the initial status, applies defaults. */
  prepareForCreate(obj: KubeObject): void;
  /** The kind's own rules on a new object; the schema is checked after, by the store. */
  validate(obj: KubeObject): void;
}

/**
 * What an endpoint may change on update (rest.RESTUpdateStrategy): the main resource and /status
 * are the same store with different update strategies.
 */
export interface UpdateStrategy {
  /** An update without a resourceVersion precondition is allowed (Job), or 422 (custom resources). */
  readonly allowUnconditionalUpdate: boolean;
  /**
   * The object to store, from what the request asked for (`obj`, a private copy) and the stored
   * object (`old`, not to be changed; `copyOld` gives a private copy): keeps of the request only
   * what this endpoint may change, applies defaults, and sets `metadata.generation`. Runs before
   * the store's checks of name, namespace and uid, and before it restores the other server-owned
   * metadata from `old`.
   */
  prepareForUpdate(obj: KubeObject, old: KubeObject, copyOld: () => KubeObject): KubeObject;
  /** The kind's rules on a change (refused fields, immutable fields); throws a StatusError. */
  validateUpdate(obj: KubeObject, old: KubeObject): void;
}

/**
 * An update request (rest.UpdatedObjectInfo): its resourceVersion precondition and how to make
 * the updated object from the stored one. A replace and a merge patch differ only here.
 */
export interface UpdatedObjectInfo {
  /**
   * The resourceVersion the client sent: a precondition (none when undefined, null or ""; only an
   * undefined one makes a replace unconditional).
   */
  readonly resourceVersion: unknown;
  /**
   * The request sends the whole object (a PUT): without a resourceVersion it is an unconditional
   * update, which the strategy may refuse. A patch applies to the current object and never is.
   */
  readonly replaces: boolean;
  /** The object as the request would have it, given the stored one; `copy` is a private copy of it. */
  updatedObject(old: KubeObject, copy: () => KubeObject): KubeObject;
}

/** A PUT: the body is the updated object. */
export function replacement(body: KubeObject): UpdatedObjectInfo {
  return {
    resourceVersion: body.metadata?.resourceVersion,
    replaces: true,
    updatedObject: () => structuredClone(body),
  };
}

/** A PATCH with a JSON Merge Patch, applied to the stored object. */
export function mergePatchOf(patch: JsonObject): UpdatedObjectInfo {
  return {
    resourceVersion: isObject(patch.metadata) ? patch.metadata.resourceVersion : undefined,
    replaces: false,
    updatedObject: (_old, copy) => applyMergePatch(copy(), patch) as KubeObject,
  };
}

/**
 * A PATCH with a strategic merge patch (built-in kinds), applied to the stored object with the
 * kind's patch meta; as for a merge patch, a `metadata.resourceVersion` in it is a precondition.
 */
export function strategicMergePatchOf(patch: JsonObject, meta: PatchMeta): UpdatedObjectInfo {
  return {
    resourceVersion: isObject(patch.metadata) ? patch.metadata.resourceVersion : undefined,
    replaces: false,
    updatedObject: (_old, copy) => {
      try {
        return applyStrategicMergePatch(copy(), patch, meta) as KubeObject;
      } catch (e) {
        if (e instanceof StrategicMergePatchError) throw badRequest(e.message);
        throw e;
      }
    },
  };
}

/**
 * A PATCH with a JSON Patch (RFC 6902): a malformed one is 400, one that does not apply (a failed
 * `test`, a missing path) 422, as kube-apiserver answers. A patch that sets another
 * resourceVersion than the stored one makes it a precondition, as in kube-apiserver where the
 * patched object's resourceVersion is checked.
 */
export function jsonPatchOf(kind: KindDescriptor, name: string, patch: unknown): UpdatedObjectInfo {
  return {
    resourceVersion: undefined,
    replaces: false,
    updatedObject: (old, copy) => {
      let result: JsonValue;
      try {
        result = applyJsonPatch(copy(), patch);
      } catch (e) {
        if (e instanceof JsonPatchError && e.kind === "malformed") throw badRequest(e.message);
        if (e instanceof JsonPatchError) throw new StatusError(422, "Invalid", e.message, {});
        throw e;
      }
      if (!isObject(result)) throw badRequest("the patched object is not a JSON object");
      const meta = result.metadata;
      const version = isObject(meta) ? meta.resourceVersion : undefined;
      if (version !== undefined && version !== null && version !== "" && version !== old.metadata.resourceVersion)
        throw conflict(kind, name);
      return result as KubeObject;
    },
  };
}

export interface ResourceStoreOptions {
  kind: KindDescriptor;
  store: Store;
  /** Checks an object against its kind's schema, after the strategy's own rules. */
  validate: ObjectValidator;
  createStrategy: CreateStrategy;
  updateStrategy: UpdateStrategy;
  /** The clock of creationTimestamp. */
  now?: () => Date;
}

/**
 * Metadata the server owns: a client may echo it, never change it. `generation` is owned too, but
 * the update strategy sets it.
 */
const serverOwnedMeta = [
  "uid",
  "creationTimestamp",
  "selfLink",
  "managedFields",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
] as const;

/**
 * The store of one resource, or of one subresource: a kind's /status is a ResourceStore too, with
 * the kind's status update strategy (see kindStores).
 */
export class ResourceStore {
  readonly kind: KindDescriptor;
  private readonly store: Store;
  private readonly schema: ObjectValidator;
  readonly createStrategy: CreateStrategy;
  readonly updateStrategy: UpdateStrategy;
  private readonly now: () => Date;

  constructor(options: ResourceStoreOptions) {
    this.kind = options.kind;
    this.store = options.store;
    this.schema = options.validate;
    this.createStrategy = options.createStrategy;
    this.updateStrategy = options.updateStrategy;
    this.now = options.now ?? (() => new Date());
  }

  async create(namespace: string, body: KubeObject, options: WriteOptions = {}): Promise<ObjectResult> {
    const kind = this.kind;
    // The body was parsed for this request alone: it is ours to complete.
    const obj = body;
    obj.metadata ??= {} as KubeObject["metadata"];
    const meta = obj.metadata;
    if (meta.namespace !== undefined && meta.namespace !== namespace) {
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    if (!meta.name) {
      if (typeof meta.generateName === "string" && meta.generateName) meta.name = meta.generateName + randomSuffix();
      else
        throw invalid(kind, "", [
          {
            reason: "FieldValueRequired",
            message: "Required value: name or generateName is required",
            field: "metadata.name",
          },
        ]);
    }
    meta.namespace = namespace;
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp(this.now());
    meta.generation = 1;
    meta.selfLink = selfLink(kind, namespace, meta.name);
    delete meta.resourceVersion;
    this.createStrategy.prepareForCreate(obj);
    this.createStrategy.validate(obj);
    this.checkSchema(obj);
    if (options.dryRun) return { object: obj, text: JSON.stringify(obj) };
    const key = { resource: kind.resource, namespace, name: meta.name };
    try {
      const stored = await this.store.create(key, { labels: labelsOf(obj), encode: encoder(obj) });
      return { object: obj, text: stored.body };
    } catch (e) {
      if (e instanceof StoreError && e.code === "AlreadyExists") throw alreadyExists(kind, meta.name);
      throw e;
    }
  }

  /** The stored object; its text is sent as is. */
  async get(namespace: string, name: string): Promise<StoredObject> {
    const stored = await this.store.get({ resource: this.kind.resource, namespace, name });
    if (!stored) throw notFound(this.kind, name);
    return stored;
  }

  async list(query: ListQuery): Promise<ListResult> {
    const kind = this.kind;
    const token = query.continue ? decodeContinue(query.continue) : undefined;
    // As the apiserver once etcd compacted the token's revision: 410, list again from the start.
    if (token && token.revision < (await this.store.compactedRevision())) {
      throw expired(
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
      );
    }
    const after = token?.start;
    const result = await this.store.list(kind.resource, {
      ...(query.namespace !== undefined ? { namespace: query.namespace } : {}),
      ...(after ? { after } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
      filter: rowFilter(kind, query),
    });
    const last = result.items.at(-1);
    const metadata: Record<string, string> = { resourceVersion: String(result.revision) };
    if (result.more && last) metadata.continue = encodeContinue(result.revision, last.namespace, last.name);
    return {
      text: listText(
        kind,
        metadata,
        result.items.map((i) => i.body),
      ),
      items: result.items,
    };
  }

  /**
   * Follows the resource (rest.Watcher): the changes to the objects the query selects, in
   * revision order, none lost or repeated. Selectors apply to each state: an object that stops
   * matching is DELETED to this watcher (with its new state), one that starts matching ADDED, as
   * the apiserver's watch cache does. A watch from a given revision does not know which objects
   * matched before it, so the first change of an object it has not seen counts as matching on
   * both sides when the new state matches (MODIFIED) and on neither when it does not (no event).
   * Throws a 400 StatusError for bad selectors or resourceVersion; an expired start goes to
   * `sink.onExpired`.
   */
  async watch(query: WatchQuery, sink: WatchSink): Promise<ResourceWatch> {
    const kind = this.kind;
    const filter = rowFilter(kind, query);
    const inScope = (row: StoredObject) =>
      (query.namespace === undefined || row.namespace === query.namespace) && filter(row);
    const fromText = query.resourceVersion ?? "";
    const unset = fromText === "" || fromText === "0";
    const initial = query.sendInitialEvents ?? unset;
    let from: number;
    /** Whether each object this watch has seen matched in its last state. */
    const matched = new Map<string, boolean>();
    let items: StoredObject[] = [];
    if (initial) {
      const listed = await this.store.list(kind.resource, {
        ...(query.namespace !== undefined ? { namespace: query.namespace } : {}),
        filter,
      });
      from = listed.revision;
      items = listed.items;
      for (const item of items) matched.set(`${item.namespace}/${item.name}`, true);
    } else if (unset) {
      from = await this.store.revision();
    } else {
      if (!/^\d+$/.test(fromText) || !Number.isSafeInteger(Number(fromText))) {
        throw badRequest(`resourceVersion ${JSON.stringify(fromText)}: must be a resourceVersion the server returned`);
      }
      from = Number(fromText);
    }
    let progress = from;
    let stopped = false;
    const onStoreEvent = (event: StoreWatchEvent) => {
      if (stopped) return;
      const row = event.object;
      progress = row.revision;
      const key = `${row.namespace}/${row.name}`;
      const now = inScope(row);
      const before = matched.get(key) ?? (event.type === "ADDED" ? false : initial ? false : now);
      if (event.type === "DELETED") matched.delete(key);
      else matched.set(key, now);
      let type: ResourceWatchEvent["type"] | undefined;
      if (event.type === "DELETED") type = before ? "DELETED" : undefined;
      else if (before && now) type = "MODIFIED";
      else if (now) type = "ADDED";
      else if (before) type = "DELETED";
      if (type === undefined) return;
      // A DELETED object is its last write's text: it carries the revision of the delete.
      const text = event.type === "DELETED" ? withResourceVersion(row.body, row.revision) : row.body;
      sink.onEvent({ type, text, revision: row.revision });
    };
    const expire = (message: string) => {
      if (stopped) return;
      stopped = true;
      sink.onExpired(expired(`too old resource version: ${from} (${message})`));
    };
    let stopStore: () => void;
    try {
      stopStore = await this.store.watch(kind.resource, from, onStoreEvent, (e) => expire(e.message));
    } catch (e) {
      if (e instanceof StoreError && e.code === "Expired") {
        expire(e.message);
        return { stop: () => undefined, progress: () => progress };
      }
      throw e;
    }
    // Before the store's first event: engines deliver after a macrotask at the earliest.
    for (const item of items) sink.onEvent({ type: "ADDED", text: item.body, revision: item.revision });
    return {
      stop: () => {
        stopped = true;
        stopStore();
      },
      progress: () => progress,
    };
  }

  /**
   * Every update, a replace or a patch, on the resource or on /status: read the stored object, make
   * the updated one (`info`), let the update strategy prepare and validate it, write it if the
   * stored revision did not move (else re-read and retry, unless the client gave a resourceVersion
   * precondition). An unchanged object is not written.
   */
  async update(
    namespace: string,
    name: string,
    info: UpdatedObjectInfo,
    options: WriteOptions = {},
  ): Promise<ObjectResult> {
    const kind = this.kind;
    if (info.replaces && info.resourceVersion === undefined && !this.updateStrategy.allowUnconditionalUpdate) {
      throw resourceVersionRequired(kind, name);
    }
    const precondition = asPrecondition(kind, name, info.resourceVersion);
    let result: ObjectResult | undefined;
    try {
      await guaranteedUpdate(this.store, { resource: kind.resource, namespace, name }, (current) => {
        if (precondition !== undefined && precondition !== current.revision) throw conflict(kind, name);
        const old = JSON.parse(current.body) as KubeObject;
        // A private copy of the stored object, parsed again: cheaper than cloning `old`.
        const copy = () => JSON.parse(current.body) as KubeObject;
        const next = this.prepareUpdate(namespace, name, old, info.updatedObject(old, copy), copy);
        next.metadata.resourceVersion = old.metadata.resourceVersion as string;
        if (jsonEqual(old, next)) {
          result = { object: old, text: current.body };
          return { keep: true };
        }
        if (options.dryRun) {
          result = { object: next, text: JSON.stringify(next) };
          return { keep: true };
        }
        const encode = encoder(next);
        result = { object: next, text: "" };
        return { write: { labels: labelsOf(next), encode: (revision) => (result!.text = encode(revision)) } };
      });
    } catch (e) {
      if (e instanceof StoreError && e.code === "NotFound") throw notFound(kind, name);
      if (e instanceof StoreError && e.code === "Conflict")
        throw conflict(kind, name, "too many concurrent updates; please try again");
      throw e;
    }
    return result!;
  }

  async delete(namespace: string, name: string, options: DeleteOptions = {}): Promise<KubeObject> {
    const kind = this.kind;
    const key = { resource: kind.resource, namespace, name };
    const current = await this.get(namespace, name);
    const obj = JSON.parse(current.body) as KubeObject;
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== obj.metadata.uid) {
      throw conflict(
        kind,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(obj.metadata.uid)}`,
      );
    }
    const expected = pre?.resourceVersion !== undefined ? asPrecondition(kind, name, pre.resourceVersion) : undefined;
    if (expected !== undefined && expected !== current.revision) throw conflict(kind, name);
    if (options.dryRun) return obj;
    try {
      const deleted = await this.store.delete(key, expected ?? current.revision);
      // As etcd3's delete decodes it: the last state, with the revision of the delete.
      obj.metadata.resourceVersion = String(deleted.revision);
      return obj;
    } catch (e) {
      if (e instanceof StoreError && e.code === "NotFound") throw notFound(kind, name);
      // Changed since read: without a precondition a delete still wins, as in Kubernetes.
      if (e instanceof StoreError && e.code === "Conflict" && expected === undefined)
        return this.delete(namespace, name, options);
      if (e instanceof StoreError && e.code === "Conflict") throw conflict(kind, name);
      throw e;
    }
  }

  async deleteCollection(
    namespace: string,
    query: Omit<ListQuery, "namespace" | "limit" | "continue">,
    options: WriteOptions = {},
  ): Promise<ListResult> {
    const kind = this.kind;
    if (options.dryRun) return this.list({ ...query, namespace });
    const deleted = await this.store.deleteCollection(kind.resource, { namespace, filter: rowFilter(kind, query) });
    const revision = await this.store.revision();
    return {
      text: listText(
        kind,
        { resourceVersion: String(revision) },
        deleted.map((d) => d.body),
      ),
      items: deleted,
    };
  }

  /**
   * The update strategy's preparation, then what holds for every kind (rest.BeforeUpdate): the URL
   * owns name and namespace, the uid is a precondition, server-owned metadata is kept as stored;
   * then the strategy's rules and the schema. Throws what the request breaks.
   */
  private prepareUpdate(
    namespace: string,
    name: string,
    old: KubeObject,
    requested: KubeObject,
    copyOld: () => KubeObject,
  ): KubeObject {
    const kind = this.kind;
    if (!isObject(requested.metadata)) requested.metadata = {} as KubeObject["metadata"];
    const next = this.updateStrategy.prepareForUpdate(requested, old, copyOld);
    const meta = next.metadata;
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
    }
    if (meta.namespace !== undefined && meta.namespace !== namespace) {
      throw badRequest(
        `the namespace of the object (${String(meta.namespace)}) does not match the namespace on the request (${namespace})`,
      );
    }
    if (meta.uid !== undefined && meta.uid !== old.metadata.uid) {
      throw conflict(
        kind,
        name,
        `Precondition failed: UID in precondition: ${String(meta.uid)}, UID in object meta: ${String(old.metadata.uid)}`,
      );
    }
    meta.name = name;
    meta.namespace = namespace;
    for (const field of serverOwnedMeta) {
      if (old.metadata[field] === undefined) delete meta[field];
      else meta[field] = old.metadata[field] as JsonValue;
    }
    this.updateStrategy.validateUpdate(next, old);
    this.checkSchema(next);
    return next;
  }

  private checkSchema(obj: KubeObject): void {
    checkObjectLimits(this.kind, obj);
    const causes = this.schema(this.kind.kind, obj);
    if (causes.length) throw invalid(this.kind, obj.metadata?.name ?? "", causes);
  }
}

/** A kind's two stores, as the apiserver's `storage` and `statusStorage`. */
export interface KindStores {
  main: ResourceStore;
  status: ResourceStore;
}

/** The stores of a kind over one Store, with the kind's strategies. */
export function kindStores(
  kind: KindDescriptor,
  store: Store,
  validate: ObjectValidator,
  now?: () => Date,
): KindStores {
  const common = { kind, store, validate, createStrategy: kind.strategy, ...(now ? { now } : {}) };
  return {
    main: new ResourceStore({ ...common, updateStrategy: kind.strategy }),
    status: new ResourceStore({ ...common, updateStrategy: kind.statusStrategy }),
  };
}

/**
 * The rows a list or a deletecollection takes: in the granted namespaces, matching the label and
 * field selectors. Selectors are parsed once per request; a row's body is parsed only for the
 * kind's extra selectable fields (Job's status.successful).
 */
function rowFilter(
  kind: KindDescriptor,
  query: Pick<ListQuery, "namespaces" | "labelSelector" | "fieldSelector">,
): RowFilter {
  const labels = parseSelector(() => parseLabelSelector(query.labelSelector ?? ""));
  const allowedFields = ["metadata.name", "metadata.namespace", ...Object.keys(kind.extraSelectableFields)];
  const fields = parseSelector(() => parseFieldSelector(query.fieldSelector ?? "", allowedFields));
  const { namespaces } = query;
  const needsBody = fields.requirements.some((r) => r.field in kind.extraSelectableFields);
  return (row) => {
    if (namespaces && !namespaces.has(row.namespace)) return false;
    if (!labels.empty && !labels.matches(row.labels)) return false;
    if (fields.empty) return true;
    const values: Record<string, string> = { "metadata.name": row.name, "metadata.namespace": row.namespace };
    if (needsBody) {
      const obj = JSON.parse(row.body) as KubeObject;
      for (const [field, read] of Object.entries(kind.extraSelectableFields)) {
        const value = read(obj);
        if (value !== undefined) values[field] = value;
      }
    }
    return fields.matches(values);
  };
}

function resourceVersionRequired(kind: KindDescriptor, name: string): StatusError {
  return invalid(kind, name, [
    {
      reason: "FieldValueInvalid",
      message: "Invalid value: 0x0: must be specified for an update",
      field: "metadata.resourceVersion",
    },
  ]);
}

/** A resourceVersion sent by a client as a revision number; garbage can never be current. */
function asPrecondition(kind: KindDescriptor, name: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = preconditionRevision(value);
  if (n === undefined) {
    throw invalid(kind, name, [
      {
        reason: "FieldValueInvalid",
        message: `Invalid value: ${JSON.stringify(value)}: must be a resourceVersion the server returned`,
        field: "metadata.resourceVersion",
      },
    ]);
  }
  return n;
}

function labelsOf(obj: KubeObject): Record<string, string> {
  const labels = obj.metadata.labels;
  return isObject(labels) ? (labels as Record<string, string>) : {};
}

/** Stores the object with the write's revision as its resourceVersion, serialised once. */
function encoder(obj: KubeObject) {
  return (revision: number): string => {
    obj.metadata.resourceVersion = String(revision);
    return JSON.stringify(obj);
  };
}

/** An object's JSON text with another resourceVersion (a DELETED event's, the delete's own). */
export function withResourceVersion(text: string, revision: number): string {
  const obj = JSON.parse(text) as KubeObject;
  obj.metadata.resourceVersion = String(revision);
  return JSON.stringify(obj);
}

function listText(kind: KindDescriptor, metadata: Record<string, string>, items: string[]): string {
  return `{"apiVersion":${JSON.stringify(kind.apiVersion)},"kind":${JSON.stringify(kind.listKind)},"metadata":${JSON.stringify(metadata)},"items":[${items.join(",")}]}`;
}

export function selfLink(kind: KindDescriptor, namespace: string, name: string): string {
  return `/apis/${kind.apiVersion}/namespaces/${namespace}/${kind.plural}/${name}`;
}

/** RFC 3339 at second precision, as Kubernetes writes metav1.Time. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function randomSuffix(): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let s = "";
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

function parseSelector<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof SelectorError) throw badRequest(e.message);
    throw e;
  }
}

// A continue token names where the next page starts: after (namespace, name). Objects that exist
// throughout a paged listing are seen exactly once, whatever changes between pages.
function encodeContinue(revision: number, namespace: string, name: string): string {
  return Buffer.from(JSON.stringify({ v: 1, rv: revision, start: [namespace, name] })).toString("base64url");
}

function decodeContinue(token: string): { revision: number; start: { namespace: string; name: string } } {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      v?: unknown;
      rv?: unknown;
      start?: unknown;
    };
    const start = parsed.start;
    if (
      parsed.v === 1 &&
      Number.isSafeInteger(parsed.rv) &&
      Array.isArray(start) &&
      start.length === 2 &&
      start.every((s) => typeof s === "string")
    ) {
      return { revision: parsed.rv as number, start: { namespace: start[0] as string, name: start[1] as string } };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest("continue key is not valid: the token was not issued by this server");
}
