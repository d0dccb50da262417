// Server-side printing, as kube-apiserver answers `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`
// (what `kubectl get` asks for): a meta.k8s.io/v1 Table whose columns are the kind's printer columns
// (kinds.ts: a custom resource's additionalPrinterColumns, the built-in printer of Job) after Name,
// and whose rows carry the object, its metadata or nothing, per `includeObject`.
import type { JsonObject, JsonValue, KubeObject } from "./object.js";

export interface PrinterColumn {
  name: string;
  /** An OpenAPI type: `string`, `integer`, `number`, `boolean`, `date`. */
  type: string;
  format?: string;
  description: string;
  /** 0: always shown; 1: `kubectl get -o wide` only. */
  priority: number;
  /** The cell of an object, at `now`; null when the object has no value (as a missing jsonPath). */
  cell(obj: KubeObject, now: Date): JsonValue;
}

export type IncludeObject = "Object" | "Metadata" | "None";

/**
 * The Table versions this server answers: v1 (kubectl has asked for it first since 1.15; a client
 * that asks only for v1beta1 gets plain JSON, which kubectl prints too).
 */
const tableVersions = new Set(["v1"]);

/**
 * The Table version an Accept header asks for, taking its alternatives in order (kubectl sends
 * `...as=Table;v=v1;g=meta.k8s.io, ...as=Table;v=v1beta1;g=meta.k8s.io, application/json`);
 * undefined when the first acceptable one is plain JSON.
 */
export function acceptedTable(accept: string | undefined): "v1" | undefined {
  if (!accept) return undefined;
  for (const alternative of accept.split(",")) {
    const [type, ...rawParams] = alternative.split(";").map((s) => s.trim());
    const params = new Map(
      rawParams.map((p) => {
        const eq = p.indexOf("=");
        return eq < 0 ? [p.toLowerCase(), ""] : [p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim()];
      }),
    );
    const as = params.get("as");
    if (as === "Table" && type === "application/json" && params.get("g") === "meta.k8s.io") {
      const v = params.get("v") ?? "";
      if (tableVersions.has(v)) return v as "v1";
      continue;
    }
    // Another projection (PartialObjectMetadata) is not served here: the next alternative decides.
    if (as !== undefined) continue;
    if (type === "application/json" || type === "*/*" || type === "application/*") return undefined;
  }
  return undefined;
}

const nameColumn = {
  name: "Name",
  type: "string",
  format: "name",
  description:
    "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  priority: 0,
};

export interface TableOptions {
  version: "v1";
  includeObject: IncludeObject;
  /** The list's metadata (resourceVersion, continue), or the object's resourceVersion for a get. */
  metadata: JsonObject;
  now: Date;
}

export function toTable(columns: readonly PrinterColumn[], objects: readonly KubeObject[], options: TableOptions) {
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${options.version}`,
    metadata: options.metadata,
    columnDefinitions: [nameColumn, ...columns].map(({ name, type, format, description, priority }) => ({
      name,
      type,
      format: format ?? "",
      description,
      priority,
    })),
    rows: objects.map((obj) => ({
      cells: [obj.metadata.name, ...columns.map((c) => c.cell(obj, options.now))],
      ...rowObject(obj, options),
    })),
  };
}

function rowObject(obj: KubeObject, options: TableOptions): { object?: JsonObject } {
  switch (options.includeObject) {
    case "None":
      return {};
    case "Object":
      return { object: obj };
    default:
      return {
        object: { kind: "PartialObjectMetadata", apiVersion: `meta.k8s.io/${options.version}`, metadata: obj.metadata },
      };
  }
}

/** apimachinery's duration.HumanDuration: `42s`, `3m5s`, `5h2m`, `3d4h`, `2y30d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** The age of a timestamp, as the printers show it (`<unknown>` without one). */
export function age(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== "string" || timestamp === "") return "<unknown>";
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return "<invalid>";
  return humanDuration(now.getTime() - t);
}
