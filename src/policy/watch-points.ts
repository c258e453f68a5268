/**
 * Where to look for a change of what a path leads to. Watching only the file's folder by its
 * name misses the changes made on the way to it: Kubernetes ConfigMap and Secret volumes
 * publish an update by renaming a `..data` link in the mount (and a key projected into a
 * subfolder is reached through a link to `..data/<folder>`), a deployment may re-point a
 * `current` link to a new folder, and a folder may be replaced or not exist yet.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** A real folder (no link on its path) and one name in it whose change may change the file. */
export interface WatchPoint {
  dir: string;
  name: string;
}

/** The kernel gives up after 40 links (ELOOP); so do we. */
const MAX_LINKS = 40;

/**
 * Resolves `path` as the kernel does and returns, in order: each symbolic link on the way
 * (its real folder and name), then the file's name in its real folder; or, where a component
 * is missing, that name in the nearest existing folder (it may be created there).
 */
export function watchPointsOf(path: string): WatchPoint[] {
  const points: WatchPoint[] = [];
  let dir = '/';
  let rest = components(resolve(path));
  let links = 0;
  while (rest.length > 0) {
    const [name, ...after] = rest as [string, ...string[]];
    rest = after;
    if (name === '.') continue;
    if (name === '..') {
      dir = join(dir, '..');
      continue;
    }
    const here = join(dir, name);
    const kind = kindOf(here);
    if (kind === 'missing' || (kind === 'other' && rest.length === 0)) {
      points.push({ dir, name });
      return points;
    }
    if (kind === 'link') {
      points.push({ dir, name });
      if (++links > MAX_LINKS) return points;
      const target = readlinkSync(here);
      if (isAbsolute(target)) dir = '/';
      rest = [...components(target), ...rest];
      continue;
    }
    dir = here;
  }
  return points;
}

function components(path: string): string[] {
  return path.split('/').filter((part) => part.length > 0);
}

function kindOf(path: string): 'missing' | 'link' | 'other' {
  try {
    return lstatSync(path).isSymbolicLink() ? 'link' : 'other';
  } catch {
    return 'missing';
  }
}
