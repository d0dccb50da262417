// The Kubernetes-style operations of every kind, through the kind's two generic stores: the
// resource's (`main`) and the /status subresource's (`status`, the same store with the status
// update strategy). The eleven operations of a kind differ only by the stores they are given.
import type { components } from "@trainjobs/types";
import { grantedNamespaces, type User } from "../http/auth.js";
import { RawJson, streamed } from "../http/respond.js";
import { unsupportedMediaType } from "../resources/errors.js";
import { jsonPatchType, type KindDescriptor, strategicMergePatchType } from "../resources/kinds.js";
import type { JsonObject, KubeObject } from "../resources/object.js";
import {
  jsonPatchOf,
  type KindStores,
  mergePatchOf,
  replacement,
  strategicMergePatchOf,
  type UpdatedObjectInfo,
} from "../resources/store.js";
import { noPatchMeta, type PatchMeta } from "../resources/strategic-merge-patch.js";
import { acceptedTable, type IncludeObject, toTable } from "../resources/table.js";
import type { Context, Handler, OperationId } from "./handlers.js";
import { isTrue, serveWatch, type WatchOptions, type WatchRequest, type WatchStreams } from "./watch.js";

type Schemas = components["schemas"];

/** The operationIds of one kind, in the Kubernetes client style. */
type KindOperationId<K extends string> =
  | `listNamespaced${K}`
  | `createNamespaced${K}`
  | `deleteCollectionNamespaced${K}`
  | `readNamespaced${K}`
  | `replaceNamespaced${K}`
  | `patchNamespaced${K}`
  | `deleteNamespaced${K}`
  | `readNamespaced${K}Status`
  | `replaceNamespaced${K}Status`
  | `patchNamespaced${K}Status`
  | `list${K}ForAllNamespaces`;

export type KindHandlers<K extends string> = { [Op in Extract<KindOperationId<K>, OperationId>]: Handler<Op> };

interface KindQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  dryRun?: "All";
  includeObject?: IncludeObject;
  watch?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: string;
  sendInitialEvents?: string;
}

interface KindParams {
  namespace: string;
  name: string;
}

// The handlers below see every kind's operations through these loose shapes; the map they build
// is checked against the generated operation types where it is returned.
type AnyContext = Context<OperationId> & { params: KindParams; query: KindQuery; body: unknown };
type AnyReply = { status: 200 | 201; body: unknown; contentType?: string };

const dryRun = (ctx: AnyContext) => ({ dryRun: ctx.query.dryRun === "All" });

function listQuery(ctx: AnyContext) {
  return {
    ...(ctx.query.labelSelector !== undefined ? { labelSelector: ctx.query.labelSelector } : {}),
    ...(ctx.query.fieldSelector !== undefined ? { fieldSelector: ctx.query.fieldSelector } : {}),
    ...(ctx.query.limit !== undefined ? { limit: Number(ctx.query.limit) } : {}),
    ...(ctx.query.continue !== undefined ? { continue: ctx.query.continue } : {}),
  };
}

/** The watch parameters of a list request, when it asks for a watch. */
function watchRequest(ctx: AnyContext): WatchRequest {
  const q = ctx.query;
  return {
    ...(q.labelSelector !== undefined ? { labelSelector: q.labelSelector } : {}),
    ...(q.fieldSelector !== undefined ? { fieldSelector: q.fieldSelector } : {}),
    ...(q.resourceVersion !== undefined ? { resourceVersion: q.resourceVersion } : {}),
    ...(q.timeoutSeconds !== undefined ? { timeoutSeconds: q.timeoutSeconds } : {}),
    ...(q.allowWatchBookmarks !== undefined ? { allowWatchBookmarks: q.allowWatchBookmarks } : {}),
    ...(q.sendInitialEvents !== undefined ? { sendInitialEvents: q.sendInitialEvents } : {}),
  };
}

export interface KindWatchOptions extends WatchOptions {
  streams: WatchStreams;
}

function deletedStatus(kind: KindDescriptor, obj: KubeObject): Schemas["Status"] {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { name: obj.metadata.name, group: kind.group, kind: kind.plural, uid: String(obj.metadata.uid ?? "") },
    code: 200,
  };
}

export interface KindHandlerOptions {
  /** How a strategic merge patch merges the kind's lists (from the spec's schema of the kind). */
  patchMeta?: PatchMeta;
  /** The clock of the Table answers' ages. */
  now?: () => Date;
}

