/** Milliseconds since the epoch. Injected everywhere time matters so tests can fix it. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** A clock tests can move by hand. */
export function manualClock(startMs: number): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = startMs;
  const clock = (() => now) as Clock & { advance(ms: number): void; set(ms: number): void };
  clock.advance = (ms: number) => { now += ms; };
  clock.set = (ms: number) => { now = ms; };
  return clock;
}
