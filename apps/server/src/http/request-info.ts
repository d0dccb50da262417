// What a request path addresses, read from the URL alone (as the apiserver's RequestInfo), so
// that authorization can run before the body is read or validated.

export type ApiFamily = "kube" | "modelarts" | "other";

export interface RequestInfo {
  family: ApiFamily;
  /** Kubernetes verb: get, list, create, update, patch, delete, deletecollection. */
  verb: string;
  group?: string;
  version?: string;
  namespace?: string;
  /** The plural, such as `tfjobs`. */
  resource?: string;
  name?: string;
  subresource?: string;
  /** ModelArts project. */
  projectId?: string;
}

const verbs: Record<string, [collection: string, item: string]> = {
  GET: ["list", "get"],
  HEAD: ["list", "get"],
  POST: ["create", "create"],
  PUT: ["update", "update"],
  PATCH: ["patch", "patch"],
  DELETE: ["deletecollection", "delete"],
};

export function requestInfo(method: string, path: string): RequestInfo {
  const parts = path.split("/").filter(Boolean).map(safeDecode);
  const [collectionVerb, itemVerb] = verbs[method] ?? ["unknown", "unknown"];
  // Everything under /v1/ is ModelArts' (its errors are in its format), known path or not.
  if (parts[0] === "v1" && path.startsWith("/v1")) {
    return { family: "modelarts", verb: parts.length > 3 ? itemVerb : collectionVerb, projectId: parts[1] ?? "" };
  }
  if (parts[0] === "api") return { family: "kube", verb: "get" };
  if (parts[0] !== "apis") return { family: "other", verb: itemVerb };
  // /apis, /apis/{group}, /apis/{group}/{version}: discovery.
  if (parts.length <= 3) return { family: "kube", verb: "get", group: parts[1], version: parts[2] };
  const info: RequestInfo = { family: "kube", verb: collectionVerb, group: parts[1]!, version: parts[2]! };
  let rest = parts.slice(3);
  if (rest[0] === "namespaces" && rest.length >= 3) {
    info.namespace = rest[1]!;
    rest = rest.slice(2);
  }
  info.resource = rest[0]!;
  if (rest.length >= 2) {
    info.name = rest[1]!;
    info.verb = itemVerb;
  }
  if (rest.length >= 3) info.subresource = rest[2]!;
  return info;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
