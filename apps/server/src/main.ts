// The reference server's process: reads the environment contract (PORT, HOST, DATABASE_URL,
// TOKEN_FILE, TLS_CERT_FILE, TLS_KEY_FILE, LOG_LEVEL, CORS_ALLOWED_ORIGINS, CONTROLLER,
// TRAINJOBS_DEV, TRAINJOBS_OPENAPI), opens the store, listens, runs the simulating controller
// (controller/, unless CONTROLLER=off), and shuts down cleanly on SIGTERM/SIGINT: /readyz answers
// 503, no new connections, in-flight requests finish, the controller stops and gives up its lease,
// the store is closed, "stopped" is logged and the process exits 0.
//
// The whole configuration is checked before anything is written (no database file, no development
// token for a process that then refuses to start) and before the app, the heavy part, is loaded. A
// configuration mistake is one fatal JSON line with a clear message and no stack trace, and exit
// status 1; only an unexpected error carries its stack, inside the line's `err`. Logs go to stdout;
// nothing is printed raw on stderr.
import { readFileSync, statSync, watch } from "node:fs";
import http from "node:http";
import https from "node:https";
import { createRequire } from "node:module";
import { basename, dirname, resolve } from "node:path";
import { type Logger, pino } from "pino";
import type { TrainjobsServer } from "./app.js";
import { createDevToken, TokenTable } from "./http/auth.js";
import { parseAllowedOrigins } from "./http/cors.js";
import { type DatabaseConfig, DatabaseUrlError, openStore, parseDatabaseUrl, type Store } from "./store/index.js";

/** An error in the environment the process was given: reported by its message alone. */
class ConfigError extends Error {
  override name = "ConfigError";
}

/** After this long, connections still open at shutdown are closed, in-flight or not. */
const shutdownGraceMs = 10_000;

/**
 * Connection limits of the HTTP(S) server, each overridable by its variable (milliseconds, or a
 * count; 0 turns a limit off). Slow or idle clients cannot hold connections forever:
 * - HEADERS_TIMEOUT_MS: the request's headers must arrive within this (Node's headersTimeout);
 * - REQUEST_TIMEOUT_MS: the whole request, body included, within this (requestTimeout);
 * - KEEP_ALIVE_TIMEOUT_MS: an idle keep-alive connection is closed after this; longer than the
 *   idle timeout of the usual load balancers (60 s), so that they close first;
 * - MAX_CONNECTIONS: connections beyond this many are closed as they arrive.
 */
const connectionDefaults = {
  HEADERS_TIMEOUT_MS: 60_000,
  REQUEST_TIMEOUT_MS: 300_000,
  KEEP_ALIVE_TIMEOUT_MS: 65_000,
  MAX_CONNECTIONS: 1_024,
} as const;
type ConnectionLimits = Record<keyof typeof connectionDefaults, number>;

interface Config {
  port: number;
  host: string;
  /** Relative paths are resolved against this directory (npm's INIT_CWD). */
  cwd: string;
  /** The store DATABASE_URL names, a sqlite path made absolute; `label` is how it may be logged. */
  database: DatabaseConfig;
  tokenFile: string | undefined;
  tls: { certFile: string; keyFile: string } | undefined;
  /** Origins allowed to call from a browser (CORS_ALLOWED_ORIGINS); none by default. */
  corsAllowedOrigins: string[];
  /** Run the controller (CONTROLLER, `on` unless `off`). */
  controller: boolean;
  limits: ConnectionLimits;
  /** TRAINJOBS_DEV=1 (`npm run dev`): mocked responses for unimplemented operations, live docs. */
  dev: boolean;
  /**
   * TRAINJOBS_OPENAPI: the bundled document to serve instead of @trainjobs/openapi's (`npm run dev
   * -- --openapi <dir>` on a copy of the spec).
   */
  documentPath: string | undefined;
}

/** An environment variable, with an empty value treated as unset (as `PORT= npm start`). */
function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

const logLevels = [...Object.keys(pino.levels.values), "silent"];

function logLevelOf(env: NodeJS.ProcessEnv): { level: string; error?: ConfigError } {
  const level = variable(env, "LOG_LEVEL")?.toLowerCase() ?? "info";
  if (logLevels.includes(level)) return { level };
  return {
    level: "info",
    error: new ConfigError(`LOG_LEVEL ${JSON.stringify(level)} is not one of ${logLevels.join(", ")}`),
  };
}

function devMode(env: NodeJS.ProcessEnv): boolean {
  const value = variable(env, "TRAINJOBS_DEV") ?? "0";
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw new ConfigError(`TRAINJOBS_DEV ${JSON.stringify(value)} is not 1 or 0`);
}

