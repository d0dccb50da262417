// A controller on a fake clock over a real store, with the kinds' stores as the API builds them:
// tests create and patch objects through the same ResourceStores the handlers use, advance the
// clock, then wait for the state the controller writes (polling the store, never sleeping a guess).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { FakeClock } from "../../src/controller/clock.js";
import { Controller } from "../../src/controller/controller.js";
import { allKinds, type KindDescriptor } from "../../src/resources/kinds.js";
import type { KubeObject } from "../../src/resources/object.js";
import { type KindStores, kindStores, mergePatchOf } from "../../src/resources/store.js";
import { compileObjectValidator, type ObjectValidator } from "../../src/resources/validation.js";
import { openStore, type Store } from "../../src/store/index.js";
import { seedObject } from "../builders.js";

const require = createRequire(import.meta.url);
let validator: ObjectValidator | undefined;

/** The schema validator of the kinds, compiled once per test file. */
export function validate(): ObjectValidator {
  validator ??= compileObjectValidator(
    JSON.parse(readFileSync(require.resolve("@trainjobs/openapi/openapi.json"), "utf8")) as object,
    allKinds.map((k) => k.kind),
  );
  return validator;
}

/** 2026-01-01T00:00:00Z: whole seconds, so that timestamps read back exactly. */
export const t0 = Date.UTC(2026, 0, 1);

export interface Harness {
  store: Store;
  clock: FakeClock;
  controller: Controller;
  stores: Record<string, KindStores>;
  /** Creates through the kind's store, as the API does, and waits until the controller has seen it. */
  create(kind: string, obj: Record<string, any>): Promise<KubeObject>;
  /** Creates without waiting (for objects the controller leaves alone). */
  createUnmanaged(kind: string, obj: Record<string, any>): Promise<KubeObject>;
  get(kind: string, name: string, namespace?: string): Promise<KubeObject | undefined>;
  patch(kind: string, name: string, patch: Record<string, any>, namespace?: string): Promise<KubeObject>;
  /** Polls (reading the store) until `check` answers true; fails with the last object after 10 s. */
  waitFor(
    kind: string,
    name: string,
    check: (obj: KubeObject | undefined) => boolean,
    what: string,
  ): Promise<KubeObject | undefined>;
  close(): Promise<void>;
}

export function storesOf(store: Store, clock: FakeClock): Record<string, KindStores> {
  return Object.fromEntries(
    allKinds.map((k: KindDescriptor) => [k.kind, kindStores(k, store, validate(), () => new Date(clock.now()))]),
  );
}

export async function harness(
  options: { store?: Store; clock?: FakeClock; holder?: string; waitToLead?: boolean } = {},
): Promise<Harness> {
  const store = options.store ?? (await openStore("sqlite::memory:"));
  const clock = options.clock ?? new FakeClock(t0);
  const stores = storesOf(store, clock);
  const controller = new Controller({
    store,
    kinds: Object.values(stores),
    clock,
    ...(options.holder ? { holder: options.holder } : {}),
  });
  controller.start();
  if (options.waitToLead !== false) await until(() => controller.leading, "the controller leads");
  else await controller.settled();
  const get = async (kind: string, name: string, namespace = "kube-test") => {
    const stored = await store.get({ resource: stores[kind]!.main.kind.resource, namespace, name });
    return stored ? (JSON.parse(stored.body) as KubeObject) : undefined;
  };
  return {
    store,
    clock,
    controller,
    stores,
    async create(kind, obj) {
      const namespace = obj.metadata.namespace ?? "kube-test";
      const created = (await stores[kind]!.main.create(namespace, structuredClone(obj) as KubeObject)).object;
      // Seen by the controller (startTime set) before the test moves the clock.
      await until(
        async () => statusOf(await get(kind, created.metadata.name, namespace)).startTime !== undefined,
        `the controller has seen ${kind} ${created.metadata.name}`,
      );
      return created;
    },
    async createUnmanaged(kind, obj) {
      return (
        await stores[kind]!.main.create(obj.metadata.namespace ?? "kube-test", structuredClone(obj) as KubeObject)
      ).object;
    },
    get,
    async patch(kind, name, patch, namespace = "kube-test") {
      return (await stores[kind]!.main.update(namespace, name, mergePatchOf(patch))).object;
    },
    async waitFor(kind, name, check, what) {
      let last: KubeObject | undefined;
      await until(
        async () => {
          last = await get(kind, name);
          return check(last);
        },
        what,
        () => JSON.stringify(last, null, 1),
      );
      return last;
    },
    async close() {
      await controller.stop();
      if (!options.store) await store.close();
    },
  };
}

/** Waits for a state: polls `check` every few milliseconds, up to 10 s. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  detail: () => string = () => "",
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}\n${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A seed object of `seed` named `name`, with annotations. A Job loses the seed's selector. */
export function objectOf(seed: string, name: string, annotations: Record<string, string> = {}): Record<string, any> {
  const obj = seedObject(seed, name);
  obj.metadata.annotations = { ...obj.metadata.annotations, ...annotations };
  if (obj.kind === "Job") {
    delete obj.spec.selector;
    if (obj.spec.template?.metadata?.labels) delete obj.spec.template.metadata.labels["controller-uid"];
  }
  return obj;
}

export function condition(obj: KubeObject | undefined, type: string): Record<string, any> | undefined {
  const conditions = (obj?.status as { conditions?: Record<string, any>[] } | undefined)?.conditions ?? [];
  return conditions.find((c) => c.type === type);
}

export function isTrue(obj: KubeObject | undefined, type: string): boolean {
  return condition(obj, type)?.status === "True";
}

/** The status of an object, loosely typed for assertions. */
export function statusOf(obj: KubeObject | undefined): Record<string, any> {
  return (obj?.status ?? {}) as Record<string, any>;
}
