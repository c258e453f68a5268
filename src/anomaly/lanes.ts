/**
 * Bounded work queues processed in the background: an item goes to the lane its key hashes
 * to, so one agent's outcomes are handled in order while different agents run in parallel.
 * push() never blocks; it returns false (the caller counts a drop) when the lane is full.
 */
interface Lanes<T> {
  push(key: string, item: T): boolean;
  /** Resolves when every lane is empty and idle. */
  drain(): Promise<void>;
}

export function createLanes<T>(count: number, capacity: number, work: (item: T) => Promise<void>): Lanes<T> {
  const lanes = Array.from({ length: Math.max(1, count) }, () => ({ queue: [] as T[], running: null as Promise<void> | null }));
  const perLane = Math.max(1, Math.ceil(capacity / lanes.length));

  function run(lane: (typeof lanes)[number]): void {
    lane.running ??= (async () => {
      for (let item = lane.queue.shift(); item !== undefined; item = lane.queue.shift()) {
        await work(item).catch(() => {}); // work reports its own errors; a lane never dies
      }
      lane.running = null;
    })();
  }

  return {
    push(key, item) {
      const lane = lanes[fnv1a(key) % lanes.length] as (typeof lanes)[number];
      if (lane.queue.length >= perLane) return false;
      lane.queue.push(item);
      run(lane);
      return true;
    },
    async drain() {
      while (lanes.some((l) => l.running !== null)) await Promise.all(lanes.map((l) => l.running));
    },
  };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
