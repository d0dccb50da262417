// Watch streams as a client reads them: over real HTTP, one JSON event per line, read as they come.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { WatchTimers } from "../src/api/watch.js";
import { createServer, type ServerOptions, type TrainjobsServer } from "../src/app.js";
import { TokenTable } from "../src/http/auth.js";
import { openStore, type Store } from "../src/store/index.js";
import { tokens } from "./helpers.js";

export interface WatchEventLine {
  type: string;
  object: Record<string, any>;
}

export interface OpenWatch {
  status: number;
  headers: Headers;
  /** The next event; rejects if the stream ends first. */
  next(): Promise<WatchEventLine>;
  /** Resolves when the server ends the stream, with the events not yet taken by next(). */
  ended(): Promise<WatchEventLine[]>;
  /** The client goes away. */
  close(): void;
}

/** Timers a test fires by hand: bookmarks and timeouts happen when the test says. */
export class FakeTimers implements WatchTimers {
  readonly intervals = new Set<{ ms: number; fn: () => void }>();
  readonly timeouts = new Set<{ ms: number; fn: () => void }>();

  every(ms: number, fn: () => void): () => void {
    const t = { ms, fn };
    this.intervals.add(t);
    return () => this.intervals.delete(t);
  }

  after(ms: number, fn: () => void): () => void {
    const t = { ms, fn };
    this.timeouts.add(t);
    return () => this.timeouts.delete(t);
  }

  /** One period of every interval passes. */
  tickIntervals(): void {
    for (const t of [...this.intervals]) t.fn();
  }

  /** Every pending timeout fires. */
  fireTimeouts(): void {
    for (const t of [...this.timeouts]) {
      this.timeouts.delete(t);
      t.fn();
    }
  }
}

export interface HttpTestServer {
  url: string;
  app: TrainjobsServer;
  store: Store;
  timers: FakeTimers;
  close(): Promise<void>;
}

/** The app over real HTTP, on a store of its own, with fake watch timers. */
export async function httpTestServer(
  options: { store?: Store; watch?: Omit<NonNullable<ServerOptions["watch"]>, "timers"> } = {},
): Promise<HttpTestServer> {
  const store = options.store ?? (await openStore("sqlite::memory:"));
  const table = TokenTable.fromCsv(
    [
      `${tokens.admin},admin,u-admin,"system:masters"`,
      `${tokens.alice},alice,u-alice,"namespace:kube-test,project:proj-a"`,
      `${tokens.bob},bob,u-bob,"namespace:team-b"`,
    ].join("\n"),
  );
  const timers = new FakeTimers();
  const app = createServer({ store, tokens: table, validateResponses: true, watch: { ...options.watch, timers } });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    store,
    timers,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

/** Opens `GET url` (a watch) with the user's token and reads its events as they come. */
export async function openWatch(url: string, token: string = tokens.admin): Promise<OpenWatch> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, signal: abort.signal });
  const queue: WatchEventLine[] = [];
  const waiters: { resolve: (e: WatchEventLine) => void; reject: (e: Error) => void }[] = [];
  let done = false;
  let buffer = "";
  const endWaiters: (() => void)[] = [];
  const finish = () => {
    done = true;
    for (const w of waiters.splice(0)) w.reject(new Error("the watch stream ended"));
    for (const w of endWaiters.splice(0)) w();
  };
  (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        buffer += decoder.decode(value, { stream: true });
        let nl = buffer.indexOf("\n");
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) {
            const event = JSON.parse(line) as WatchEventLine;
            const waiter = waiters.shift();
            if (waiter) waiter.resolve(event);
            else queue.push(event);
          }
          nl = buffer.indexOf("\n");
        }
      }
    } catch {
      // aborted by close()
    }
    finish();
  })();
  return {
    status: res.status,
    headers: res.headers,
    next: () => {
      const event = queue.shift();
      if (event) return Promise.resolve(event);
      if (done) return Promise.reject(new Error("the watch stream ended"));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    ended: () =>
      new Promise((resolve) => {
        if (done) resolve(queue.splice(0));
        else endWaiters.push(() => resolve(queue.splice(0)));
      }),
    close: () => abort.abort(),
  };
}
