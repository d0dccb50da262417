// The controller's time: what it reads as now, and its timers. The process uses the system clock;
// tests use FakeClock, whose time moves only when the test advances it, so that a 30-second
// training run or a day-long TTL is checked without waiting for it.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once, at `when` (milliseconds since the epoch) or as soon after as it can. Returns a cancel. */
  at(when: number, fn: () => void): () => void;
}

/** setTimeout's longest delay (about 24.8 days); longer waits are made of several. */
const maxDelayMs = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  at(when, fn) {
    let timer: NodeJS.Timeout;
    const arm = () => {
      const delay = when - Date.now();
      if (delay <= 0) {
        timer = setTimeout(fn, 0);
      } else {
        timer = setTimeout(delay > maxDelayMs ? arm : fn, Math.min(delay, maxDelayMs));
      }
      // The controller's timers never keep the process alive on their own.
      timer.unref();
    };
    arm();
    return () => clearTimeout(timer);
  },
};

interface FakeTimer {
  when: number;
  seq: number;
  fn: () => void;
}

/** A clock that stands still until advanced; due timers fire, in time order, during advance(). */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Set<FakeTimer>();

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.time = typeof start === "number" ? start : start.getTime();
  }

  now(): number {
    return this.time;
  }

  at(when: number, fn: () => void): () => void {
    const timer = { when, seq: this.seq++, fn };
    this.timers.add(timer);
    // Already due: fires soon, as a real timer would, without waiting for the next advance().
    if (when <= this.time) {
      setImmediate(() => {
        if (this.timers.delete(timer)) fn();
      });
    }
    return () => {
      this.timers.delete(timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, each at its time. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers) {
        if (t.when <= target && (!next || t.when < next.when || (t.when === next.when && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      this.timers.delete(next);
      this.time = Math.max(this.time, next.when);
      next.fn();
    }
    this.time = target;
  }

  /** How many timers are waiting (for tests that check nothing is left behind). */
  pending(): number {
    return this.timers.size;
  }
}