export function kindHandlers<K extends string>(
  kind: KindDescriptor & { kind: K },
  stores: KindStores,
  watch: KindWatchOptions,
  options: KindHandlerOptions = {},
): KindHandlers<K> {
  const { main, status } = stores;
  const { streams, ...watchOptions } = watch;
  const serve = async (ctx: AnyContext, scope: WatchRequest): Promise<AnyReply> => {
    await serveWatch(ctx.req.res!, kind, main, { ...watchRequest(ctx), ...scope }, streams, watchOptions);
    return { status: 200, body: streamed };
  };
  const patchMeta = options.patchMeta ?? noPatchMeta;
  const now = options.now ?? (() => new Date());
  // The validator has refused media types the spec does not list for the operation (415).
  const patchOf = (ctx: AnyContext): UpdatedObjectInfo => {
    const type = (ctx.req.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (!kind.patchTypes.includes(type as never)) throw unsupportedMediaType(kind.patchTypes);
    if (type === strategicMergePatchType) return strategicMergePatchOf(ctx.body as JsonObject, patchMeta);
    if (type === jsonPatchType) return jsonPatchOf(kind, ctx.params.name, ctx.body);
    return mergePatchOf(ctx.body as JsonObject);
  };
  /** A list's answer: the stored list, or a Table of it when the client asks for one. */
  const listReply = (ctx: AnyContext, result: { text: string; items: { body: string }[] }): AnyReply => {
    const version = acceptedTable(ctx.req.get("accept"));
    if (!version) return { status: 200, body: new RawJson(result.text) };
    const list = JSON.parse(result.text) as { metadata: JsonObject };
    const objects = result.items.map((i) => JSON.parse(i.body) as KubeObject);
    return tableReply(ctx, version, objects, list.metadata);
  };
  const tableReply = (ctx: AnyContext, version: "v1", objects: KubeObject[], metadata: JsonObject): AnyReply => ({
    status: 200,
    body: toTable(kind.printerColumns, objects, {
      version,
      includeObject: ctx.query.includeObject ?? "Metadata",
      metadata,
      now: now(),
    }),
    contentType: `application/json;as=Table;v=${version};g=meta.k8s.io`,
  });
  const ops: Record<string, (ctx: AnyContext) => Promise<AnyReply>> = {
    [`listNamespaced${kind.kind}`]: async (ctx) => {
      if (isTrue(ctx.query.watch)) return serve(ctx, { namespace: ctx.params.namespace });
      return listReply(ctx, await main.list({ namespace: ctx.params.namespace, ...listQuery(ctx) }));
    },
    [`list${kind.kind}ForAllNamespaces`]: async (ctx) => {
      const granted = grantedNamespaces(ctx.user as User);
      const scope = granted === "all" ? {} : { namespaces: granted };
      if (isTrue(ctx.query.watch)) return serve(ctx, scope);
      return listReply(ctx, await main.list({ ...scope, ...listQuery(ctx) }));
    },
    [`createNamespaced${kind.kind}`]: async (ctx) => ({
      status: 201,
      body: new RawJson((await main.create(ctx.params.namespace, ctx.body as KubeObject, dryRun(ctx))).text),
    }),
    [`deleteCollectionNamespaced${kind.kind}`]: async (ctx) => {
      const { labelSelector, fieldSelector } = listQuery(ctx);
      const selectors = {
        ...(labelSelector !== undefined ? { labelSelector } : {}),
        ...(fieldSelector !== undefined ? { fieldSelector } : {}),
      };
      return {
        status: 200,
        body: new RawJson((await main.deleteCollection(ctx.params.namespace, selectors, dryRun(ctx))).text),
      };
    },
    [`readNamespaced${kind.kind}`]: async (ctx) => {
      const stored = await main.get(ctx.params.namespace, ctx.params.name);
      const version = acceptedTable(ctx.req.get("accept"));
      if (!version) return { status: 200, body: new RawJson(stored.body) };
      const obj = JSON.parse(stored.body) as KubeObject;
      return tableReply(ctx, version, [obj], { resourceVersion: obj.metadata.resourceVersion ?? "" });
    },
    [`readNamespaced${kind.kind}Status`]: async (ctx) => ({
      status: 200,
      body: new RawJson((await status.get(ctx.params.namespace, ctx.params.name)).body),
    }),
    [`replaceNamespaced${kind.kind}`]: async (ctx) => ({
      status: 200,
      body: new RawJson(
        (await main.update(ctx.params.namespace, ctx.params.name, replacement(ctx.body as KubeObject), dryRun(ctx)))
          .text,
      ),
    }),
    [`patchNamespaced${kind.kind}`]: async (ctx) => ({
      status: 200,
      body: new RawJson((await main.update(ctx.params.namespace, ctx.params.name, patchOf(ctx), dryRun(ctx))).text),
    }),
    [`replaceNamespaced${kind.kind}Status`]: async (ctx) => ({
      status: 200,
      body: new RawJson(
        (await status.update(ctx.params.namespace, ctx.params.name, replacement(ctx.body as KubeObject), dryRun(ctx)))
          .text,
      ),
    }),
    [`patchNamespaced${kind.kind}Status`]: async (ctx) => ({
      status: 200,
      body: new RawJson((await status.update(ctx.params.namespace, ctx.params.name, patchOf(ctx), dryRun(ctx))).text),
    }),
    [`deleteNamespaced${kind.kind}`]: async (ctx) => {
      const options = (ctx.body ?? {}) as {
        dryRun?: string[];
        preconditions?: { uid?: string; resourceVersion?: string };
      };
      const obj = await main.delete(ctx.params.namespace, ctx.params.name, {
        dryRun: ctx.query.dryRun === "All" || (options.dryRun?.includes("All") ?? false),
        ...(options.preconditions ? { preconditions: options.preconditions } : {}),
      });
      return { status: 200, body: kind.returnDeletedObject ? obj : deletedStatus(kind, obj) };
    },
  };
  return ops as unknown as KindHandlers<K>;
}
