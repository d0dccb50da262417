// Sending JSON: pretty when asked (or, as the apiserver does, for curl and browsers), and stored
// JSON text as is, without parsing and serialising it again.
import type { Request, Response } from "express";

/** JSON text already serialised (typically as stored); `T` is the shape it holds. */
export class RawJson<T = unknown> {
  declare readonly shape?: T;
  constructor(readonly text: string) {}
}

const truthy = new Set(["true", "1", "t", "T", "TRUE", "True"]);
const prettyAgents = /^(curl|Wget|Mozilla\/5\.0)/;

export function wantsPretty(req: Request): boolean {
  const pretty = req.query.pretty;
  if (typeof pretty === "string") return truthy.has(pretty);
  return prettyAgents.test(req.get("user-agent") ?? "");
}

export interface SendOptions {
  /** Go through res.json so that the response validator sees the body (tests). */
  viaResJson?: boolean;
  /**
   * A JSON media type other than application/json (a Table's), sent as is: without the charset
   * Express would add, so that the response validator matches it to the spec's media type.
   */
  contentType?: string;
}

export function sendJson(req: Request, res: Response, status: number, body: unknown, options: SendOptions = {}): void {
  res.status(status);
  const type = (res: Response) =>
    options.contentType ? res.setHeader("Content-Type", options.contentType) : res.type("application/json");
  const pretty = wantsPretty(req);
  if (body instanceof RawJson) {
    if (!pretty && !options.viaResJson) {
      type(res).send(body.text);
      return;
    }
    body = JSON.parse(body.text);
  }
  if (options.viaResJson) {
    if (options.contentType) res.setHeader("Content-Type", options.contentType);
    res.json(body);
    return;
  }
  type(res).send(pretty ? `${JSON.stringify(body, null, 2)}\n` : JSON.stringify(body));
}
