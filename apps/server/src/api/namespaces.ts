// Core v1 namespaces, read-only. Namespaces are implicit in this server (an object's namespace
// exists because the object names it), but kubectl asks for one after a 404 to word its message
// (`tfjobs.kubeflow.org "x" not found` when the namespace exists), and `kubectl get ns` lists
// them: every DNS-1123 label is an Active namespace; the list holds those with objects, and default.
import { createHash } from "node:crypto";
import type { components } from "@trainjobs/types";
import { grantedNamespaces, type User } from "../http/auth.js";
import { badRequest, notFound } from "../resources/errors.js";
import type { KindDescriptor } from "../resources/kinds.js";
import { parseFieldSelector, SelectorError } from "../resources/selectors.js";
import type { Store } from "../store/index.js";
import type { Handlers } from "./handlers.js";

type Schemas = components["schemas"];

const namespaceRef = { group: "", plural: "namespaces", kind: "Namespace" };
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A namespace as the apiserver shows one, with a uid stable for its name. */
export function namespaceObject(name: string): Schemas["Namespace"] {
  const hex = createHash("sha256").update(`namespace/${name}`).digest("hex");
  const uid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, uid, labels: { "kubernetes.io/metadata.name": name } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

type NamespaceHandlers = Pick<Handlers, "listCoreV1Namespace" | "readCoreV1Namespace">;

export function namespaceHandlers(store: Store, kinds: readonly KindDescriptor[]): NamespaceHandlers {
  return {
    readCoreV1Namespace: ({ params }) => {
      if (params.name.length > 63 || !dnsLabel.test(params.name)) throw notFound(namespaceRef, params.name);
      return { status: 200, body: namespaceObject(params.name) };
    },
    listCoreV1Namespace: async ({ query, user }) => {
      let fields: ReturnType<typeof parseFieldSelector>;
      try {
        fields = parseFieldSelector(query.fieldSelector ?? "", ["metadata.name"]);
      } catch (e) {
        if (e instanceof SelectorError) throw badRequest(e.message);
        throw e;
      }
      const granted = grantedNamespaces(user as User);
      const names = new Set<string>();
      if (granted === "all") {
        names.add("default");
        // The filter sees every row and keeps none: only the namespaces are wanted.
        for (const kind of kinds) {
          await store.list(kind.resource, {
            filter: (row) => {
              names.add(row.namespace);
              return false;
            },
          });
        }
      } else {
        for (const name of granted) names.add(name);
      }
      const items = [...names]
        .sort()
        .filter((name) => fields.matches({ "metadata.name": name }))
        .map(namespaceObject);
      return {
        status: 200,
        body: {
          apiVersion: "v1",
          kind: "NamespaceList",
          metadata: { resourceVersion: String(await store.revision()) },
          items,
        },
      };
    },
  };
}
