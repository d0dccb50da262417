// Discovery, built from the kind descriptors, so that kubectl and client libraries find the
// resources: /api, /apis and /apis/{group}/{version}.
import type { components } from "@trainjobs/types";
import type { KindDescriptor } from "../resources/kinds.js";
import type { Handlers } from "./handlers.js";

type Schemas = components["schemas"];

const itemVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] as const;
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

/** The core v1 resources: namespaces, read-only (see namespaces.ts). */
export const coreV1Resources: Schemas["APIResourceList"] = {
  kind: "APIResourceList",
  apiVersion: "v1",
  groupVersion: "v1",
  resources: [
    {
      name: "namespaces",
      singularName: "namespace",
      namespaced: false,
      kind: "Namespace",
      verbs: ["get", "list"],
      shortNames: ["ns"],
    },
  ],
};

/**
 * What /version answers: the Kubernetes version whose API this server follows (kubectl warns
 * when its minor version is more than one away), and this server's identity in gitVersion.
 */
export const versionInfo: Schemas["VersionInfo"] = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-trainjobs",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2025-01-01T00:00:00Z",
  goVersion: "go1.23.0",
  compiler: "gc",
  platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
};

/** One group of the list, as /apis/{group} answers it. */
function apiGroup(groups: Schemas["APIGroupList"], name: string): Schemas["APIGroup"] {
  const group = groups.groups.find((g) => g.name === name);
  if (!group) throw new Error(`no group ${name}`);
  return { kind: "APIGroup", apiVersion: "v1", ...group };
}

type DiscoveryHandlers = Pick<
  Handlers,
  | "getCoreAPIVersions"
  | "getCoreV1APIResources"
  | "getAPIGroupList"
  | "getKubeflowAPIGroup"
  | "getBatchAPIGroup"
  | "getKubeflowTrainingV1APIResources"
  | "getBatchV1APIResources"
  | "getCodeVersion"
>;

export function discoveryHandlers(kinds: readonly KindDescriptor[]): DiscoveryHandlers {
  const groups = groupList(kinds);
  const kubeflow = resourceList("kubeflow.org/v1", kinds);
  const batch = resourceList("batch/v1", kinds);
  return {
    getCoreAPIVersions: ({ req }) => ({
      status: 200,
      // Core v1 holds the read-only namespaces.
      body: {
        kind: "APIVersions",
        versions: ["v1"],
        serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: req.get("host") ?? "" }],
      },
    }),
    getAPIGroupList: () => ({ status: 200, body: groups }),
    getCoreV1APIResources: () => ({ status: 200, body: coreV1Resources }),
    getKubeflowAPIGroup: () => ({ status: 200, body: apiGroup(groups, "kubeflow.org") }),
    getBatchAPIGroup: () => ({ status: 200, body: apiGroup(groups, "batch") }),
    getCodeVersion: () => ({ status: 200, body: versionInfo }),
    getKubeflowTrainingV1APIResources: () => ({ status: 200, body: kubeflow }),
    getBatchV1APIResources: () => ({ status: 200, body: batch }),
  };
}
