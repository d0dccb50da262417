// Bounds on what is stored, as the apiserver and etcd set them, so that no object grows without
// bound (each write also copies the whole object into the watch history):
// - annotations: at most 256 KiB, keys and values together, in bytes (apimachinery's
//   ValidateAnnotations, TotalAnnotationSizeLimitB): 422 Invalid on metadata.annotations;
// - a whole object: at most 1.5 MiB as stored JSON (etcd's default --max-request-bytes, which
//   refuses larger writes): 413 RequestEntityTooLarge.
import { invalid, type ResourceRef, StatusError } from "./errors.js";
import { isObject, type KubeObject } from "./object.js";

/** apimachinery's TotalAnnotationSizeLimitB. */
export const maxAnnotationsBytes = 256 * 1024;
/** etcd's default request limit (--max-request-bytes), 1.5 MiB. */
export const maxObjectBytes = 1.5 * 1024 * 1024;

/** Total bytes of the annotations' keys and values (UTF-8), as ValidateAnnotations counts them. */
export function annotationsBytes(annotations: unknown): number {
  if (!isObject(annotations)) return 0;
  let total = 0;
  for (const key of Object.keys(annotations)) {
    const value = annotations[key];
    total += Buffer.byteLength(key) + (typeof value === "string" ? Buffer.byteLength(value) : 0);
  }
  return total;
}

/** Throws what `obj` breaks: 422 for annotations over their limit, 413 for an object too large. */
export function checkObjectLimits(ref: ResourceRef, obj: KubeObject): void {
  if (annotationsBytes(obj.metadata?.annotations) > maxAnnotationsBytes) {
    throw invalid(ref, obj.metadata?.name ?? "", [
      {
        reason: "FieldValueTooLong",
        message: `Too long: must have at most ${maxAnnotationsBytes} bytes`,
        field: "metadata.annotations",
      },
    ]);
  }
  const bytes = Buffer.byteLength(JSON.stringify(obj));
  if (bytes > maxObjectBytes) {
    throw new StatusError(
      413,
      "RequestEntityTooLarge",
      `Request entity too large: the object would be ${bytes} bytes; limit is ${maxObjectBytes}`,
    );
  }
}
