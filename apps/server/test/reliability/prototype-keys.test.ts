// Keys named like Object.prototype members are data end to end: through JSON parsing, validation,
// merge patch, PUT and storage, on every kind. `__proto__` is no valid label key (a label name
// starts alphanumeric), so it is refused as a label with 422 and used as an annotation key.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, testServer } from "../helpers.js";
import { creatable, kinds, mergePatch } from "../seeds.js";

let s: TestServer;
beforeAll(async () => (s = await testServer()));
afterAll(() => s.close());

const labelKeys = ["constructor", "prototype", "hasOwnProperty", "toString"];
const annotationKeys = ["__proto__", "constructor", "prototype", "hasOwnProperty"];
let counter = 0;

/** A JSON object text with the given keys, written as text so that `__proto__` is a plain key. */
const textObject = (keys: string[], value: (k: string) => string | null) =>
  `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(value(k))}`).join(",")}}`;

describe.each(kinds)("$kind", ({ plural, seed, base }) => {
  const collection = `${base}/namespaces/kube-test/${plural}`;
  const create = async () => {
    const obj = creatable(seed);
    const name = `proto-${++counter}`;
    obj.metadata = { name };
    const text = JSON.stringify(obj).replace(
      /"metadata":\{/,
      `"metadata":{"labels":${textObject([...labelKeys, "app"], (k) => `v-${k.toLowerCase()}`)},"annotations":${textObject(annotationKeys, (k) => `a${k}`)},`,
    );
    const res = await s.api.post(collection).set("Content-Type", "application/json").send(text);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res;
  };
  const patch = (name: string, text: string) =>
    s.api.patch(`${collection}/${name}`).set("Content-Type", mergePatch).send(text);
  const keysOf = (res: { text: string }, field: "labels" | "annotations") =>
    Object.keys((JSON.parse(res.text) as { metadata: Record<string, object> }).metadata[field] ?? {});

  test("created with prototype-named labels and annotations, all kept", async () => {
    const res = await create();
    expect(keysOf(res, "labels").sort()).toEqual([...labelKeys, "app"].sort());
    expect(keysOf(res, "annotations").sort()).toEqual([...annotationKeys].sort());
    const read = await s.api.get(`${collection}/${res.body.metadata.name}`);
    expect(keysOf(read, "annotations").sort()).toEqual([...annotationKeys].sort());
  });

  test("`kubectl label x app-` works beside a stored hasOwnProperty label", async () => {
    const { body } = await create();
    const res = await patch(body.metadata.name, '{"metadata":{"labels":{"app":null}}}');
    expect(res.status, res.text).toBe(200);
    expect(keysOf(res, "labels").sort()).toEqual([...labelKeys].sort());
  });

  test("merge patch removes and re-adds each prototype-named key, and the keys after it", async () => {
    const { body } = await create();
    const name = body.metadata.name;
    const removed = await patch(
      name,
      `{"metadata":{"labels":${textObject(labelKeys, () => null)},"annotations":${textObject(annotationKeys, () => null)}}}`,
    );
    expect(removed.status, removed.text).toBe(200);
    expect(keysOf(removed, "labels")).toEqual(["app"]);
    expect(keysOf(removed, "annotations")).toEqual([]);
    const added = await patch(
      name,
      `{"metadata":{"annotations":${textObject(annotationKeys, (k) => `b${k}`)},"labels":${textObject(labelKeys, () => "x")}}}`,
    );
    expect(added.status, added.text).toBe(200);
    expect(keysOf(added, "annotations").sort()).toEqual([...annotationKeys].sort());
    expect(keysOf(added, "labels").sort()).toEqual([...labelKeys, "app"].sort());
    expect(Object.getOwnPropertyDescriptor(JSON.parse(added.text).metadata.annotations, "__proto__")?.value).toBe(
      "b__proto__",
    );
  });

  test("PUT removes and re-adds them", async () => {
    const { text } = await create();
    const obj = JSON.parse(text);
    const name = obj.metadata.name;
    const without = JSON.parse(text);
    without.metadata.labels = { app: "x" };
    without.metadata.annotations = {};
    const put1 = await s.api
      .put(`${collection}/${name}`)
      .set("Content-Type", "application/json")
      .send(JSON.stringify(without));
    expect(put1.status, put1.text).toBe(200);
    expect(keysOf(put1, "annotations")).toEqual([]);
    const again = JSON.parse(put1.text);
    const json = JSON.stringify(again).replace(
      /"annotations":\{\}/,
      `"annotations":${textObject(annotationKeys, (k) => `c${k}`)}`,
    );
    const put2 = await s.api.put(`${collection}/${name}`).set("Content-Type", "application/json").send(json);
    expect(put2.status, put2.text).toBe(200);
    expect(keysOf(put2, "annotations").sort()).toEqual([...annotationKeys].sort());
  });

  test("a label named __proto__ is refused as an invalid label key (422), not dropped", async () => {
    const { body } = await create();
    const res = await patch(body.metadata.name, '{"metadata":{"labels":{"__proto__":"x"}}}');
    expect(res.status, res.text).toBe(422);
  });
});
