// Test helper in the manner of openapi-fetch's createObservedClient: the client gets a real
// `fetch` function that records what it was sent and answers with a handler. Nothing global is
// mocked, so tests cannot leak into each other; every response must be written out.
import {
  createClient,
  type TrainjobsClient,
  type TrainjobsClientOptions,
  type TrainjobsThrowingClient,
} from "../src/index.js";

export interface Seen {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

export type Handler = (request: Request, seen: Seen, call: number) => Response | Promise<Response>;

/** A fetch that records each request (a snapshot, body read from a clone) and answers with `handler`. */
export function observedFetch(handler: Handler) {
  const seen: Seen[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const snapshot: Seen = {
      method: request.method,
      url: new URL(request.url),
      headers: new Headers(request.headers),
      body: await request.clone().text(),
    };
    seen.push(snapshot);
    return handler(request, snapshot, seen.length);
  };
  return { fetch, seen };
}

export const baseUrl = "http://trainjobs.test";

/** A client over an observed fetch, without retry backoff delays. */
export function observedClient<O extends Partial<TrainjobsClientOptions> = {}>(handler: Handler, options?: O) {
  const { fetch, seen } = observedFetch(handler);
  const api = createClient({ baseUrl: baseUrl, fetch, retry: { sleep: async () => {} }, ...options });
  return { api: api as O extends { throwOnError: true } ? TrainjobsThrowingClient : TrainjobsClient, seen };
}

/** A Kubernetes Status failure body, as the server sends it. */
export function status(code: number, reason: string, message: string) {
  return Response.json(
    { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code },
    { status: code },
  );
}

export const tfjobPath = "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs/{name}" as const;

export function tfjob(name: string, namespace = "kube-test") {
  return {
    apiVersion: "kubeflow.org/v1" as const,
    kind: "TFJob" as const,
    metadata: { name, namespace, resourceVersion: "1" },
    spec: {
      tfReplicaSpecs: {
        Worker: { replicas: 1, template: { spec: { containers: [{ name: "tensorflow", image: "tf:2" }] } } },
      },
    },
  };
}
