/**
 * An audit sink that keeps the records in memory, as parsed objects. A write may carry several
 * records (the trail's group commit writes one turn's records at once), one JSON line each.
 */
import type { SyncSink } from '../../src/audit/index.js';

export function recordsOf(text: string): Array<Record<string, unknown>> {
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** `failing()` true: the write throws ENOSPC, as a full disk would. */
export function collectingSink(records: Array<Record<string, unknown>>, failing: () => boolean = () => false): SyncSink {
  return {
    write: (text) => {
      if (failing()) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      records.push(...recordsOf(text));
    },
    close: () => {},
  };
}
