/**
 * Watches the policy file and the JWKS files it names wherever they live, through the links
 * that lead to them (see watch-points.ts). One watcher per real folder, for the names that
 * matter there. `sync` re-resolves every path and moves the watchers: after a link swap the
 * file lives in another folder, and a folder replaced under the same name is a new folder
 * (the old watcher would hear nothing more). A folder that cannot be watched is logged.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import { watchPointsOf } from './watch-points.js';

export interface FileWatchOptions {
  files: () => string[];
  /** Something the files depend on may have changed: reload, then call `sync`. */
  onChange: () => void;
  logger: Pick<FastifyBaseLogger, 'warn'>;
}

export interface FileWatch {
  sync(): void;
  close(): void;
}

interface FolderWatch {
  watcher: FSWatcher;
  /** The folder's identity when the watch began: another folder under the same path is not this one. */
  identity: string | null;
}

export function watchFiles(options: FileWatchOptions): FileWatch {
  const folders = new Map<string, FolderWatch>();
  let names = new Map<string, Set<string>>();
  let closed = false;

  const stop = (dir: string): void => {
    folders.get(dir)?.watcher.close();
    folders.delete(dir);
  };

  const start = (dir: string): void => {
    try {
      const watcher = watch(dir, (_event, changed) => {
        const name = changed?.toString();
        // A name we follow, or the folder itself replaced or gone (reported under another name).
        if (name === undefined || names.get(dir)?.has(name) || identityOf(dir) !== folders.get(dir)?.identity) options.onChange();
      });
      watcher.on('error', (error) => {
        options.logger.warn({ err: error, dir }, 'stopped watching a policy folder; it is watched again at the next change or SIGHUP');
        stop(dir);
        options.onChange();
      });
      watcher.unref();
      folders.set(dir, { watcher, identity: identityOf(dir) });
    } catch (error) {
      options.logger.warn({ err: error, dir }, 'cannot watch a policy folder; reload with SIGHUP');
    }
  };

  const sync = (): void => {
    if (closed) return;
    names = new Map();
    for (const file of options.files()) {
      for (const { dir, name } of watchPointsOf(file)) {
        const set = names.get(dir) ?? new Set<string>();
        set.add(name);
        names.set(dir, set);
      }
    }
    for (const [dir, folder] of folders) {
      if (!names.has(dir) || identityOf(dir) !== folder.identity) stop(dir);
    }
    for (const dir of names.keys()) if (!folders.has(dir)) start(dir);
  };

  sync();
  return {
    sync,
    close: () => {
      closed = true;
      for (const dir of [...folders.keys()]) stop(dir);
    },
  };
}

function identityOf(dir: string): string | null {
  try {
    const stat = statSync(dir);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return null;
  }
}
