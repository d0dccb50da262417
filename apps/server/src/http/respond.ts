// Sending JSON: pretty when asked (or, as the apiserver does, for curl and browsers), and stored
// JSON text as is, without parsing and serialising it again.
import type { Request, Response } from "express";
import { stringify } from "yaml";

/** JSON text already serialised (typically as stored); `T` is the shape it holds. */
export class RawJson<T = unknown> {
  declare readonly shape?: T;
  constructor(readonly text: string) {}
}

/** A reply the handler has already written to the response itself (a watch stream). */
export class Streamed {}
export const streamed = new Streamed();

const truthy = new Set(["true", "1", "t", "T", "TRUE", "True"]);
/** User agents that get pretty JSON unless they ask otherwise (curl, wget, browsers). */
export const prettyAgents = /^(curl|Wget|Mozilla\/5\.0)/;

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

/** The media types Kubernetes-style answers come in (not Protobuf). */
export const kubeMediaTypes = ["application/json", "application/yaml"] as const;

/**
 * The media type of a Kubernetes-style answer the Accept header asks for: the first of its ranges
 * this server writes (parameters such as kubectl's `as=Table` aside, which the JSON answer
 * ignores); JSON when there is no Accept; undefined when nothing fits (406).
 */
export function negotiate(accept: string | undefined): (typeof kubeMediaTypes)[number] | undefined {
  if (accept === undefined || accept.trim() === "") return "application/json";
  for (const range of accept.split(",")) {
    const type = range.split(";")[0]!.trim().toLowerCase();
    if (type === "application/yaml") return "application/yaml";
    if (type === "application/json" || type === "*/*" || type === "application/*" || type === "")
      return "application/json";
  }
  return undefined;
}

/** Kubernetes-style paths, whose answers follow the Accept header. */
export function isKubePath(path: string): boolean {
  return (
    path === "/version" || path === "/api" || path.startsWith("/api/") || path === "/apis" || path.startsWith("/apis/")
  );
}

export function sendJson(req: Request, res: Response, status: number, body: unknown, options: SendOptions = {}): void {
  res.status(status);
  // A Table (options.contentType) was chosen by the Accept header already.
  if (!options.contentType && isKubePath(req.path) && negotiate(req.get("accept")) === "application/yaml") {
    res
      .type("application/yaml")
      .send(stringify(body instanceof RawJson ? JSON.parse(body.text) : body, { aliasDuplicateObjects: false }));
    return;
  }
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
