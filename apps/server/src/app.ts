// createServer(options): the Express app of the reference server, without listening.
import express, { type Express } from "express";

export interface ServerOptions {
  /** Validate every response against the spec too (tests turn this on). */
  validateResponses?: boolean;
}

export function createServer(_options: ServerOptions = {}): Express {
  const app = express();
  app.disable("x-powered-by");
  app.get("/healthz", (_req, res) => {
    res.type("text/plain").send("ok");
  });
  return app;
}
