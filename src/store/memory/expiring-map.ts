/**
 * A size-capped map whose entries expire by an injected clock. Expired entries are swept
 * lazily (on read and when full) and by the owner's periodic sweep. When full, `set` with
 * `evict: true` drops the entry expiring soonest; with `evict: false` it reports failure so
 * security state (replay claims, revocations) is never silently forgotten.
 */
import type { Clock } from '../../clock.js';

interface Entry<V> {
  value: V;
  /** Infinity: never expires. */
  expiresAtMs: number;
}

export class ExpiringMap<V> {
  readonly #map = new Map<string, Entry<V>>();
  readonly #clock: Clock;
  readonly #max: number;

  constructor(clock: Clock, maxEntries: number) {
    this.#clock = clock;
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    const entry = this.#map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.#clock()) {
      this.#map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** False when the map is full of live entries and eviction is not allowed. */
  set(key: string, value: V, expiresAtMs: number, evict: boolean): boolean {
    if (!this.#map.has(key) && this.#map.size >= this.#max) {
      this.sweep();
      if (this.#map.size >= this.#max) {
        if (!evict) return false;
        this.#evictSoonest();
      }
    }
    this.#map.set(key, { value, expiresAtMs });
    return true;
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  entries(): Array<[string, V]> {
    const now = this.#clock();
    const out: Array<[string, V]> = [];
    for (const [k, e] of this.#map) if (e.expiresAtMs > now) out.push([k, e.value]);
    return out;
  }

  sweep(): void {
    const now = this.#clock();
    for (const [k, e] of this.#map) if (e.expiresAtMs <= now) this.#map.delete(k);
  }

  #evictSoonest(): void {
    let soonest: string | undefined;
    let at = Infinity;
    for (const [k, e] of this.#map) {
      if (soonest === undefined || e.expiresAtMs < at) {
        soonest = k;
        at = e.expiresAtMs;
      }
    }
    if (soonest !== undefined) this.#map.delete(soonest);
  }
}
