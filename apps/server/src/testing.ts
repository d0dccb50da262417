// For the tests of packages that talk to the reference server over real HTTP (the client, the
// docs) and for its own process tests: startTestServer() runs the app in this process on a
// loopback port and an in-memory store (or the store `databaseUrl` names); startServerProcess()
// runs the built server (`node dist/main.js`) as a child process, as users run it, and waits for
// /readyz.
import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createServer, type TrainjobsServer } from "./app.js";
import { TokenTable } from "./http/auth.js";
import { openStore } from "./store/index.js";

export interface RunningTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The app, for what only the process can otherwise do (dev mode's setDevStatus). */
  app: TrainjobsServer;
  /** A token of a `system:masters` user. */
  token: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** More users: token → [user, groups]. */
  users?: Record<string, [name: string, groups: string[]]>;
  /** Validate responses against the spec too (default true). */
  validateResponses?: boolean;
  /** Dev mode, as TRAINJOBS_DEV=1 (mock responses, the docs' live reload). */
  dev?: boolean;
  /** The docs page to serve (default: @trainjobs/docs's). */
  docsPath?: string;
  /**
   * The store, as DATABASE_URL names it (default `sqlite::memory:`): a `postgres://…` database
   * runs the same tests on the shared engine.
   */
  databaseUrl?: string;
  /** Serve the simplest requests on the fast path (default true; http/fast-path.ts). */
  fastPath?: boolean;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<RunningTestServer> {
  const store = await openStore(options.databaseUrl ?? "sqlite::memory:");
  const token = "test-admin-token";
  const tokens = new TokenTable().add(token, { name: "admin", uid: "admin", groups: ["system:masters"] });
  for (const [t, [name, groups]] of Object.entries(options.users ?? {})) tokens.add(t, { name, uid: name, groups });
  const app = createServer({
    store,
    tokens,
    validateResponses: options.validateResponses ?? true,
    dev: options.dev ?? false,
    ...(options.docsPath ? { docsPath: options.docsPath } : {}),
    ...(options.fastPath !== undefined ? { fastPath: options.fastPath } : {}),
  });
  const server = http.createServer(app.listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    token,
    close: async () => {
      app.closeStreams();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

/** The built server, from src/ (tests run the sources) and from dist/ alike. */
export const serverMainJs = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** The variables main.ts reads: a server process gets them from its options, never from ours. */
export const serverEnvironmentVariables: readonly string[] = [
  "PORT",
  "HOST",
  "DATABASE_URL",
  "TOKEN_FILE",
  "TLS_CERT_FILE",
  "TLS_KEY_FILE",
  "LOG_LEVEL",
  "TRAINJOBS_DEV",
  "TRAINJOBS_OPENAPI",
  "CORS_ALLOWED_ORIGINS",
  "CONTROLLER",
  "INIT_CWD",
  "HEADERS_TIMEOUT_MS",
  "REQUEST_TIMEOUT_MS",
  "KEEP_ALIVE_TIMEOUT_MS",
  "MAX_CONNECTIONS",
];

/** A pino line of the server's stdout. */
export interface LogLine {
  level: number;
  msg: string;
  err?: { type?: string; message?: string; stack?: string };
  [key: string]: unknown;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  /** http(s)://127.0.0.1:port */
  url: string;
  stdout(): string;
  stderr(): string;
  /** stdout, each complete line parsed as pino JSON (a line that is not JSON fails the parse). */
  logs(): LogLine[];
  /** The first log line that matches, as soon as it is written; fails if the process exits first. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves when the process has exited and its output is drained. */
  exited: Promise<ProcessExit>;
  /** SIGTERM, then the exit (SIGKILL and a failure after timeoutMs). */
  stop(timeoutMs?: number): Promise<ProcessExit>;
}

export interface ServerProcessOptions {
  /**
   * The server's environment: PORT (a free loopback port unless given), HOST (127.0.0.1) and these.
   * Our own values of the variables the server reads are not passed on.
   */
  env?: Record<string, string>;
  /** The process's working directory (default: ours). */
  cwd?: string;
  /** The server speaks HTTPS (TLS_CERT_FILE and TLS_KEY_FILE are in env): the URL is https://. */
  tls?: boolean;
}

/** A port nobody listens on: listen on port 0, note the port, close. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Starts `node dist/main.js`; it may not be ready yet, or may exit (see waitForReady). */
export async function spawnServer(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const port = options.env?.PORT ? Number(options.env.PORT) : await freePort();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !serverEnvironmentVariables.includes(k)),
  );
  const proc = spawn(process.execPath, [serverMainJs], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...inherited, HOST: "127.0.0.1", PORT: String(port), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  proc.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    for (const w of waiters) w();
  });
  proc.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<ProcessExit>((done) => proc.once("close", (code, signal) => done({ code, signal })));
  // Complete lines only: a line still being written is not parsed yet.
  const logs = () =>
    out
      .split("\n")
      .slice(0, -1)
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as LogLine);

  return {
    proc,
    port,
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    stdout: () => out,
    stderr: () => err,
    logs,
    exited,
    waitForLog(match, timeoutMs = 30_000) {
      return new Promise<LogLine>((resolve, reject) => {
        const check = () => {
          const found = logs().find(match);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no such log line within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        void exited.then(() => {
          check();
          if (waiters.has(check)) {
            cleanup();
            reject(new Error(`the server exited; stdout:\n${out}\nstderr:\n${err}`));
          }
        });
        waiters.add(check);
        check();
      });
    },
    async stop(timeoutMs = 5_000) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          proc.kill("SIGKILL");
          reject(new Error(`still running ${timeoutMs} ms after SIGTERM; stdout:\n${out}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Polls the server's /readyz until it answers 200. Fails when the process exits first, or after
 * timeoutMs, with the server's output in the message. `ca`: the CA to trust for https.
 */
export async function waitForReady(
  server: ServerProcess,
  options: { ca?: string | Buffer; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const output = () => `stdout:\n${server.stdout()}\nstderr:\n${server.stderr()}`;
  while (Date.now() < deadline) {
    const { proc } = server;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`the server exited (${proc.exitCode ?? proc.signalCode}) before it was ready; ${output()}`);
    }
    if ((await statusOf(`${server.url}/readyz`, options.ca)) === 200) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`the server did not answer /readyz with 200 in time; ${output()}`);
}

/**
 * Starts `node dist/main.js` and waits until /readyz answers 200. Stop it with `stop()`. Without a
 * PORT in `env`, a free port is chosen; if something else takes it before the server binds it
 * (tests running side by side), another is tried.
 */
export async function startServerProcess(
  options: ServerProcessOptions & { ca?: string | Buffer; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    const server = await spawnServer(options);
    try {
      await waitForReady(server, options);
      return server;
    } catch (e) {
      if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill("SIGKILL");
      await server.exited;
      const taken = server.stdout().includes("the port is in use");
      if (options.env?.PORT !== undefined || !taken || attempt === 3) throw e;
    }
  }
}

/** The status of a GET on its own connection; 0 when nothing answers (not listening yet). */
function statusOf(url: string, ca: string | Buffer | undefined): Promise<number> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const options = { method: "GET", agent: false as const, timeout: 1_000 };
    const req =
      target.protocol === "https:"
        ? https.request(target, { ...options, ...(ca ? { ca } : {}) })
        : http.request(target, options);
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}
