// Type-level assertions on the generated declarations, checked by vitest's typecheck mode-free
// expectTypeOf (compile errors fail `npm run typecheck`).

import type { components, operations, paths } from "@trainjobs/types";
import { expectTypeOf, test } from "vitest";

test("the seed PATCH takes a merge-patch body and answers a TFJob", () => {
  type Op = operations["patchNamespacedTFJob"];
  expectTypeOf<keyof NonNullable<Op["requestBody"]>["content"]>().toEqualTypeOf<"application/merge-patch+json">();
  expectTypeOf<Op["responses"][200]["content"]["application/json"]>().toEqualTypeOf<components["schemas"]["TFJob"]>();
  expectTypeOf<Op["responses"][409]["content"]["application/json"]>().toEqualTypeOf<components["schemas"]["Status"]>();
});

test("every Kubeflow kind has the whole life cycle", () => {
  expectTypeOf<paths>().toHaveProperty("/apis/kubeflow.org/v1/namespaces/{namespace}/mxjobs/{name}/status");
  expectTypeOf<paths>().toHaveProperty("/apis/kubeflow.org/v1/pytorchjobs");
  expectTypeOf<operations>().toHaveProperty("deleteCollectionNamespacedMXJob");
  expectTypeOf<operations>().toHaveProperty("listTFJobForAllNamespaces");
  expectTypeOf<operations>().toHaveProperty("replaceNamespacedJobStatus");
});

test("ModelArts failures carry the ModelArts error body", () => {
  type Err = operations["updateTrainingJobDescription"]["responses"][400]["content"]["application/json"];
  expectTypeOf<Err["is_success"]>().toEqualTypeOf<false>();
  expectTypeOf<Err["error_code"]>().toEqualTypeOf<string>();
});