function readConfig(env: NodeJS.ProcessEnv): Config {
  // npm runs `start` in apps/server; relative paths are the caller's, the directory npm was run from.
  const cwd = variable(env, "INIT_CWD") ?? process.cwd();

  const portText = variable(env, "PORT") ?? "8080";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) {
    throw new ConfigError(`PORT ${JSON.stringify(portText)} is not a port number (0 to 65535)`);
  }
  const host = variable(env, "HOST") ?? "127.0.0.1";

  let database: DatabaseConfig;
  try {
    // The one parser of store URLs (store/index.ts); its messages repeat no password.
    database = parseDatabaseUrl(variable(env, "DATABASE_URL") ?? "sqlite:.data/trainjobs.db", { cwd });
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new ConfigError(`DATABASE_URL ${err.message}`);
    throw err;
  }

  const tokenFile = variable(env, "TOKEN_FILE");
  const certFile = variable(env, "TLS_CERT_FILE");
  const keyFile = variable(env, "TLS_KEY_FILE");
  if (!certFile !== !keyFile) {
    throw new ConfigError(
      `TLS_CERT_FILE and TLS_KEY_FILE must be set together (only ${certFile ? "TLS_CERT_FILE" : "TLS_KEY_FILE"} is set): both for HTTPS, neither for plain HTTP`,
    );
  }
  let corsAllowedOrigins: string[] = [];
  try {
    corsAllowedOrigins = parseAllowedOrigins(variable(env, "CORS_ALLOWED_ORIGINS") ?? "");
  } catch (err) {
    throw new ConfigError(`CORS_ALLOWED_ORIGINS: ${messageOf(err)}`);
  }
  const controllerText = variable(env, "CONTROLLER")?.toLowerCase() ?? "on";
  if (controllerText !== "on" && controllerText !== "off") {
    throw new ConfigError(`CONTROLLER ${JSON.stringify(controllerText)} is not on or off`);
  }
  const limits = { ...connectionDefaults } as ConnectionLimits;
  for (const name of Object.keys(connectionDefaults) as (keyof ConnectionLimits)[]) {
    const text = variable(env, name);
    if (text === undefined) continue;
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
      throw new ConfigError(`${name} ${JSON.stringify(text)} is not a whole number (0 turns the limit off)`);
    }
    limits[name] = Number(text);
  }
  if (limits.REQUEST_TIMEOUT_MS > 0 && limits.HEADERS_TIMEOUT_MS > limits.REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `HEADERS_TIMEOUT_MS (${limits.HEADERS_TIMEOUT_MS}) must not exceed REQUEST_TIMEOUT_MS (${limits.REQUEST_TIMEOUT_MS})`,
    );
  }
  return {
    controller: controllerText === "on",
    limits,
    port,
    host,
    cwd,
    database,
    corsAllowedOrigins,
    tokenFile: tokenFile && resolve(cwd, tokenFile),
    tls: certFile && keyFile ? { certFile: resolve(cwd, certFile), keyFile: resolve(cwd, keyFile) } : undefined,
    dev: devMode(env),
    documentPath: variable(env, "TRAINJOBS_OPENAPI") && resolve(cwd, variable(env, "TRAINJOBS_OPENAPI") ?? ""),
  };
}

/** The message of a file-system or library error, as one line. */
function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
}

