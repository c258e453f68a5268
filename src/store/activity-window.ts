/** Hour buckets for the 24 h activity counters, shared by both stores (pure). */
const HOUR_MS = 3_600_000;
const ACTIVITY_HOURS = 24;
/** Counter keys outlive the window by an hour, so a read at its edge still finds them. */
export const ACTIVITY_TTL_MS = 25 * HOUR_MS;
export const RECENT_DENIALS = 20;
/** Last seen outlives the counters: the inventory shows agents idle for weeks. */
export const LAST_SEEN_TTL_MS = 90 * 24 * HOUR_MS;
export const MAX_DENIAL_REASON = 64;

export function hourBucket(atMs: number): number {
  return Math.floor(atMs / HOUR_MS);
}

/** The buckets that make up the 24 h window ending at `nowMs` (hour granularity). */
export function windowBuckets(nowMs: number): number[] {
  const last = hourBucket(nowMs);
  return Array.from({ length: ACTIVITY_HOURS }, (_, i) => last - i);
}

/** Distinct people remembered per agent and hour by the embedded store (beyond: counted as this many). */
export const MAX_PEOPLE_PER_HOUR = 10_000;
