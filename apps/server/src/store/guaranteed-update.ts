// Read-modify-write without lost updates, as the apiserver's GuaranteedUpdate: read the current
// object, compute the new one, write it only if the revision did not move, else read again.
import { type ObjectKey, type Store, type StoredObject, StoreError, type WriteInput } from "./index.js";

/** What an update attempt decides: write this, or keep the object as it is. */
export type UpdateDecision = { write: WriteInput } | { keep: true };

const maxAttempts = 16;

/**
 * Calls `decide` with the current object until its write lands on an unchanged revision. `decide`
 * may throw to refuse the update. Returns the stored object (the current one when kept). Throws
 * StoreError `NotFound` when the object is absent, `Conflict` after too many concurrent writes.
 */
export async function guaranteedUpdate(
  store: Store,
  key: ObjectKey,
  decide: (current: StoredObject) => UpdateDecision,
): Promise<StoredObject> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const current = await store.get(key);
    if (!current) throw new StoreError("NotFound", `${key.resource} ${key.namespace}/${key.name} not found`);
    const decision = decide(current);
    if ("keep" in decision) return current;
    try {
      return await store.update(key, current.revision, decision.write);
    } catch (e) {
      if (!(e instanceof StoreError && e.code === "Conflict")) throw e;
    }
  }
  throw new StoreError("Conflict", `${key.resource} ${key.namespace}/${key.name}: too many concurrent updates`);
}
