/**
 * A full GC of this process (the load generator) just before a measured run. Signing a
 * run's tokens leaves tens of MB of garbage; left alone, the generator's own major GC landed
 * inside the open-loop run and its 20-30 ms pause was counted as server latency (traced with
 * --trace-gc: each 20-36 ms latency spike matched a Mark-Compact of the generator). Call it
 * after the run's inputs are built. `npm run bench` passes --expose-gc; without it this does
 * nothing.
 */
export function settleHeap(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
