// Discovery, as kubectl and client libraries read it: /api, /apis and /apis/{group}/{version},
// consistent with the operations the spec serves and with the objects the server stores.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, testServer } from "./helpers.js";
import { creatable, example, kinds } from "./seeds.js";

interface Operation {
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
}
const document = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@trainjobs/openapi/openapi.json"), "utf8"),
) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: { kind?: { const?: string } } }> };
};

interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

const groupVersions = ["kubeflow.org/v1", "batch/v1"] as const;

/** The Kubernetes verbs of a resource, read from the operations the spec has on its paths. */
function specVerbs(groupVersion: string, plural: string, subresource?: string): string[] {
  const ns = `/apis/${groupVersion}/namespaces/{namespace}/${plural}`;
  const verbs = new Set<string>();
  const add = (path: string, map: Record<string, string>) => {
    for (const method of Object.keys(document.paths[path] ?? {})) if (map[method]) verbs.add(map[method]!);
  };
  if (subresource) {
    add(`${ns}/{name}/${subresource}`, { get: "get", put: "update", patch: "patch" });
  } else {
    add(ns, { get: "list", post: "create", delete: "deletecollection" });
    add(`${ns}/{name}`, { get: "get", put: "update", patch: "patch", delete: "delete" });
    add(`/apis/${groupVersion}/${plural}`, { get: "list" });
    // A list that takes the `watch` parameter serves the watch verb.
    const list = (document.paths[ns] as { get?: { parameters?: { $ref?: string; name?: string }[] } }).get;
    if (list?.parameters?.some((p) => p.name === "watch" || p.$ref?.endsWith("/Watch"))) verbs.add("watch");
  }
  return [...verbs].sort();
}

/** The `kind` the spec's create body of this resource must have. */
function specKind(groupVersion: string, plural: string): string | undefined {
  const ref =
    document.paths[`/apis/${groupVersion}/namespaces/{namespace}/${plural}`]?.post?.requestBody?.content[
      "application/json"
    ]?.schema.$ref;
  return ref ? document.components.schemas[ref.split("/").pop()!]?.properties?.kind?.const : undefined;
}

/** Every plural that has a namespaced collection in the spec, under a group version. */
function specPlurals(groupVersion: string): string[] {
  const prefix = `/apis/${groupVersion}/namespaces/{namespace}/`;
  return Object.keys(document.paths)
    .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes("/"))
    .map((p) => p.slice(prefix.length))
    .sort();
}

describe("/api", () => {
  test("APIVersions: core v1 (read-only namespaces), at the address the client used", async () => {
    const res = await s.api.get("/api").set("Host", "trainjobs.example:6443");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "trainjobs.example:6443" }],
    });
  });
});

