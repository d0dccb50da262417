// The reference server's process: reads the environment contract (PORT, HOST, DATABASE_URL,
// TOKEN_FILE, TLS_CERT_FILE, TLS_KEY_FILE), opens the store, listens, and shuts down cleanly on
// SIGTERM/SIGINT: stop accepting, finish in-flight requests, close the store.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { resolve } from "node:path";
import { pino } from "pino";
import { createServer } from "./app.js";
import { createDevToken, TokenTable } from "./http/auth.js";
import { openStore } from "./store/index.js";

const logger = pino({ name: "trainjobs", level: process.env.LOG_LEVEL ?? "info" });

async function main(): Promise<void> {
  const env = process.env;
  const port = Number(env.PORT ?? 8080);
  const host = env.HOST ?? "127.0.0.1";
  // Relative paths are the caller's: npm start runs here, in apps/server, so use INIT_CWD.
  const cwd = env.INIT_CWD ?? process.cwd();
  const databaseUrl = env.DATABASE_URL ?? `sqlite:${resolve(cwd, ".data/trainjobs.db")}`;
  const store = await openStore(databaseUrl.startsWith("sqlite:") && !databaseUrl.startsWith("sqlite::memory:") ? `sqlite:${resolve(cwd, databaseUrl.slice(7))}` : databaseUrl);

  let tokens: TokenTable;
  if (env.TOKEN_FILE) {
    tokens = TokenTable.fromFile(resolve(cwd, env.TOKEN_FILE));
  } else {
    const devTokenPath = resolve(cwd, ".data/dev-token");
    const dev = createDevToken(devTokenPath);
    tokens = dev.table;
    logger.info({ tokenFile: devTokenPath }, `no TOKEN_FILE: development token for user "admin" (system:masters): ${dev.token}`);
  }

  const app = createServer({ store, tokens, logger });
  const tls = env.TLS_CERT_FILE && env.TLS_KEY_FILE
    ? { cert: readFileSync(resolve(cwd, env.TLS_CERT_FILE)), key: readFileSync(resolve(cwd, env.TLS_KEY_FILE)) }
    : undefined;
  if (!!env.TLS_CERT_FILE !== !!env.TLS_KEY_FILE) throw new Error("TLS_CERT_FILE and TLS_KEY_FILE must be set together");
  const server = tls ? https.createServer(tls, app) : http.createServer(app);
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => done());
  });
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  logger.info({ url: `${tls ? "https" : "http"}://${host}:${actualPort}`, database: databaseUrl.replace(/\/\/[^@]*@/, "//***@") }, "trainjobs server listening");

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    app.lifecycle.accepting = false;
    server.close(() => {
      store.close().then(
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
    server.closeIdleConnections();
    // Connections that never go idle do not hold the process forever.
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  logger.fatal({ err }, "cannot start");
  process.exit(1);
});
