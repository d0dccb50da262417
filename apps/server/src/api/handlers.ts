// Handlers bound by operationId, typed from the generated `operations`: a missing handler, a
// wrong path parameter or a response body of the wrong shape is a compile error.

import type { operations } from "@trainjobs/types";
import type { Request } from "express";
import type { User } from "../http/auth.js";
import type { RawJson } from "../http/respond.js";

export type OperationId = keyof operations;
type Op<K extends OperationId> = operations[K];

type PathParams<K extends OperationId> = Op<K>["parameters"] extends { path: infer P } ? P : Record<string, never>;
type QueryParams<K extends OperationId> = Op<K>["parameters"] extends { query?: infer Q }
  ? NonNullable<Q>
  : Record<string, never>;
type ContentOf<T> = T extends { content: infer C } ? C[keyof C] : never;
type RequestBody<K extends OperationId> =
  Op<K> extends { requestBody: infer B }
    ? ContentOf<B>
    : Op<K> extends { requestBody?: infer B }
      ? ContentOf<NonNullable<B>> | undefined
      : undefined;

// Errors are thrown (StatusError, ModelArtsError) and rendered in one place; a handler returns
// its successful answers, and the few documented non-error statuses such as /readyz's 503.
type SuccessCode<K extends OperationId> = Extract<keyof Op<K>["responses"], 200 | 201 | 202 | 503>;
type ResponseBody<K extends OperationId, S extends keyof Op<K>["responses"]> = ContentOf<Op<K>["responses"][S]>;

/** An answer of operation K: a documented code and its body (or its stored text). */
export type Reply<K extends OperationId> = {
  [S in SuccessCode<K>]: { status: S; body: ResponseBody<K, S> | RawJson<ResponseBody<K, S>>; contentType?: string };
}[SuccessCode<K>];

export interface Context<K extends OperationId> {
  params: PathParams<K>;
  query: QueryParams<K>;
  body: RequestBody<K>;
  /** The authenticated caller; undefined only on operations that need no token. */
  user: User | undefined;
  req: Request;
}

export type Handler<K extends OperationId> = (ctx: Context<K>) => Promise<Reply<K>> | Reply<K>;

export type Handlers = { [K in OperationId]: Handler<K> };
