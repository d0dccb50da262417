// The request Content-Type of an operation.
//
// openapi-fetch sends every JSON body as `application/json`. Every PATCH of the spec accepts
// `application/merge-patch+json` (batch/v1 Job's also kubectl's strategic merge patch and JSON
// Patch) and every other operation with a body `application/json`; the server answers 415 to a
// PATCH sent as `application/json`. So the client sends merge patches, rewriting openapi-fetch's
// default on PATCH, and leaves other methods alone.
// The rule is checked twice against the spec: below at compile time, against the generated types
// (the client does not build if the spec stops saying so), and in test/media-types.test.ts against
// the bundled openapi.json.
import type { paths } from "@trainjobs/types";
import type { Middleware } from "openapi-fetch";
import type { Method } from "./types.js";

/** The media type every PATCH operation of the API accepts (RFC 7386 JSON Merge Patch). */
export const mergePatch = "application/merge-patch+json";

/** Request media types by method, where they differ from openapi-fetch's `application/json`. */
const requestMediaTypes: Partial<Record<string, string>> = { PATCH: mergePatch };

/**
 * Sends the operation's media type when the request carries openapi-fetch's default
 * `application/json`. A Content-Type the caller chose (anything else) is kept.
 */
export const requestMediaType: Middleware = {
  onRequest({ request }) {
    const type = requestMediaTypes[request.method];
    if (type && request.headers.get("Content-Type") === "application/json") request.headers.set("Content-Type", type);
  },
};

// Compile-time proof of the rule above from the generated types.
type BodyMedia<Op> = Op extends { requestBody?: infer B }
  ? NonNullable<B> extends { content: infer C }
    ? keyof C
    : never
  : never;
type RequestMedia<M extends Method> = { [P in keyof paths]: BodyMedia<paths[P][M]> }[keyof paths];
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Holds<T extends true> = T;
// If one of these fails ("Type 'false' does not satisfy the constraint 'true'"), the spec changed a
// request media type: update requestMediaTypes and the tests.
type AcceptsMergePatch<Op> = [BodyMedia<Op>] extends [never]
  ? true
  : typeof mergePatch extends BodyMedia<Op>
    ? true
    : false;
type EveryPatchAcceptsMergePatch = { [P in keyof paths]: AcceptsMergePatch<paths[P]["patch"]> }[keyof paths];
export type PatchMediaIncludesMergePatch = Holds<Equal<EveryPatchAcceptsMergePatch, true>>;
export type OtherMediaIsJSON = Holds<Equal<RequestMedia<"post" | "put" | "delete">, "application/json">>;