function readConfigFile(variableName: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${variableName} ${path}: cannot read it: ${messageOf(err)}`);
  }
}

function loadTokens(path: string, logger: Logger): TokenTable {
  const text = readConfigFile("TOKEN_FILE", path).toString("utf8");
  let table: TokenTable;
  try {
    table = TokenTable.fromCsv(text);
  } catch (err) {
    throw new ConfigError(`TOKEN_FILE ${path}: ${messageOf(err)}`);
  }
  if (!/^\s*[^#\s]/m.test(text))
    logger.warn({ tokenFile: path }, "TOKEN_FILE has no tokens: every request that needs one will be refused");
  return table;
}

/**
 * The HTTP or HTTPS server, refusing keep-alive once shutdown began so that connections drain:
 * requests arriving then, and those in flight when it began, answer `Connection: close`.
 */
function createHttpServer(
  config: Config,
  app: http.RequestListener,
  stopping: () => boolean,
  inFlight: Set<http.ServerResponse>,
): http.Server {
  const listener: http.RequestListener = (req, res) => {
    if (stopping()) res.setHeader("Connection", "close");
    inFlight.add(res);
    res.once("close", () => inFlight.delete(res));
    app(req, res);
  };
  const { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS } = config.limits;
  // Node checks these timeouts every connectionsCheckingInterval (30 s by default): often enough
  // that a limit is enforced within a quarter of itself, at most every 30 s.
  const shortest = Math.min(HEADERS_TIMEOUT_MS || Infinity, REQUEST_TIMEOUT_MS || Infinity);
  const options = {
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(shortest / 4))),
  };
  const limit = (server: http.Server): http.Server => {
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    if (config.limits.MAX_CONNECTIONS > 0) server.maxConnections = config.limits.MAX_CONNECTIONS;
    return server;
  };
  if (!config.tls) return limit(http.createServer(options, listener));
  const cert = readConfigFile("TLS_CERT_FILE", config.tls.certFile);
  const key = readConfigFile("TLS_KEY_FILE", config.tls.keyFile);
  try {
    return limit(https.createServer({ cert, key, ...options }, listener));
  } catch (err) {
    throw new ConfigError(
      `TLS_CERT_FILE ${config.tls.certFile} and TLS_KEY_FILE ${config.tls.keyFile}: not a usable PEM certificate and matching private key: ${messageOf(err)}`,
    );
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((done, fail) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const reason: Record<string, string> = {
        EADDRINUSE: "the port is in use",
        EACCES: "permission denied",
        EADDRNOTAVAIL: "the address is not one of this machine's",
        ENOTFOUND: "the host name does not resolve",
        EAI_AGAIN: "the host name does not resolve",
      };
      const why = (err.code && reason[err.code]) ?? err.code;
      fail(why ? new ConfigError(`cannot listen on HOST ${host} PORT ${port}: ${why}`) : err);
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      done();
    });
  });
}

function urlOf(server: http.Server, config: Config): string {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  return `${config.tls ? "https" : "http"}://${host}:${port}`;
}

