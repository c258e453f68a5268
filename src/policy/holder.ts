/**
 * The policy in force and its reloads. A reload (SIGHUP, or a change of the file or of a
 * jwks_file it names, wherever it lives) loads and validates the new file; a policy with
 * errors is refused with its report and the old one stays in force.
 */
import type { FastifyBaseLogger } from 'fastify';
import { watchFiles } from './file-watch.js';
import { keyFilesOf } from './key-files.js';
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
    if (closed) return false;
    // The links and folders on the way to the files may have moved, whatever the outcome.
    files.sync();
    if (!compiled) {
      options.logger.error({ report: options.format(problems) }, 'policy reload refused: the new policy has errors; the previous policy stays in force');
      notify('onRefused', () => options.onRefused?.(problems));
      return false;
    }
    if (compiled.version === previous.version) return true;
    options.holder.replace(compiled);
    files.sync();
    options.logger.info({ version: compiled.version, previous: previous.version }, 'policy reloaded');
    notify('onReloaded', () => options.onReloaded?.(compiled, previous));
    return true;
  };
  // A reload stands whatever its observers do: one that throws is logged, never an unhandled rejection.
  const notify = (what: string, call: () => void): void => {
    try {
      call();
    } catch (error) {
      options.logger.error({ err: error, callback: what }, 'policy reload observer failed');
    }
  };
  // Reloads run one after another so an older file never overwrites a newer one.
  const reload = (): Promise<boolean> => (running = running.then(reloadOnce, reloadOnce));
  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), options.debounceMs ?? 200);
    timer.unref();
  };

  // The policy file and the JWKS files it names, wherever they live and however they are replaced.
  const files = watchFiles({
    files: () => [options.path, ...keyFilesOf(options.holder.current().policy)],
    onChange: schedule,
    logger: options.logger,
  });

  return {
    reload,
    close: () => {
      closed = true;
      clearTimeout(timer);
      files.close();
    },
  };
}
