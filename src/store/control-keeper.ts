/**
 * Keeps suspensions beyond the store. Every instance holds a copy of every agent's control
 * record (refreshed on each store event and periodically) and, when configured, writes it to
 * a state file. When the store loses its data (a Redis restarted empty shows a new epoch), the
 * copy is written back, so a suspended agent stays suspended; until that is done, a mint
 * consults the copy. A resumption made after the loss wins over the copy (control-merge.ts).
 * Agents never suspended are untouched: nobody is locked out by the loss.
 */
import type { Clock } from '../clock.js';
import { compareVersions, mergeControl } from './control-merge.js';
import { readStateFile, writeStateFile } from './state-file.js';
import type { ControlRecord, Store, Suspension } from './types.js';

export interface ControlKeeperLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ControlKeeperOptions {
  store: Store;
  clock: Clock;
  logger: ControlKeeperLogger;
  /** A file the copy is kept in (STS_STATE_FILE), so it also survives a restart of every instance. */
  stateFile?: string;
  /** Full refresh period (default 30 s); store events refresh sooner. */
  refreshMs?: number;
}

export interface ControlKeeper {
  start(): Promise<void>;
  /** A suspension known here that the store, in epoch `epochMs`, may not hold again yet. */
  pendingSuspension(agentId: string, epochMs: number): Suspension | null;
  /** Resolves once pending refreshes and file writes are done (shutdown, tests). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const EVENT_DEBOUNCE_MS = 100;

export function createControlKeeper(o: ControlKeeperOptions): ControlKeeper {
  const copy = new Map<string, ControlRecord>();
  let restoredEpoch: number | undefined;
  let work: Promise<unknown> = Promise.resolve();
  let debounce: NodeJS.Timeout | undefined;
  let closed = false;
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = work.then(fn, fn);
    work = run.catch(() => undefined);
    return run;
  };

  /** Merges records into the copy; true when anything changed. */
  const absorb = (records: readonly ControlRecord[]): boolean => {
    let changed = false;
    for (const r of records) {
      const held = copy.get(r.agentId);
      const merged = held ? mergeControl(held, r) : r;
      if (!held || compareVersions(merged.version, held.version) !== 0 || merged.revokedBeforeMs !== held.revokedBeforeMs) {
        copy.set(r.agentId, merged);
        changed = true;
      }
    }
    return changed;
  };
  const persist = async (): Promise<void> => {
    if (o.stateFile) await writeStateFile(o.stateFile, [...copy.values()]);
  };
  const refresh = () => serial(async () => {
    const epochMs = await o.store.epoch();
    if (restoredEpoch !== undefined && epochMs !== restoredEpoch) await restore(epochMs);
    if (absorb(await o.store.listControls())) await persist();
    restoredEpoch ??= epochMs;
  });
  /** Writes the copy back into a store that lost it; the store merges (newer records there win). */
  const restore = async (epochMs: number): Promise<void> => {
    const held = [...copy.values()].filter((r) => r.suspended !== null || r.revokedBeforeMs !== null);
    if (held.length > 0) await o.store.restoreControls(held);
    restoredEpoch = epochMs;
    o.logger.warn({ epochMs, restored: held.length }, 'the store lost its data: suspensions and revocations restored from this instance');
  };
  const failed = (what: string) => (error: unknown) => {
    if (!closed) o.logger.warn({ err: (error as Error).message }, `control records: ${what} failed; retried later`);
  };

  const unsubscribe = o.store.subscribe((event) => {
    if (event.type === 'epoch') {
      serial(() => restore(event.epochMs)).catch(failed('restore'));
    } else if (event.type === 'agent') {
      clearTimeout(debounce);
      debounce = setTimeout(() => void refresh().catch(failed('refresh')), EVENT_DEBOUNCE_MS);
      debounce.unref();
    }
  });
  const timer = setInterval(() => void refresh().catch(failed('refresh')), o.refreshMs ?? 30_000);
  timer.unref();

  return {
    async start() {
      if (o.stateFile) {
        const fromFile = await readStateFile(o.stateFile);
        absorb(fromFile);
        // Written back at once: a store that is down now gets them at the first refresh after it answers.
        const held = fromFile.filter((r) => r.suspended !== null || r.revokedBeforeMs !== null);
        if (held.length > 0) await o.store.restoreControls(held).catch(failed('restore from the state file'));
      }
      await refresh().catch(failed('first read'));
    },
    pendingSuspension(agentId, epochMs) {
      if (epochMs === restoredEpoch) return null;
      return copy.get(agentId)?.suspended ?? null;
    },
    settle: () => serial(async () => undefined),
    async close() {
      closed = true;
      clearInterval(timer);
      clearTimeout(debounce);
      unsubscribe();
      await work;
    },
  };
}
