// The reference controller: plays the Kubeflow training operator, the Job controller (and its
// TTL-after-finished controller) and the ModelArts scheduler inside the server process, so that
// conditions, start and completion times, replica counts and the updatable run-policy fields mean
// something. It simulates: no container runs; the status it writes is what the real controllers
// would write after runs of the simulated durations (simulation.ts).
//
// As a Kubernetes controller: it watches the store (list, then watch from the list's revision;
// re-list when the watch expires), queues the keys that changed, and reconciles one key at a time
// from the stored object and the clock (level-triggered: kubeflow.ts, job.ts and modelarts.ts
// decide; this file reads and writes). Status goes through each kind's /status store, with the
// status update strategy and a resourceVersion precondition, as an operator's UpdateStatus would;
// a TTL deletes through the main store with uid and resourceVersion preconditions. Transitions due
// later are timers on the injected clock.
//
// Of several processes sharing one database, only the holder of the `trainjobs-controller` lease
// (Store.tryAcquireLease) runs it: the lease lasts leaseTtlMs and is renewed every third of that;
// when its holder dies, another process takes it once it expires. A reconcile first makes sure the
// lease is still held, renewing it if it ran out meanwhile, so that a process that lost it stops
// writing.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { modelArtsTrainingJobs } from "../api/modelarts.js";
import { StatusError } from "../resources/errors.js";
import { isObject, type JsonObject, type KubeObject } from "../resources/object.js";
import { type KindStores, replacement } from "../resources/store.js";
import { type ObjectKey, type Store, StoreError } from "../store/index.js";
import { type Clock, systemClock } from "./clock.js";
import { type JobState, planJob } from "./job.js";
import { kubeflowModel, planKubeflowJob } from "./kubeflow.js";
import { planTrainingJob, type TrainingJobRecord } from "./modelarts.js";

export const controllerLeaseName = "trainjobs-controller";
export const defaultLeaseTtlMs = 15_000;
/** After an unexpected failure (the database away), a key is tried again this much later. */
const retryMs = 1_000;

export interface ControllerOptions {
  store: Store;
  /** The stores of the kinds to reconcile (TFJob, PyTorchJob, MXJob, Job), as the API uses them. */
  kinds: readonly KindStores[];
  clock?: Clock;
  /** This process's name in the lease; unique by default. */
  holder?: string;
  leaseTtlMs?: number;
  logger?: Logger;
}

type Reconciler = (key: ObjectKey) => Promise<void>;

export class Controller {
  readonly holder: string;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly leaseTtlMs: number;
  private readonly logger: Logger | undefined;
  private readonly reconcilers = new Map<string, Reconciler>();

  private stopped = true;
  private leadingNow = false;
  /** The lease is ours until then (by our clock). */
  private leaseUntil = 0;
  private cancelLeaseTimer: (() => void) | undefined;
  private tickRunning: Promise<void> | undefined;
  private stopWatches: (() => void)[] = [];
  private readonly wakeTimers = new Map<string, () => void>();
  private readonly queue = new Map<string, ObjectKey>();
  /** By uid: the state last written on each running Job (see planJob's `remembered`). */
  private readonly jobStates = new Map<string, JobState>();
  private draining: Promise<void> | undefined;
  private drainActive = false;
  /** Moves on each start and end of leadership: work of an older term is dropped. */
  private term = 0;

  constructor(options: ControllerOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.leaseTtlMs = options.leaseTtlMs ?? defaultLeaseTtlMs;
    this.logger = options.logger;
    this.holder = options.holder ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    for (const stores of options.kinds) {
      const kind = stores.main.kind;
      this.reconcilers.set(
        kind.resource,
        kind.kind === "Job" ? (key) => this.reconcileJob(stores, key) : (key) => this.reconcileKubeflow(stores, key),
      );
    }
    this.reconcilers.set(modelArtsTrainingJobs, (key) => this.reconcileTrainingJob(key));
  }

  /** Whether this instance holds the lease and reconciles. */
  get leading(): boolean {
    return this.leadingNow;
  }