describe("/apis", () => {
  test("APIGroupList: kubeflow.org and batch, v1 preferred", async () => {
    const res = await s.api.get("/apis");
    expect(res.status).toBe(200);
    const v1 = (group: string) => ({ groupVersion: `${group}/v1`, version: "v1" });
    expect(res.body.kind).toBe("APIGroupList");
    expect(res.body.apiVersion).toBe("v1");
    expect(res.body.groups).toHaveLength(2);
    expect(res.body.groups).toEqual(
      expect.arrayContaining([
        { name: "kubeflow.org", versions: [v1("kubeflow.org")], preferredVersion: v1("kubeflow.org") },
        { name: "batch", versions: [v1("batch")], preferredVersion: v1("batch") },
      ]),
    );
  });

  test("every group version listed answers its APIResourceList", async () => {
    const groups = (await s.api.get("/apis")).body.groups as { versions: { groupVersion: string }[] }[];
    const listed = groups.flatMap((g) => g.versions.map((v) => v.groupVersion)).sort();
    expect(listed).toEqual([...groupVersions].sort());
    for (const gv of listed) {
      const res = await s.api.get(`/apis/${gv}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ kind: "APIResourceList", apiVersion: "v1", groupVersion: gv });
    }
  });

  test("is the spec's example, up to the order of the groups", async () => {
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    const served = (await s.api.get("/apis")).body;
    const documented = example("APIGroupList");
    expect({ ...served, groups: [...served.groups].sort(byName) }).toEqual({
      ...documented,
      groups: [...documented.groups].sort(byName),
    });
  });
});

describe("/apis/kubeflow.org/v1", () => {
  const kubeflow = [
    { name: "tfjobs", singularName: "tfjob", kind: "TFJob" },
    { name: "pytorchjobs", singularName: "pytorchjob", kind: "PyTorchJob" },
    { name: "mxjobs", singularName: "mxjob", kind: "MXJob" },
  ];

  test("each kind, namespaced, with every verb, and its status subresource", async () => {
    const res = await s.api.get("/apis/kubeflow.org/v1");
    expect(res.status).toBe(200);
    const resources = res.body.resources as APIResource[];
    expect(resources.map((r) => r.name).sort()).toEqual(kubeflow.flatMap((k) => [k.name, `${k.name}/status`]).sort());
    for (const k of kubeflow) {
      expect(resources.find((r) => r.name === k.name)).toEqual({
        name: k.name,
        singularName: k.singularName,
        namespaced: true,
        kind: k.kind,
        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        shortNames: [k.singularName],
        categories: ["all"],
      });
      expect(resources.find((r) => r.name === `${k.name}/status`)).toEqual({
        name: `${k.name}/status`,
        singularName: "",
        namespaced: true,
        kind: k.kind,
        verbs: ["get", "patch", "update"],
      });
    }
  });

  test("is the spec's example, up to order and shortNames", async () => {
    const strip = (r: APIResource) => {
      const { shortNames: _, ...rest } = r;
      return rest;
    };
    const byName = (a: APIResource, b: APIResource) => a.name.localeCompare(b.name);
    const served = (await s.api.get("/apis/kubeflow.org/v1")).body;
    const documented = example("KubeflowAPIResourceList");
    expect({ ...served, resources: served.resources.map(strip).sort(byName) }).toEqual({
      ...documented,
      resources: documented.resources.map(strip).sort(byName),
    });
  });
});

describe("/apis/batch/v1", () => {
  test("jobs and jobs/status; no shortNames key, as the apiserver's", async () => {
    const res = await s.api.get("/apis/batch/v1");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      kind: "APIResourceList",
      apiVersion: "v1",
      groupVersion: "batch/v1",
      resources: [
        {
          name: "jobs",
          singularName: "job",
          namespaced: true,
          kind: "Job",
          verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
          categories: ["all"],
        },
        { name: "jobs/status", singularName: "", namespaced: true, kind: "Job", verbs: ["get", "patch", "update"] },
      ],
    });
    expect(res.body).toEqual(example("BatchAPIResourceList"));
  });
});

describe("discovery agrees with what the server serves", () => {
  test.each(groupVersions)("%s: the resources are the spec's collections", async (gv) => {
    const resources = (await s.api.get(`/apis/${gv}`)).body.resources as APIResource[];
    expect(
      resources
        .filter((r) => !r.name.includes("/"))
        .map((r) => r.name)
        .sort(),
    ).toEqual(specPlurals(gv));
  });

  test.each(groupVersions)("%s: the verbs are the operations the spec has, and the kind its body's", async (gv) => {
    const resources = (await s.api.get(`/apis/${gv}`)).body.resources as APIResource[];
    for (const r of resources) {
      const [plural, subresource] = r.name.split("/") as [string, string | undefined];
      expect({ name: r.name, verbs: [...r.verbs].sort() }).toEqual({
        name: r.name,
        verbs: specVerbs(gv, plural, subresource),
      });
      expect({ name: r.name, kind: r.kind }).toEqual({ name: r.name, kind: specKind(gv, plural) });
    }
  });

  test.each(kinds)(
    "$kind: the discovered resource lists and stores objects of the discovered kind",
    async ({ plural, seed, base }) => {
      const resource = ((await s.api.get(base)).body.resources as APIResource[]).find((r) => r.name === plural)!;
      const obj = creatable(seed);
      obj.metadata.name = `discovered-${plural}`;
      obj.metadata.namespace = "kube-test";
      const created = await s.api.post(`${base}/namespaces/kube-test/${resource.name}`).send(obj);
      expect(created.status).toBe(201);
      expect(created.body.kind).toBe(resource.kind);
      expect(created.body.apiVersion).toBe(base.replace("/apis/", ""));
      const list = await s.api.get(`${base}/namespaces/kube-test/${resource.name}`);
      expect(list.status).toBe(200);
      expect(list.body.kind).toBe(`${resource.kind}List`);
      const all = await s.api.get(`${base}/${resource.name}`);
      expect(all.status).toBe(200);
      expect((all.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toContain(
        obj.metadata.name,
      );
    },
  );

  test("an unknown group version is 404 Status", async () => {
    for (const path of ["/apis/kubeflow.org/v2", "/apis/example.com/v1", "/apis/batch/v1beta1"]) {
      const res = await s.api.get(path);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ kind: "Status", status: "Failure", reason: "NotFound", code: 404 });
    }
  });

  test("curl gets pretty discovery", async () => {
    const res = await s.api.get("/apis/kubeflow.org/v1").set("User-Agent", "curl/8.5.0");
    expect(res.status).toBe(200);
    expect(res.text.startsWith('{\n  "kind": "APIResourceList"')).toBe(true);
  });
});

describe("what kubectl sends", () => {
  test("discovery takes kubectl's timeout and pretty parameters", async () => {
    for (const path of ["/api", "/apis", "/apis/kubeflow.org/v1", "/apis/batch/v1"]) {
      const res = await s.api.get(path).query({ timeout: "32s", pretty: "true" });
      expect(res.status, path).toBe(200);
      expect(res.text, path).toContain('\n  "kind"');
    }
    const list = await s.api
      .get("/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs")
      .query({ timeout: "32s", limit: 500 });
    expect(list.status).toBe(200);
    expect((await s.api.get("/apis").query({ timeout: "soon" })).status).toBe(400);
  });
});
