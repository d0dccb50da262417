// Cross-origin requests (CORS) from the origins CORS_ALLOWED_ORIGINS names, none by default: a
// dashboard or a hosted copy of the docs portal on another origin may then call the API from a
// browser. The `cors` package answers the preflight (OPTIONS, before authentication: browsers send
// no token with it) and adds the response headers; a request from any other origin, or without
// one, gets no CORS header at all and goes on as before, so a browser keeps it from the page.
// Tokens travel in headers, never in cookies: no credentials mode.
import cors from "cors";
import type { NextFunction, Request, RequestHandler, Response } from "express";

/** What a cross-origin page may send: the API's methods and the headers its callers set. */
export const corsAllowedMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;
export const corsAllowedHeaders = ["Authorization", "Content-Type", "X-Auth-Token"] as const;
/** Response headers a cross-origin page may read beyond the safelisted ones. */
export const corsExposedHeaders = ["Warning"] as const;
/** How long a browser may reuse a preflight's answer. */
export const corsMaxAgeSeconds = 600;

/**
 * The origins of a comma-separated list (`https://a.example,http://localhost:3000`), each exactly
 * `scheme://host[:port]` as browsers send it in `Origin`. Throws on anything else, naming it.
 */
export function parseAllowedOrigins(text: string): string[] {
  const origins = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    const ok = parsed && /^https?:$/.test(parsed.protocol) && parsed.origin === origin.replace(/\/$/, "");
    if (!ok) {
      throw new Error(
        `${JSON.stringify(origin)} is not an origin: write scheme://host[:port] (http or https, no path), as browsers send it`,
      );
    }
  }
  return origins.map((o) => o.replace(/\/$/, ""));
}

/** The CORS middleware for these origins; goes before authentication. */
export function corsFor(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  const handler = cors({
    // `true` reflects the request's Origin; `false` skips every CORS header.
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    methods: [...corsAllowedMethods],
    allowedHeaders: [...corsAllowedHeaders],
    exposedHeaders: [...corsExposedHeaders],
    maxAge: corsMaxAgeSeconds,
    optionsSuccessStatus: 204,
  });
  return (req: Request, res: Response, next: NextFunction) => {
    // Every answer depends on Origin, allowed or not, so that shared caches keep them apart.
    res.vary("Origin");
    handler(req, res, next);
  };
}