  /** Starts competing for the lease (at once, then every third of its TTL). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.runTick();
  }

  /**
   * Stops reconciling. The lease is released so that another process takes over at once, unless
   * `release` is false (a test's stand-in for a process that died: the others wait for expiry).
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelLeaseTimer?.();
    await this.tickRunning;
    const wasLeading = this.leadingNow;
    this.stopLeading();
    if (this.drainActive) await this.draining;
    if (wasLeading && options.release !== false) await this.store.releaseLease(controllerLeaseName, this.holder);
  }

  /**
   * Resolves once nothing is in progress: no lease renewal, no queued or running reconcile (for
   * tests, after advancing a fake clock: the timers due have fired and their work is done).
   */
  async settled(): Promise<void> {
    for (;;) {
      const pending = this.tickRunning ?? (this.drainActive ? this.draining : undefined);
      if (pending) {
        await pending.catch(() => undefined);
        continue;
      }
      // Let events already on their way (a watch's delivery) arrive, then look again.
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.tickRunning && !this.drainActive) return;
    }
  }

  private scheduleTick(when: number): void {
    this.cancelLeaseTimer = this.clock.at(when, () => this.runTick());
  }

  private runTick(): void {
    this.tickRunning = this.tick().finally(() => {
      this.tickRunning = undefined;
    });
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    await this.renewLease();
    if (!this.stopped) this.scheduleTick(this.clock.now() + Math.max(1, Math.floor(this.leaseTtlMs / 3)));
  }

  /** Tries to take or keep the lease; starts or stops leading accordingly. Answers whether it is held. */
  private async renewLease(): Promise<boolean> {
    const now = this.clock.now();
    let held: boolean;
    try {
      held = await this.store.tryAcquireLease(controllerLeaseName, this.holder, this.leaseTtlMs, now);
    } catch (err) {
      // The database away: still ours until it expires, after which another may hold it.
      this.logger?.warn({ err }, "controller: renewing the lease failed");
      held = this.leadingNow && this.clock.now() < this.leaseUntil;
      if (!held && this.leadingNow) this.stopLeading();
      return held;
    }
    if (this.stopped) return false;
    if (held) {
      this.leaseUntil = now + this.leaseTtlMs;
      if (!this.leadingNow) await this.startLeading();
    } else if (this.leadingNow) {
      this.logger?.warn({ holder: this.holder }, "controller: lease lost to another process");
      this.stopLeading();
    }
    return held;
  }

  private async startLeading(): Promise<void> {
    this.leadingNow = true;
    const term = ++this.term;
    this.logger?.info({ holder: this.holder }, "controller: leading (holds the lease)");
    for (const resource of this.reconcilers.keys()) await this.watchResource(resource, term);
  }

  private stopLeading(): void {
    if (!this.leadingNow) return;
    this.leadingNow = false;
    this.term++;
    for (const stop of this.stopWatches) stop();
    this.stopWatches = [];
    for (const cancel of this.wakeTimers.values()) cancel();
    this.wakeTimers.clear();
    this.jobStates.clear();
    this.queue.clear();
  }

  /** Lists the resource, queues every object, and watches from the list's revision; again on expiry. */
  private async watchResource(resource: string, term: number): Promise<void> {
    if (term !== this.term) return;
    try {
      const list = await this.store.list(resource);
      if (term !== this.term) return;
      for (const item of list.items) this.enqueue(item);
      const stop = await this.store.watch(
        resource,
        list.revision,
        (event) => this.enqueue(event.object),
        () => void this.watchResource(resource, term),
      );
      if (term !== this.term) stop();
      else this.stopWatches.push(stop);
    } catch (err) {
      this.logger?.error({ err, resource }, "controller: listing or watching failed; trying again");
      if (term === this.term) {
        const cancel = this.clock.at(this.clock.now() + retryMs, () => void this.watchResource(resource, term));
        this.stopWatches.push(cancel);
      }
    }
  }

  private enqueue(key: ObjectKey): void {
    if (!this.leadingNow) return;
    const id = keyId(key);
    this.queue.set(id, { resource: key.resource, namespace: key.namespace, name: key.name });
    if (!this.drainActive) {
      this.drainActive = true;
      this.draining = this.drain();
    }
  }

  /** One key at a time, in the order they were queued; a key queued again while waiting runs once. */
  private async drain(): Promise<void> {
    for (;;) {
      const next = this.queue.entries().next();
      if (next.done) {
        // Cleared in the same step as the queue is found empty, so that a key queued after this
        // starts a new drain rather than waiting in the queue.
        this.drainActive = false;
        return;
      }
      const [id, key] = next.value;
      this.queue.delete(id);
      const term = this.term;
      try {
        if (!(await this.holdsLease()) || term !== this.term) continue;
        await this.reconcilers.get(key.resource)?.(key);
      } catch (err) {
        if (term !== this.term) continue;
        if (isConflict(err)) {
          // Someone wrote in between: read again (the watch queues it too).
          this.queue.set(id, key);
        } else if (!isNotFound(err)) {
          this.logger?.error({ err, key }, "controller: reconcile failed; trying again");
          this.wake(key, this.clock.now() + retryMs);
        }
      }
    }
  }

  /** Whether the lease is still held, renewing it now if it ran out since the last renewal. */
  private async holdsLease(): Promise<boolean> {
    if (!this.leadingNow) return false;
    if (this.clock.now() < this.leaseUntil) return true;
    return this.renewLease();
  }

  /** Reconcile `key` again at `when` (replacing an earlier plan for it), or never when undefined. */
  private wake(key: ObjectKey, when: number | undefined): void {
    const id = keyId(key);
    this.wakeTimers.get(id)?.();
    this.wakeTimers.delete(id);
    if (when === undefined) return;
    const cancel = this.clock.at(when, () => {
      this.wakeTimers.delete(id);
      this.enqueue(key);
    });
    this.wakeTimers.set(id, cancel);
  }

  private async reconcileKubeflow(stores: KindStores, key: ObjectKey): Promise<void> {
    const stored = await this.store.get(key);
    if (!stored) return this.wake(key, undefined);
    const obj = JSON.parse(stored.body) as KubeObject;
    const plan = planKubeflowJob(kubeflowModel(stores.main.kind), obj, this.clock.now());
    if (plan.delete) return this.deleteFinished(stores, obj, stored.revision);
    if (plan.status) {
      const next = {
        ...obj,
        status: plan.status,
        metadata: { ...obj.metadata, resourceVersion: String(stored.revision) },
      };
      await stores.status.update(key.namespace, key.name, replacement(next));
      this.logger?.debug({ key, conditions: plan.status.conditions }, "controller: status written");
    }
    this.wake(key, plan.wakeAt);
  }

  private async reconcileJob(stores: KindStores, key: ObjectKey): Promise<void> {
    const stored = await this.store.get(key);
    if (!stored) return this.wake(key, undefined);
    const obj = JSON.parse(stored.body) as KubeObject;
    const uid = typeof obj.metadata.uid === "string" ? obj.metadata.uid : "";
    const plan = planJob(obj, this.clock.now(), this.jobStates.get(uid));
    if (plan.delete) return this.deleteFinished(stores, obj, stored.revision);
    if (plan.status) {
      const annotations = isObject(obj.metadata.annotations) ? obj.metadata.annotations : {};
      const next = {
        ...obj,
        status: plan.status,
        metadata: {
          ...obj.metadata,
          annotations: { ...annotations, ...plan.annotations },
          resourceVersion: String(stored.revision),
        },
      };
      await stores.status.update(key.namespace, key.name, replacement(next));
      if (plan.state) this.jobStates.set(uid, plan.state);
    }
    if (plan.delete || plan.skipped || isFinished(plan.status)) this.jobStates.delete(uid);
    this.wake(key, plan.wakeAt);
  }

  private async reconcileTrainingJob(key: ObjectKey): Promise<void> {
    const stored = await this.store.get(key);
    if (!stored) return this.wake(key, undefined);
    const plan = planTrainingJob(JSON.parse(stored.body) as TrainingJobRecord, this.clock.now());
    if (plan.status) {
      const text = JSON.stringify(plan.status);
      await this.store.update(key, stored.revision, { labels: stored.labels, encode: () => text });
    }
    this.wake(key, plan.wakeAt);
  }

  /** ttlSecondsAfterFinished is up: delete, unless the object changed (or was replaced) since read. */
  private async deleteFinished(stores: KindStores, obj: KubeObject, revision: number): Promise<void> {
    const { namespace, name, uid } = obj.metadata;
    this.wake({ resource: stores.main.kind.resource, namespace, name }, undefined);
    await stores.main.delete(namespace, name, {
      preconditions: { ...(typeof uid === "string" ? { uid } : {}), resourceVersion: String(revision) },
    });
    this.logger?.info(
      { kind: stores.main.kind.kind, namespace, name },
      "controller: deleted (ttlSecondsAfterFinished)",
    );
  }
}

/** A Job status with Complete or Failed true: nothing left to remember. */
function isFinished(status: JsonObject | undefined): boolean {
  const conditions = status?.conditions;
  return (
    Array.isArray(conditions) &&
    conditions.some((c) => isObject(c) && (c.type === "Complete" || c.type === "Failed") && c.status === "True")
  );
}

function keyId(key: ObjectKey): string {
  return `${key.resource}\u0000${key.namespace}\u0000${key.name}`;
}

function isConflict(err: unknown): boolean {
  return (err instanceof StatusError && err.code === 409) || (err instanceof StoreError && err.code === "Conflict");
}

function isNotFound(err: unknown): boolean {
  return (err instanceof StatusError && err.code === 404) || (err instanceof StoreError && err.code === "NotFound");
}
