// The access log: one `info` line per request, when its response is finished (pino-http), through
// the server's logger. It names the request (method, URL, headers, remote address) and the
// response (status, headers, time taken), never a body, and the credentials in the headers are
// redacted.
import type { RequestHandler } from "express";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";

/** The request headers that carry a token (the static token file's Bearer or X-Auth-Token). */
export const credentialHeaders = ["authorization", "x-auth-token", "cookie"] as const;

export function accessLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    useLevel: "info",
    redact: {
      paths: credentialHeaders.map((h) => `req.headers[${JSON.stringify(h)}]`),
      censor: "[Redacted]",
    },
  }) as unknown as RequestHandler;
}
