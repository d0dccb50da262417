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
}

export function sendJson(req: Request, res: Response, status: number, body: unknown, options: SendOptions = {}): void {
  res.status(status);
  const pretty = wantsPretty(req);
  if (body instanceof RawJson) {
    if (!pretty && !options.viaResJson) {
      res.type("application/json").send(body.text);
      return;
    }
    body = JSON.parse(body.text);
  }
  if (options.viaResJson) {
    res.json(body);
    return;
  }
  res.type("application/json").send(pretty ? `${JSON.stringify(body, null, 2)}\n` : JSON.stringify(body));
}
