// Liveness, readiness and the OpenAPI document itself.

import { RawJson } from "../http/respond.js";
import type { Store } from "../store/index.js";
import type { Handlers } from "./handlers.js";

type OperationHandlers = Pick<
  Handlers,
  "getHealth" | "getReadiness" | "getOpenAPIDocumentJSON" | "getOpenAPIDocumentYAML"
>;

export interface Lifecycle {
  /** False once shutdown began: /readyz answers 503 so load balancers stop sending. */
  accepting: boolean;
}

export function operationHandlers(
  store: Store,
  lifecycle: Lifecycle,
  documentJson: string,
  documentYaml: string,
): OperationHandlers {
  const text = "text/plain; charset=utf-8";
  return {
    getHealth: () => ({ status: 200, body: "ok", contentType: text }),
    getReadiness: async () =>
      lifecycle.accepting && (await store.ping().catch(() => false))
        ? { status: 200, body: "ok", contentType: text }
        : { status: 503, body: "shutting down", contentType: text },
    getOpenAPIDocumentJSON: () => ({ status: 200, body: new RawJson(documentJson) }),
    getOpenAPIDocumentYAML: () => ({ status: 200, body: documentYaml, contentType: "application/yaml; charset=utf-8" }),
  };
}
