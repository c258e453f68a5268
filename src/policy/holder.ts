/**
 * The policy in force and its reloads. A reload (SIGHUP or a change of the file) loads and
 * validates the new file; a policy with errors is refused with its report and the old one
 * stays in force.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { CompiledPolicy, PolicyProblem } from './types.js';

export interface MutablePolicyHolder {
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

export interface PolicyReloaderOptions {
  path: string;
  holder: MutablePolicyHolder;
  load: () => Promise<{ compiled: CompiledPolicy | null; problems: PolicyProblem[] }>;
  format: (problems: PolicyProblem[]) => string;
  logger: FastifyBaseLogger;
  onReloaded?: (next: CompiledPolicy, previous: CompiledPolicy) => void;
  onRefused?: (problems: PolicyProblem[]) => void;
  debounceMs?: number;
}

export interface PolicyReloader {
  reload(): Promise<boolean>;
  close(): void;
}

export function createPolicyReloader(options: PolicyReloaderOptions): PolicyReloader {
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<boolean> = Promise.resolve(true);

  const reloadOnce = async (): Promise<boolean> => {
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
    if (compiled.version === previous.version) return true;
    options.holder.replace(compiled);
    options.logger.info({ version: compiled.version, previous: previous.version }, 'policy reloaded');
    options.onReloaded?.(compiled, previous);
    return true;
  };
  // Reloads run one after another so an older file never overwrites a newer one.
  const reload = (): Promise<boolean> => (running = running.then(reloadOnce, reloadOnce));

  try {
    // Watch the folder: editors and ConfigMap updates replace the file rather than write it.
    watcher = watch(dirname(options.path), (_event, name) => {
      if (name && name.toString() !== basename(options.path) && !name.toString().startsWith('..')) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), options.debounceMs ?? 200);
      timer.unref();
    });
    watcher.unref();
  } catch (error) {
    options.logger.warn({ err: error }, 'cannot watch the policy file; reload with SIGHUP');
  }

  return {
    reload,
    close: () => {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
