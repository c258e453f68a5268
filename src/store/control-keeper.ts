/**
 * Keeps suspensions beyond the store. Every instance holds a copy of every agent's control
 * record (refreshed on each store event and periodically) and, when configured, writes it to
 * a state file. When the store loses its data (a Redis restarted empty shows a new epoch), the
 * copy is written back, so a suspended agent stays suspended; until that is done, a mint
 * consults the copy. A resumption made after the loss wins over the copy (control-merge.ts).
 * Agents never suspended are untouched: nobody is locked out by the loss.
 *
 * Everything else writes control records through `durableStore`: a suspension, resumption or
 * revocation resolves only once this copy and the state file hold it, so an acknowledged
 * change is never one a crash or a store loss in the next moment could take back.
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

/**
 * The store holds the control change (it is in force on every instance) but this instance
 * could not keep it: reading it back into the copy or writing the state file failed. Retried at
 * the next refresh; until then the change is lost if the store loses its data.
 */
export class ControlNotDurableError extends Error {
  constructor(readonly agentId: string, options: { cause: unknown }) {
    super(`the control change of ${agentId} is stored but not kept: ${(options.cause as Error).message}`, options);
    this.name = 'ControlNotDurableError';
  }
}

export interface ControlKeeper {
  /** Reads the state file, writes what it holds back into the store; fails when the file cannot be written. */
  start(): Promise<void>;
  /**
   * The store for everyone but the keeper: its control writes (suspendAgent, resumeAgent,
   * revokeAgentTokens) resolve once the copy and, when configured, the state file (fsynced)
   * hold them, and reject with ControlNotDurableError when the store took the change but they
   * could not. Everything else is the store's own.
   */
  readonly durableStore: Store;
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
  /** The last state file write failed: the next refresh writes it even when nothing changed. */
  let unsaved = false;
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
    if (!o.stateFile) return;
    unsaved = true;
    await writeStateFile(o.stateFile, [...copy.values()]);
    unsaved = false;
  };
  const refresh = () => serial(async () => {
    const epochMs = await o.store.epoch();
    if (restoredEpoch !== undefined && epochMs !== restoredEpoch) await restore(epochMs);
    if (absorb(await o.store.listControls()) || unsaved) await persist();
    restoredEpoch ??= epochMs;
  });
  /**
   * After a control write: the whole refresh, queued behind the keeper's other work, reads the
   * store after the write landed, so once it resolves the copy and the file hold the change.
   */
  const keep = async (agentId: string): Promise<void> => {
    try {
      await refresh();
    } catch (error) {
      o.logger.error({ err: (error as Error).message, agent: agentId }, 'a control change is stored but not kept by this instance (copy or state file); retried at the next refresh');
      throw new ControlNotDurableError(agentId, { cause: error });
    }
  };
  // The store's other methods by delegation (the prototype), so what it carries beyond Store
  // (the Redis connection the rate limiters and Shared Signals share) stays reachable.
  const durableStore = Object.assign(Object.create(o.store) as Store, {
    async suspendAgent(agentId: string, suspension: Suspension) {
      await o.store.suspendAgent(agentId, suspension);
      await keep(agentId);
    },
    async resumeAgent(agentId: string) {
      await o.store.resumeAgent(agentId);
      await keep(agentId);
    },
    async revokeAgentTokens(agentId: string, beforeMs: number) {
      await o.store.revokeAgentTokens(agentId, beforeMs);
      await keep(agentId);
    },
  } satisfies Partial<Store>);
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
    durableStore,
    async start() {
      if (o.stateFile) {
        const fromFile = await readStateFile(o.stateFile);
        absorb(fromFile);
        // Written back at once: a store that is down now gets them at the first refresh after it answers.
        const held = fromFile.filter((r) => r.suspended !== null || r.revokedBeforeMs !== null);
        if (held.length > 0) await o.store.restoreControls(held).catch(failed('restore from the state file'));
      }
      await refresh().catch(failed('first read'));
      // A state file that cannot be written stops the start, naming the setting, rather than
      // failing every suspension later while the instance reports ready.
      await serial(persist).catch((error: unknown) => {
        throw new Error(`STS_STATE_FILE: cannot write ${o.stateFile}: ${(error as Error).message}`, { cause: error });
      });
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
