// The pieces of a Table answer that do not need a server: Accept negotiation, apimachinery's
// HumanDuration, FormatLabelSelector, and the Job printer's Completions and Duration cells.
import { describe, expect, test } from "vitest";
import { formatLabelSelector, job } from "../src/resources/kinds.js";
import type { KubeObject } from "../src/resources/object.js";
import { acceptedTable, humanDuration } from "../src/resources/table.js";

describe("acceptedTable", () => {
  test.each([
    [
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
      "v1",
    ],
    ["application/json; as=Table; g=meta.k8s.io; v=v1", "v1"],
    ["application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", undefined],
    ["application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io", "v1"],
    ["application/json, application/json;as=Table;v=v1;g=meta.k8s.io", undefined],
    ["*/*", undefined],
    ["application/json;as=Table;v=v1;g=other.io", undefined],
    [undefined, undefined],
  ])("%s → %s", (accept, expected) => {
    expect(acceptedTable(accept)).toBe(expected);
  });
});

test.each([
  [-5_000, "<invalid>"],
  [-1_000, "0s"],
  [0, "0s"],
  [119_000, "119s"],
  [125_000, "2m5s"],
  [600_000, "10m"],
  [3 * 3600_000, "3h"],
  [(3 * 60 + 7) * 60_000, "3h7m"],
  [30 * 3600_000, "30h"],
  [(3 * 24 + 4) * 3600_000, "3d4h"],
  [30 * 24 * 3600_000, "30d"],
  [(2 * 365 + 30) * 24 * 3600_000, "2y30d"],
  [9 * 365 * 24 * 3600_000, "9y"],
])("humanDuration(%i) is %s, as apimachinery's", (ms, text) => {
  expect(humanDuration(ms)).toBe(text);
});

test("formatLabelSelector: sorted by key, set-based requirements, <none> when empty", () => {
  expect(formatLabelSelector(undefined)).toBe("<none>");
  expect(formatLabelSelector({})).toBe("<none>");
  expect(
    formatLabelSelector({
      matchLabels: { z: "1", a: "2" },
      matchExpressions: [
        { key: "m", operator: "In", values: ["y", "x"] },
        { key: "n", operator: "NotIn", values: ["q"] },
        { key: "e", operator: "Exists" },
        { key: "d", operator: "DoesNotExist" },
      ],
    }),
  ).toBe("a=2,!d,e,m in (x,y),n notin (q),z=1");
});

describe("the Job printer", () => {
  const cells = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => {
    const obj = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "j", namespace: "n" },
      spec,
      status,
    } as KubeObject;
    const now = new Date("2026-01-01T00:10:00Z");
    return Object.fromEntries(job.printerColumns.map((c) => [c.name, c.cell(obj, now)]));
  };
  test("Completions as kubectl shows them", () => {
    expect(cells({ completions: 3 }, { succeeded: 1 }).Completions).toBe("1/3");
    expect(cells({ parallelism: 4 }).Completions).toBe("0/1 of 4");
    expect(cells({}).Completions).toBe("0/1");
  });
  test("Duration: running since startTime, or until completionTime; Status from the true conditions", () => {
    expect(cells({}, { startTime: "2026-01-01T00:00:00Z" }).Duration).toBe("10m");
    const done = cells(
      {},
      {
        startTime: "2026-01-01T00:00:00Z",
        completionTime: "2026-01-01T00:00:42Z",
        conditions: [{ type: "Complete", status: "True" }],
      },
    );
    expect([done.Duration, done.Status]).toEqual(["42s", "Complete"]);
    expect(cells({}, { conditions: [{ type: "Failed", status: "True" }] }).Status).toBe("Failed");
    expect(cells({}, { conditions: [{ type: "Complete", status: "False" }] }).Status).toBe("Running");
  });
});
