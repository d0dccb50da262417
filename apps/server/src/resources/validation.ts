// Schema validation of whole objects against the spec's component schemas, compiled once at
// start. The request validator checks request bodies; this checks what a patch produces, which
// no request body shows. Also the one place that turns a schema error into a Status cause.
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { StatusCause } from "./errors.js";

export type ObjectValidator = (schemaName: string, value: unknown) => StatusCause[];

/** Compiles a validator for each named component schema of an OpenAPI 3.1 document. */
export function compileObjectValidator(document: object, schemaNames: readonly string[]): ObjectValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // ajv-formats defines the OpenAPI number formats too (int32, int64, float, double).
  addFormats.default(ajv);
  ajv.addSchema({ ...document, $id: "openapi" });
  const compiled = new Map<string, ValidateFunction>();
  for (const name of schemaNames) compiled.set(name, ajv.compile({ $ref: `openapi#/components/schemas/${name}` }));
  return (schemaName, value) => {
    const validate = compiled.get(schemaName);
    if (!validate) throw new Error(`no compiled schema ${schemaName}`);
    return validate(value) ? [] : dedupe((validate.errors ?? []).filter(meaningful).map(ajvErrorToCause));
  };
}

// allOf/oneOf wrappers report an extra summary error beside the real ones.
function meaningful(e: ErrorObject): boolean {
  return e.keyword !== "oneOf" && e.keyword !== "anyOf" && e.keyword !== "if";
}

function dedupe(causes: StatusCause[]): StatusCause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const key = `${c.field}\u0000${c.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function ajvErrorToCause(e: ErrorObject): StatusCause {
  return schemaErrorToCause({
    pointer: e.instancePath,
    keyword: e.keyword,
    message: e.message ?? "is invalid",
    params: e.params as Record<string, unknown>,
  });
}

export interface SchemaError {
  /** JSON pointer to the offending value, such as `/spec/backoffLimit`. */
  pointer: string;
  keyword: string;
  message: string;
  params?: Record<string, unknown>;
}

/** A JSON pointer (`/spec/tfReplicaSpecs/Worker`) as a field path (`spec.tfReplicaSpecs.Worker`). */
export function pointerToField(pointer: string): string {
  return pointer
    .split("/")
    .filter(Boolean)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .join(".");
}

/** Kubernetes-style cause of a schema error: FieldValueRequired, FieldValueNotSupported, ... */
export function schemaErrorToCause(e: SchemaError): StatusCause {
  const field = pointerToField(e.pointer);
  const p = e.params ?? {};
  switch (e.keyword) {
    case "required": {
      const missing = String(p.missingProperty ?? "");
      return {
        reason: "FieldValueRequired",
        message: "Required value",
        field: field ? `${field}.${missing}` : missing,
      };
    }
    case "enum":
    case "const": {
      const allowed = (Array.isArray(p.allowedValues) ? p.allowedValues : [p.allowedValue]).map((v) =>
        JSON.stringify(v),
      );
      return {
        reason: "FieldValueNotSupported",
        message: `Unsupported value: supported values: ${allowed.join(", ")}`,
        field,
      };
    }
    case "type":
      return { reason: "FieldValueTypeInvalid", message: `Invalid value: ${e.message}`, field };
    case "maxLength":
    case "maxItems":
    case "maxProperties":
      return { reason: "FieldValueTooLong", message: `Too long: ${e.message}`, field };
    case "additionalProperties":
    case "unevaluatedProperties": {
      const extra = String(p.additionalProperty ?? p.unevaluatedProperty ?? "");
      return {
        reason: "FieldValueNotSupported",
        message: "Unsupported value: field is not allowed",
        field: field ? `${field}.${extra}` : extra,
      };
    }
    default:
      return { reason: "FieldValueInvalid", message: `Invalid value: ${e.message}`, field };
  }
}
