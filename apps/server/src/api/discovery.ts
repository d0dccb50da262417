// Discovery, built from the kind descriptors, so that kubectl and client libraries find the
// resources: /api, /apis and /apis/{group}/{version}.
import type { components } from "@trainjobs/types";
import type { KindDescriptor } from "../resources/kinds.js";
import type { Handlers } from "./handlers.js";

type Schemas = components["schemas"];

const itemVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update"] as const;
const statusVerbs = ["get", "patch", "update"] as const;

export function resourceList(groupVersion: string, kinds: readonly KindDescriptor[]): Schemas["APIResourceList"] {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion,
    resources: kinds
      .filter((k) => k.apiVersion === groupVersion)
      .flatMap((k) => [
        {
          name: k.plural,
          singularName: k.singular,
          namespaced: true,
          kind: k.kind,
          verbs: [...itemVerbs],
          // As the apiserver (omitempty): no shortNames key rather than an empty list.
          ...(k.shortNames.length > 0 ? { shortNames: [...k.shortNames] } : {}),
          categories: ["all"],
        },
        { name: `${k.plural}/status`, singularName: "", namespaced: true, kind: k.kind, verbs: [...statusVerbs] },
      ]),
  };
}

export function groupList(kinds: readonly KindDescriptor[]): Schemas["APIGroupList"] {
  const groups = [...new Map(kinds.map((k) => [k.group, k])).values()].map((k) => {
    const version = { groupVersion: k.apiVersion, version: k.version };
    return { name: k.group, versions: [version], preferredVersion: version };
  });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

type DiscoveryHandlers = Pick<
  Handlers,
  "getCoreAPIVersions" | "getAPIGroupList" | "getKubeflowTrainingV1APIResources" | "getBatchV1APIResources"
>;

export function discoveryHandlers(kinds: readonly KindDescriptor[]): DiscoveryHandlers {
  const groups = groupList(kinds);
  const kubeflow = resourceList("kubeflow.org/v1", kinds);
  const batch = resourceList("batch/v1", kinds);
  return {
    getCoreAPIVersions: ({ req }) => ({
      status: 200,
      // No core kinds here: naming no core version keeps clients from asking /api/v1.
      body: {
        kind: "APIVersions",
        versions: [],
        serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: req.get("host") ?? "" }],
      },
    }),
    getAPIGroupList: () => ({ status: 200, body: groups }),
    getKubeflowTrainingV1APIResources: () => ({ status: 200, body: kubeflow }),
    getBatchV1APIResources: () => ({ status: 200, body: batch }),
  };
}
