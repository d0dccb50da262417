// The names and objects the server tests create, built in one place.
import { creatable } from "./seeds.js";

let counter = 0;

/** A name no other test of this file uses: `prefix-1`, `prefix-2`, ... */
export function unique(prefix: string): string {
  return `${prefix}-${++counter}`;
}

/** The seed object of `seed` (as creatable: no server fields) named `name` in `namespace`. */
export function seedObject(seed: string, name: string, namespace = "kube-test"): Record<string, any> {
  const obj = creatable(seed);
  obj.metadata.name = name;
  obj.metadata.namespace = namespace;
  return obj;
}

/** The seed TFJob named `name` in `namespace`, with the seed's labels. */
export function tfJob(name: string, namespace = "kube-test"): Record<string, any> {
  return seedObject("TFJobSeed", name, namespace);
}

/**
 * The seed's object with exactly this metadata. A Job loses the seed's selector, which names the
 * seed's uid: the server makes one from the new object's uid.
 */
export function objectWith(seed: string, metadata: Record<string, unknown>): Record<string, any> {
  const obj = creatable(seed);
  obj.metadata = metadata;
  if (obj.kind === "Job") delete obj.spec.selector;
  return obj;
}
