// The generic resource machinery: create, read, list, replace, patch, delete and the /status
// subresource for every Kubernetes-style kind, driven by its descriptor (kinds.ts), as the
// apiserver's generic registry store is driven by a strategy. Knows nothing of HTTP.
import { randomUUID } from "node:crypto";
import { guaranteedUpdate } from "../store/guaranteed-update.js";
import type { RowFilter, Store, StoredObject } from "../store/index.js";
import { StoreError } from "../store/index.js";
import {
  alreadyExists,
  badRequest,
  conflict,
  forbiddenFields,
  invalid,
  notFound,
  type StatusCause,
  type StatusError,
} from "./errors.js";
import { changedFields, getField } from "./field-diff.js";
import type { KindDescriptor } from "./kinds.js";
import { checkObjectLimits } from "./limits.js";
import { applyMergePatch } from "./merge-patch.js";
import { isObject, type JsonObject, type JsonValue, jsonEqual, type KubeObject } from "./object.js";
import { preconditionRevision } from "./resource-version.js";
import { parseFieldSelector, parseLabelSelector, SelectorError } from "./selectors.js";
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

export interface DeleteOptions extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Metadata the server owns: a client may echo it, never change it. */
const serverOwnedMeta = [
  "uid",
  "creationTimestamp",
  "selfLink",
  "generation",
  "managedFields",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
] as const;

