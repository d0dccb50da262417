// Type helpers over the generated `paths`, for code that names a request or response shape. They
// are built on openapi-typescript-helpers, the helpers openapi-fetch itself types its calls with,
// so a body or a response named here is exactly the one a call takes or answers.
import type { paths } from "@trainjobs/types";
import type { MaybeOptionalInit } from "openapi-fetch";
import type {
  ErrorResponse,
  FilterKeys,
  HttpMethod,
  PathsWithMethod,
  Readable,
  RequiredKeysOf,
  ResponseObjectMap,
  SuccessResponse,
  Writable,
} from "openapi-typescript-helpers";

/**
 * The response media types the client reads: plain JSON (and the operational endpoints' text and
 * YAML), never the `application/json; as=Table; ...` projection the list and read operations also
 * declare for kubectl, nor a list's watch stream (`application/json;stream=watch`, which `watch()`
 * reads), so that `data` is the object or the list.
 */
export type Media = "application/json" | "text/plain" | "application/yaml";

/**
 * The request media types the client sends: JSON, and JSON Merge Patch for every PATCH. A Job's
 * PATCH also accepts kubectl's strategic merge patch and JSON Patch, which this client never sends.
 */
export type RequestMedia = "application/json" | "application/merge-patch+json";

/** An HTTP method, lower case as in `paths`. */
export type Method = HttpMethod;

/** The paths that have operation M: `PathsWith<"patch">`. */
export type PathsWith<M extends Method> = PathsWithMethod<paths, M>;

/** The operation object of a path and method: `Operation<"/apis", "get">`. */
export type Operation<P extends PathsWith<M>, M extends Method> = Extract<paths[P][M], Record<string | number, any>>;

type Responses<P extends PathsWith<M>, M extends Method> = Extract<
  ResponseObjectMap<Operation<P, M>>,
  Record<string | number, any>
>;

/** The parsed body of a success of P and M (in the media types of Media). */
export type ResponseData<P extends PathsWith<M>, M extends Method> = NonNullable<
  Readable<SuccessResponse<Responses<P, M>, Media>>
>;

/** The parsed body of a failure of P and M: a `Status` under /apis, a `ModelArtsError` under /v1/. */
export type ErrorBody<P extends PathsWith<M>, M extends Method> = NonNullable<
  Readable<ErrorResponse<Responses<P, M>, Media>>
>;

type RequestContent<Op> = Op extends { requestBody?: infer B }
  ? NonNullable<B> extends { content: infer C }
    ? C
    : never
  : never;

/** The request body of P and M (a `KubeflowJobMergePatch` for a Kubeflow PATCH). */
export type RequestBody<P extends PathsWith<M>, M extends Method> = NonNullable<
  Writable<FilterKeys<RequestContent<paths[P][M]>, RequestMedia>>
>;

/** The query parameters of P and M. */
export type QueryParams<P extends PathsWith<M>, M extends Method> = paths[P][M] extends {
  parameters: { query?: infer Q };
}
  ? NonNullable<Q>
  : never;

// As openapi-fetch's own (not exported) InitParam: the init argument is optional exactly when
// nothing in it is required.
export type InitParam<Init> =
  RequiredKeysOf<Init> extends never ? [(Init & { [key: string]: unknown })?] : [Init & { [key: string]: unknown }];

/** The init of a request to P with M, as openapi-fetch types it. */
export type Init<P extends PathsWith<M>, M extends Method> = MaybeOptionalInit<paths[P], M>;

/**
 * `Given`, with every key that `Shape` does not declare, at any depth, typed `never`: a body
 * checked against `Closed<Body, typeof body>` fails to compile on an unknown key. Where the shape
 * is open (an index signature, `unknown`), so is the check.
 */
export type Closed<Shape, Given> = unknown extends Shape
  ? Given
  : Given extends readonly unknown[]
    ? Given
    : Given extends object
      ? { [K in keyof Given]: K extends keyof NonNullable<Shape> ? Closed<NonNullable<Shape>[K], Given[K]> : never }
      : Given;

/**
 * The init of a PATCH as given, its body closed against the operation's merge-patch schema: the
 * Kubeflow patches take only the five updatable fields (and `metadata.resourceVersion`).
 */
export type ClosedPatchInit<P extends PathsWith<"patch">, I> = I extends { body: infer B }
  ? Omit<I, "body"> & { body: Closed<RequestBody<P, "patch">, B> }
  : I;

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
