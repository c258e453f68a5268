/**
 * Fixed-window request counters for the embedded store (the same rule as the Redis script: a
 * window opens at its first request and lasts `windowMs`). Bounded: when full, the window
 * closest to its end is dropped first, since it would reset soonest anyway.
 */
import type { Clock } from '../../clock.js';
import type { WindowCount } from '../types.js';
import { ExpiringMap } from './expiring-map.js';

interface Window {
  count: number;
  endsAtMs: number;
}

export class WindowCounters {
  readonly #windows: ExpiringMap<Window>;
  readonly #clock: Clock;

  constructor(clock: Clock, maxEntries: number) {
    this.#clock = clock;
    this.#windows = new ExpiringMap<Window>(clock, maxEntries);
  }

  add(key: string, n: number, windowMs: number): WindowCount {
    const nowMs = this.#clock();
    const open = this.#windows.get(key);
    const window = open ?? { count: 0, endsAtMs: nowMs + windowMs };
    window.count += n;
    if (!open) this.#windows.set(key, window, window.endsAtMs, true);
    return { count: window.count, resetInMs: Math.max(0, window.endsAtMs - nowMs) };
  }

  sweep(): void {
    this.#windows.sweep();
  }
}
