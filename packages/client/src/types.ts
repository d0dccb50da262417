// Type helpers over the generated `paths`, for code that names a request or response shape.
import type { paths } from "@trainjobs/types";
import type { FetchOptions, FetchResponse, MaybeOptionalInit } from "openapi-fetch";
import type { ResponseMedia } from "./media-types.js";

/** An HTTP method, lower case as in `paths`. */
export type Method = "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace";
type Media = ResponseMedia;

/** The paths that have operation M: `PathsWith<"patch">`. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P] extends { [K in M]: unknown } ? P : never;
}[keyof paths];

/** The operation object of a path and method: `Operation<"/apis", "get">`. */
export type Operation<P extends PathsWith<M>, M extends Method> = Extract<paths[P][M], Record<string | number, any>>;

/** The parsed body of a success of P and M (a list's watch stream aside: see ResponseMedia). */
export type ResponseData<P extends PathsWith<M>, M extends Method> = NonNullable<
  FetchResponse<Operation<P, M>, {}, Media>["data"]
>;

/** The parsed body of a failure of P and M: a `Status` under /apis, a `ModelArtsError` under /v1/. */
export type ErrorBody<P extends PathsWith<M>, M extends Method> = NonNullable<
  FetchResponse<Operation<P, M>, {}, Media>["error"]
>;

/** The request body of P and M (a `KubeflowJobMergePatch` for a Kubeflow PATCH). */
export type RequestBody<P extends PathsWith<M>, M extends Method> = NonNullable<FetchOptions<paths[P][M]>["body"]>;

/** The query parameters of P and M. */
export type QueryParams<P extends PathsWith<M>, M extends Method> = paths[P][M] extends {
  parameters: { query?: infer Q };
}
  ? NonNullable<Q>
  : never;

// As openapi-fetch's own (not exported) helpers: the init argument is optional exactly when
// nothing in it is required.
type RequiredKeysOf<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
export type InitParam<Init> =
  RequiredKeysOf<Init> extends never ? [(Init & { [key: string]: unknown })?] : [Init & { [key: string]: unknown }];

/** The init of a request to P with M, as openapi-fetch types it. */
export type Init<P extends PathsWith<M>, M extends Method> = MaybeOptionalInit<paths[P], M>;

/**
 * The Kubernetes list operations: GET paths answering `{ items, metadata: { continue } }` and
 * taking `limit` and `continue`. `paginate()` and `watch()` accept these.
 */
export type ListPath = {
  [P in PathsWith<"get">]: ResponseData<P, "get"> extends { items: unknown[]; metadata: { continue?: string } }
    ? "continue" extends keyof QueryParams<P, "get">
      ? P
      : never
    : never;
}[PathsWith<"get">];

/** The item type of a list path: `ListItem<"/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs">` is `TFJob`. */
export type ListItem<P extends ListPath> = ResponseData<P, "get"> extends { items: (infer T)[] } ? T : never;
