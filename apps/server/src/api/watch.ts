// The HTTP side of a watch (`GET <list>?watch=true`), as the apiserver frames it: status 200,
// `Content-Type: application/json`, chunked, one `{"type":…,"object":…}` line per event, each
// written (flushed) as it happens. The events themselves come from ResourceStore.watch.
import type { Response } from "express";
import type { StatusError } from "../resources/errors.js";
import type { KindDescriptor } from "../resources/kinds.js";
import type { ResourceStore, ResourceWatch, WatchQuery } from "../resources/store.js";

/** Timers of the watches, injectable so that tests drive bookmarks and timeouts by hand. */
export interface WatchTimers {
  /** Calls `fn` every `ms`; returns the cancel function. */
  every(ms: number, fn: () => void): () => void;
  /** Calls `fn` once after `ms`; returns the cancel function. */
  after(ms: number, fn: () => void): () => void;
}

export const realTimers: WatchTimers = {
  every: (ms, fn) => {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

export interface WatchOptions {
  timers?: WatchTimers;
  /** How often a watch with `allowWatchBookmarks` gets a BOOKMARK (default one minute, as the apiserver). */
  bookmarkIntervalMs?: number;
  /** The stream's length when the client gives no `timeoutSeconds` (default 30 minutes). */
  defaultTimeoutSeconds?: number;
}

/** The open watch streams, so that a graceful shutdown can end them. */
export class WatchStreams {
  private readonly ends = new Set<() => void>();

  get size(): number {
    return this.ends.size;
  }

  add(end: () => void): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }

  /** Ends every stream, as at shutdown: clients see the stream end and watch again elsewhere. */
  closeAll(): void {
    for (const end of [...this.ends]) end();
  }
}

/** Go's strconv.ParseBool true values, which the apiserver reads `watch` and friends with. */
const truthy = new Set(["true", "1", "t", "T", "TRUE", "True"]);

export function isTrue(value: unknown): boolean {
  return typeof value === "string" && truthy.has(value);
}

export interface WatchRequest extends Omit<WatchQuery, "sendInitialEvents"> {
  timeoutSeconds?: number | string;
  allowWatchBookmarks?: string;
  sendInitialEvents?: string;
}

/**
 * Serves a watch on `res`. Errors found before the stream starts (a bad selector or
 * resourceVersion) are thrown, for the error handler to answer as any error; an expired start is
 * a 200 stream holding one ERROR event, as the apiserver sends it.
 */
export async function serveWatch(
  res: Response,
  kind: KindDescriptor,
  store: ResourceStore,
  query: WatchRequest,
  streams: WatchStreams,
  options: WatchOptions = {},
): Promise<void> {
  const timers = options.timers ?? realTimers;
  let started = false;
  let ended = false;
  const start = () => {
    if (started) return;
    started = true;
    res.status(200);
    res.setHeader("Content-Type", "application/json");
    res.setHeader("Cache-Control", "no-cache, private");
    res.flushHeaders();
  };
  const send = (type: string, objectText: string) => {
    if (ended) return;
    start();
    res.write(`{"type":"${type}","object":${objectText}}\n`);
  };
  const cleanups: (() => void)[] = [];
  const end = () => {
    if (ended) return;
    ended = true;
    for (const cleanup of cleanups) cleanup();
    start();
    res.end();
  };
  const watchQuery: WatchQuery = {
    ...(query.namespace !== undefined ? { namespace: query.namespace } : {}),
    ...(query.namespaces !== undefined ? { namespaces: query.namespaces } : {}),
    ...(query.labelSelector !== undefined ? { labelSelector: query.labelSelector } : {}),
    ...(query.fieldSelector !== undefined ? { fieldSelector: query.fieldSelector } : {}),
    ...(query.resourceVersion !== undefined ? { resourceVersion: query.resourceVersion } : {}),
    ...(query.sendInitialEvents !== undefined ? { sendInitialEvents: isTrue(query.sendInitialEvents) } : {}),
  };
  const bookmarks = isTrue(query.allowWatchBookmarks);
  const bookmark = (annotations?: Record<string, string>) =>
    JSON.stringify({
      kind: kind.kind,
      apiVersion: kind.apiVersion,
      metadata: { resourceVersion: String(watch.progress()), ...(annotations ? { annotations } : {}) },
    });
  let expiredError: StatusError | undefined;
  const watch: ResourceWatch = await store.watch(watchQuery, {
    onEvent: (event) => send(event.type, event.text),
    onExpired: (error) => {
      // At the start, the stream is not set up yet: sent below.
      if (!started) {
        expiredError = error;
        return;
      }
      send("ERROR", JSON.stringify(error.toStatus()));
      end();
    },
  });
  cleanups.push(() => watch.stop());
  // Headers now, so that the client sees its watch established before the first change.
  start();
  if (expiredError) {
    send("ERROR", JSON.stringify(expiredError.toStatus()));
    end();
    return;
  }
  // A streaming list: the initial events are all sent; clients (client-go's WatchList) wait for
  // this bookmark before they treat their cache as synced.
  if (bookmarks && isTrue(query.sendInitialEvents)) send("BOOKMARK", bookmark({ "k8s.io/initial-events-end": "true" }));
  cleanups.push(streams.add(end));
  // The client went away (or the stream ended): stop following the store.
  res.on("close", end);
  const timeout = Number(query.timeoutSeconds ?? 0);
  const seconds = timeout > 0 ? timeout : (options.defaultTimeoutSeconds ?? 1800);
  cleanups.push(timers.after(seconds * 1000, end));
  if (bookmarks) cleanups.push(timers.every(options.bookmarkIntervalMs ?? 60_000, () => send("BOOKMARK", bookmark())));
}