export class ResourceRegistry {
  constructor(
    private readonly store: Store,
    private readonly validate: ObjectValidator,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(
    kind: KindDescriptor,
    namespace: string,
    body: KubeObject,
    options: WriteOptions = {},
  ): Promise<ObjectResult> {
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
    delete obj.status;
    if (kind.initialStatus) obj.status = structuredClone(kind.initialStatus);
    kind.applyDefaults(obj);
    this.check(kind, obj);
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
  async get(kind: KindDescriptor, namespace: string, name: string): Promise<StoredObject> {
    const stored = await this.store.get({ resource: kind.resource, namespace, name });
    if (!stored) throw notFound(kind, name);
    return stored;
  }

  async list(kind: KindDescriptor, query: ListQuery): Promise<ListResult> {
    const after = query.continue ? decodeContinue(query.continue) : undefined;
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

  /** PUT on the object: the body replaces it; status is kept as stored. */
  replace(
    kind: KindDescriptor,
    namespace: string,
    name: string,
    body: KubeObject,
    options: WriteOptions = {},
  ): Promise<ObjectResult> {
    const precondition = body.metadata?.resourceVersion;
    if (precondition === undefined && !kind.allowUnconditionalUpdate) throw resourceVersionRequired(kind, name);
    return this.update(kind, namespace, name, asPrecondition(kind, name, precondition), options, (old) => {
      const next = structuredClone(body);
      next.status = old.status as JsonValue;
      if (old.status === undefined) delete next.status;
      return next;
    });
  }

  /** PATCH on the object, a JSON Merge Patch; status is kept as stored. */
  patch(
    kind: KindDescriptor,
    namespace: string,
    name: string,
    patch: JsonObject,
    options: WriteOptions = {},
  ): Promise<ObjectResult> {
    const precondition = isObject(patch.metadata) ? patch.metadata.resourceVersion : undefined;
    return this.update(kind, namespace, name, asPrecondition(kind, name, precondition), options, (old, copy) => {
      const next = applyMergePatch(copy(), patch) as KubeObject;
      if (old.status === undefined) delete next.status;
      else next.status = old.status as JsonValue;
      return next;
    });
  }

  /** PUT on /status. */
  replaceStatus(
    kind: KindDescriptor,
    namespace: string,
    name: string,
    body: KubeObject,
    options: WriteOptions = {},
  ): Promise<ObjectResult> {
    const precondition = body.metadata?.resourceVersion;
    if (precondition === undefined && !kind.allowUnconditionalUpdate) throw resourceVersionRequired(kind, name);
    return this.update(
      kind,
      namespace,
      name,
      asPrecondition(kind, name, precondition),
      options,
      (old, copy) => statusWrite(kind, old, structuredClone(body), copy),
      true,
    );
  }

  /** PATCH on /status, a JSON Merge Patch of which only the status part counts. */
  patchStatus(
    kind: KindDescriptor,
    namespace: string,
    name: string,
    patch: JsonObject,
    options: WriteOptions = {},
  ): Promise<ObjectResult> {
    const precondition = isObject(patch.metadata) ? patch.metadata.resourceVersion : undefined;
    return this.update(
      kind,
      namespace,
      name,
      asPrecondition(kind, name, precondition),
      options,
      (old, copy) => statusWrite(kind, old, applyMergePatch(copy(), patch) as KubeObject, copy),
      true,
    );
  }

  async delete(
    kind: KindDescriptor,
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): Promise<KubeObject> {
    const key = { resource: kind.resource, namespace, name };
    const current = await this.get(kind, namespace, name);
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
      await this.store.delete(key, expected ?? current.revision);
      return obj;
    } catch (e) {
      if (e instanceof StoreError && e.code === "NotFound") throw notFound(kind, name);
      // Changed since read: without a precondition a delete still wins, as in Kubernetes.
      if (e instanceof StoreError && e.code === "Conflict" && expected === undefined)
        return this.delete(kind, namespace, name, options);
      if (e instanceof StoreError && e.code === "Conflict") throw conflict(kind, name);
      throw e;
    }
  }

  async deleteCollection(
    kind: KindDescriptor,
    namespace: string,
    query: Omit<ListQuery, "namespace" | "limit" | "continue">,
    options: WriteOptions = {},
  ): Promise<ListResult> {
    if (options.dryRun) return this.list(kind, { ...query, namespace });
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
   * The read-modify-write of every update: read the stored object, let `mutate` make the new one,
   * apply the kind's rules, write it if the stored revision did not move (else re-read and retry,
   * unless the caller gave a resourceVersion precondition). An unchanged object is not written.
   */
  private async update(
    kind: KindDescriptor,
    namespace: string,
    name: string,
    precondition: number | undefined,
    options: WriteOptions,
    mutate: (old: KubeObject, copy: () => KubeObject) => KubeObject,
    statusOnly = false,
  ): Promise<ObjectResult> {
    let result: ObjectResult | undefined;
    try {
      await guaranteedUpdate(this.store, { resource: kind.resource, namespace, name }, (current) => {
        if (precondition !== undefined && precondition !== current.revision) throw conflict(kind, name);
        const old = JSON.parse(current.body) as KubeObject;
        // A private copy of the stored object, parsed again: cheaper than cloning `old`.
        const next = mutate(old, () => JSON.parse(current.body) as KubeObject);
        this.prepareUpdate(kind, namespace, name, old, next, statusOnly);
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

  /** The kind's rules on an update, in the apiserver's order; throws what the request breaks. */
  private prepareUpdate(
    kind: KindDescriptor,
    namespace: string,
    name: string,
    old: KubeObject,
    next: KubeObject,
    statusOnly: boolean,
  ): void {
    if (!isObject(next.metadata)) next.metadata = {} as KubeObject["metadata"];
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
    if (!statusOnly) kind.applyDefaults(next);

    const ignore = new Set(["status", "metadata.resourceVersion"]);
    if (kind.updatableFields && !statusOnly) {
      for (const f of kind.updatableFields) ignore.add(f);
      const refused = changedFields(old, next, ignore);
      if (refused.length) throw forbiddenFields(kind, name, refused, kind.updatableFields);
    }
    const immutable = kind.immutableFields.filter((f) => !jsonEqual(getField(old, f), getField(next, f)));
    if (immutable.length) {
      throw invalid(
        kind,
        name,
        immutable.map((field) => ({
          reason: "FieldValueInvalid",
          message: "Invalid value: field is immutable",
          field,
        })),
      );
    }
    this.check(kind, next);

    const generation = typeof old.metadata.generation === "number" ? old.metadata.generation : 1;
    meta.generation = generation + (!statusOnly && specChanged(kind, old, next) ? 1 : 0);
  }

  private check(kind: KindDescriptor, obj: KubeObject): void {
    checkObjectLimits(kind, obj);
    const causes: StatusCause[] = this.validate(kind.kind, obj);
    if (causes.length) throw invalid(kind, obj.metadata?.name ?? "", causes);
  }
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

/** What a /status write keeps of the request: the status only, or everything but spec. */
function statusWrite(kind: KindDescriptor, old: KubeObject, requested: KubeObject, copy: () => KubeObject): KubeObject {
  if (kind.statusWrite === "status-only") {
    const next = copy();
    if (requested.status === undefined) delete next.status;
    else next.status = requested.status;
    return next;
  }
  requested.spec = old.spec as JsonValue;
  if (old.spec === undefined) delete requested.spec;
  return requested;
}

function specChanged(kind: KindDescriptor, old: KubeObject, next: KubeObject): boolean {
  if (kind.generationFrom === "spec") return !jsonEqual(old.spec, next.spec);
  for (const key of new Set([...Object.keys(old), ...Object.keys(next)])) {
    if (key === "metadata" || key === "status") continue;
    if (!jsonEqual(old[key], next[key])) return true;
  }
  return false;
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

function decodeContinue(token: string): { namespace: string; name: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { v?: unknown; start?: unknown };
    const start = parsed.start;
    if (parsed.v === 1 && Array.isArray(start) && start.length === 2 && start.every((s) => typeof s === "string")) {
      return { namespace: start[0] as string, name: start[1] as string };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest("continue key is not valid: the token was not issued by this server");
}
