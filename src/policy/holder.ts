/**
 * The policy in force and its reloads. A reload (SIGHUP, or a change of the file or of a
 * jwks_file it names) loads and validates the new file; a policy with errors is refused with
 * its report and the old one stays in force.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { keyFilesOf } from './key-files.js';
import type { CompiledPolicy, PolicyProblem } from './types.js';

interface MutablePolicyHolder {
  current(): CompiledPolicy;
  replace(next: CompiledPolicy): void;
}

export function createPolicyHolder(initial: CompiledPolicy): MutablePolicyHolder {
  let policy = initial;
  return {
    current: () => policy,
    replace: (next) => {
      policy = next;
    },
  };
}

interface PolicyReloaderOptions {
  path: string;
  holder: MutablePolicyHolder;
  load: () => Promise<{ compiled: CompiledPolicy | null; problems: PolicyProblem[] }>;
  format: (problems: PolicyProblem[]) => string;
  logger: FastifyBaseLogger;
  onReloaded?: (next: CompiledPolicy, previous: CompiledPolicy) => void;
  onRefused?: (problems: PolicyProblem[]) => void;
  debounceMs?: number;
}

interface PolicyReloader {
  reload(): Promise<boolean>;
  close(): void;
}

export function createPolicyReloader(options: PolicyReloaderOptions): PolicyReloader {
  const watchers = new Map<string, FSWatcher>();
  let watchedNames = new Map<string, Set<string>>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<boolean> = Promise.resolve(true);
  let closed = false;

  const reloadOnce = async (): Promise<boolean> => {
    if (closed) return false;
    const previous = options.holder.current();
    const { compiled, problems } = await options.load().catch((error: unknown) => ({
      compiled: null,
      problems: [{ severity: 'error' as const, path: options.path, message: (error as Error).message }],
    }));
    if (!compiled) {
      options.logger.error({ report: options.format(problems) }, 'policy reload refused: the new policy has errors; the previous policy stays in force');
      options.onRefused?.(problems);
      return false;
    }
    if (compiled.version === previous.version || closed) return true;
    options.holder.replace(compiled);
    syncWatchers();
    options.logger.info({ version: compiled.version, previous: previous.version }, 'policy reloaded');
    options.onReloaded?.(compiled, previous);
    return true;
  };
  // Reloads run one after another so an older file never overwrites a newer one.
  const reload = (): Promise<boolean> => (running = running.then(reloadOnce, reloadOnce));
  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), options.debounceMs ?? 200);
    timer.unref();
  };

  /**
   * Watch the folders of the policy file and of the JWKS files it names: editors and
   * ConfigMap updates replace a file (ConfigMaps through a `..data` link) rather than write it.
   */
  function syncWatchers(): void {
    if (closed) return;
    watchedNames = new Map();
    for (const file of [options.path, ...keyFilesOf(options.holder.current().policy)]) {
      const names = watchedNames.get(dirname(file)) ?? new Set<string>();
      names.add(basename(file));
      watchedNames.set(dirname(file), names);
    }
    for (const [dir, watcher] of watchers) {
      if (watchedNames.has(dir)) continue;
      watcher.close();
      watchers.delete(dir);
    }
    for (const dir of watchedNames.keys()) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, (_event, name) => {
          const changed = name?.toString();
          if (changed && !watchedNames.get(dir)?.has(changed) && !changed.startsWith('..')) return;
          schedule();
        });
        watcher.on('error', (error) => {
          options.logger.warn({ err: error, dir }, 'stopped watching a policy folder; reload with SIGHUP');
          watcher.close();
          watchers.delete(dir);
        });
        watcher.unref();
        watchers.set(dir, watcher);
      } catch (error) {
        options.logger.warn({ err: error, dir }, 'cannot watch a policy folder; reload with SIGHUP');
      }
    }
  }
  syncWatchers();

  return {
    reload,
    close: () => {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
