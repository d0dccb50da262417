// Read-modify-write without lost updates, as the apiserver's GuaranteedUpdate: read the current
// object, compute the new one, write it only if the revision did not move, else read again.
//
// As the apiserver's, it retries for as long as it conflicts, not a fixed number of times: a write
// without a precondition must not fail because others wrote meanwhile (a 409 is for a stale
// precondition). It always ends: a conflict means another write to the object landed, so every
// round some writer gets through, and N racing writers are all done within N rounds. That is what
// PostgreSQL's writers, racing through a pool and from several processes, need: with 50 of them on
// one object, a cap of 16 attempts turned some plain patches into 409s. After a few conflicts in a
// row, a short random pause spreads the racers out (the retries of different processes would
// otherwise keep colliding). Only a time bound remains, against a store that keeps answering
// Conflict for no reason.
import { type ObjectKey, type Store, type StoredObject, StoreError, type WriteInput } from "./index.js";

/** What an update attempt decides: write this, or keep the object as it is. */
export type UpdateDecision = { write: WriteInput } | { keep: true };

/** Give up (Conflict) after conflicting for this long: far beyond any real contention. */
const maxRetryMs = 30_000;
/** Conflicts in a row retried at once, before the random pauses begin. */
const immediateRetries = 3;
/** The longest random pause between two attempts. */
const maxPauseMs = 20;

/**
 * Calls `decide` with the current object until its write lands on an unchanged revision. `decide`
 * may throw to refuse the update. Returns the stored object (the current one when kept). Throws
 * StoreError `NotFound` when the object is absent, `Conflict` if it kept conflicting for 30 s.
 */
export async function guaranteedUpdate(
  store: Store,
  key: ObjectKey,
  decide: (current: StoredObject) => UpdateDecision,
): Promise<StoredObject> {
  const deadline = Date.now() + maxRetryMs;
  for (let conflicts = 0; ; conflicts++) {
    const current = await store.get(key);
    if (!current) throw new StoreError("NotFound", `${key.resource} ${key.namespace}/${key.name} not found`);
    const decision = decide(current);
    if ("keep" in decision) return current;
    try {
      return await store.update(key, current.revision, decision.write);
    } catch (e) {
      if (!(e instanceof StoreError && e.code === "Conflict")) throw e;
    }
    if (Date.now() > deadline) {
      throw new StoreError("Conflict", `${key.resource} ${key.namespace}/${key.name}: too many concurrent updates`);
    }
    if (conflicts >= immediateRetries) {
      const pause = Math.random() * Math.min(maxPauseMs, 2 ** (conflicts - immediateRetries));
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