async function main(logger: Logger): Promise<void> {
  const config = readConfig(process.env);

  // Everything that can be refused is checked before the first side effect, and the port is
  // bound before anything is written: a start that fails (a port in use) leaves no database file
  // and no new development token. Until the app is loaded, requests are answered 503.
  const tokens = config.tokenFile ? loadTokens(config.tokenFile, logger) : undefined;
  let stopping = false;
  let app: TrainjobsServer | undefined;
  let controllerModule: typeof import("./controller/controller.js") | undefined;
  const inFlight = new Set<http.ServerResponse>();
  const server = createHttpServer(
    config,
    (req, res) => (app ? app.listener(req, res) : starting(res)),
    () => stopping,
    inFlight,
  );
  await listen(server, config.port, config.host);

  let store: Store;
  try {
    store = await openStore(config.database);
  } catch (err) {
    server.close();
    // A bad URL, a directory that cannot be created, a file that is not a database: the
    // environment's doing. The stack is kept for whoever runs with LOG_LEVEL=debug.
    logger.debug({ err }, "opening the store failed");
    throw new ConfigError(`DATABASE_URL ${config.database.label}: ${messageOf(err)}`);
  }

  let table = tokens;
  try {
    if (!table) {
      const devTokenPath = resolve(config.cwd, ".data/dev-token");
      let dev: ReturnType<typeof createDevToken>;
      try {
        dev = createDevToken(devTokenPath);
      } catch (err) {
        throw new ConfigError(`cannot write the development token to ${devTokenPath}: ${messageOf(err)}`);
      }
      table = dev.table;
      logger.info(
        { tokenFile: devTokenPath },
        `no TOKEN_FILE: development token for user "admin" (system:masters): ${dev.token}`,
      );
    }
    const { createServer } = await import("./app.js");
    // Loaded before the app is in place (and /readyz answers 200): from then to the signal
    // handlers nothing waits, so that a SIGTERM right after readiness is always a graceful shutdown.
    controllerModule = config.controller ? await import("./controller/controller.js") : undefined;
    app = createServer({
      store,
      tokens: table,
      logger,
      dev: config.dev,
      corsAllowedOrigins: config.corsAllowedOrigins,
      ...(config.documentPath ? { documentPath: config.documentPath } : {}),
    });
  } catch (err) {
    server.close();
    await store.close().catch(() => undefined);
    throw err;
  }
  server.on("error", (err) => logger.error({ err }, "server error"));
  const cors = config.corsAllowedOrigins.length ? { corsAllowedOrigins: config.corsAllowedOrigins } : {};
  logger.info(
    { url: urlOf(server, config), database: config.database.label, ...cors, ...(config.dev ? { dev: true } : {}) },
    "trainjobs server listening",
  );

  if (config.dev) {
    // `npm run dev` runs this process with an IPC channel and tells it whether the last edit built.
    let devStatus: string | undefined;
    if (process.send) {
      process.on("message", (message: { devStatus?: string }) => {
        devStatus = message?.devStatus || undefined;
        app?.setDevStatus(devStatus);
      });
      process.channel?.unref();
    }
    // A new bundle (the build renames it into place) swaps in a new app on the same store and
    // connections: no restart. A bundle the app cannot take leaves the previous one serving.
    const documentPath =
      config.documentPath ?? createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json");
    const identity = () => {
      try {
        const stat = statSync(documentPath);
        return `${stat.ino}-${stat.size}-${stat.mtimeMs}`;
      } catch {
        return "";
      }
    };
    let loaded = identity();
    const { createServer } = await import("./app.js");
    watch(dirname(documentPath), (_event, name) => {
      const now = identity();
      if (name !== basename(documentPath) || stopping || now === "" || now === loaded) return;
      loaded = now;
      try {
        const next = createServer({
          store,
          tokens: table,
          logger,
          dev: true,
          documentPath,
          corsAllowedOrigins: config.corsAllowedOrigins,
        });
        const previous = app;
        app = next;
        next.setDevStatus(devStatus);
        previous?.closeStreams();
        logger.info({ documentPath }, "dev: serving the new bundle");
      } catch (err) {
        logger.error({ err }, "dev: the new bundle cannot be served; the previous one still is");
      }
    }).unref();
  }

  let controller: { stop(): Promise<void> } | undefined;
  if (controllerModule) {
    const running = new controllerModule.Controller({
      store,
      kinds: app.kindStores,
      logger: logger.child({ component: "controller" }),
    });
    running.start();
    controller = running;
    logger.info({ holder: running.holder }, "controller started (simulated: no containers run)");
  }
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting without finishing in-flight requests");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    // The current app: dev mode swaps it when the bundle changes.
    if (app) app.lifecycle.accepting = false;
    // Watch streams never go idle on their own: end them, and clients watch again elsewhere.
    app?.watches.closeAll();
    app?.closeStreams();
    server.close(() => {
      // The controller first, so that it gives up its lease while the store is still open.
      (controller?.stop() ?? Promise.resolve())
        .catch((err: unknown) => logger.error({ err }, "stopping the controller failed"))
        .then(() => store.close())
        .then(
          () => {
            logger.info("stopped");
            process.exit(0);
          },
          (err: unknown) => {
            logger.error({ err }, "closing the store failed");
            process.exit(1);
          },
        );
    });
    // Idle keep-alive connections would hold server.close for keepAliveTimeout; busy ones answer
    // with `Connection: close` and end. Connections that never go idle are cut after the grace.
    // Responses in flight when the signal came were begun with keep-alive: they close too, and
    // their connections are closed as soon as they are answered, rather than idling until the
    // grace period ends.
    for (const res of inFlight) {
      if (!res.headersSent) res.setHeader("Connection", "close");
      res.once("finish", () => setImmediate(() => server.closeIdleConnections()));
    }
    server.closeIdleConnections();
    setTimeout(() => {
      logger.warn({ graceMs: shutdownGraceMs }, "closing connections still open after the grace period");
      server.closeAllConnections();
    }, shutdownGraceMs).unref();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

/** The answer while the app is still loading: the port is bound before the store is opened. */
function starting(res: http.ServerResponse): void {
  res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8", "Retry-After": "1", Connection: "close" });
  res.end("starting");
}

function fatal(logger: Logger, err: unknown, msg: string): never {
  logger.fatal({ err }, err instanceof ConfigError ? `cannot start: ${err.message}` : `${msg}: ${messageOf(err)}`);
  process.exit(1);
}

const { level, error: levelError } = logLevelOf(process.env);
const logger = pino(
  {
    name: "trainjobs",
    level,
    serializers: {
      // An expected error is its message: a stack would only bury it.
      err: (err: unknown) =>
        err instanceof ConfigError ? { type: err.name, message: err.message } : pino.stdSerializers.err(err as Error),
    },
  },
  // Synchronous: lines stay in order and none is lost to process.exit (pino's default stdout
  // stream writes asynchronously and flushes at exit, which can reorder the last lines).
  pino.destination({ dest: 1, sync: true }),
);
// Whatever escapes is logged as JSON like the rest, never printed raw on stderr.
process.on("uncaughtException", (err) => fatal(logger, err, "uncaught exception"));
process.on("unhandledRejection", (err) => fatal(logger, err, "unhandled rejection"));

if (levelError) fatal(logger, levelError, "cannot start");
main(logger).catch((err: unknown) => fatal(logger, err, "cannot start"));
