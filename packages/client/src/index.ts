// @trainjobs/client: a typed fetch client for the trainjobs API, on openapi-fetch and the
// generated `paths`.
import createFetchClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { paths } from "@trainjobs/types";

export type TrainjobsClient = Client<paths>;

export function createClient(options: ClientOptions = {}): TrainjobsClient {
  return createFetchClient<paths>(options);
}
