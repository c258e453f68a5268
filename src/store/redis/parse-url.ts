/**
 * Which Redis deployment a URL names (pure):
 * - `redis://[user:pass@]host:port[/db]`, `rediss://...` (TLS): one server, passed to ioredis as is;
 * - `redis-sentinel://[user:pass@]host:port,host:port/mastername[?db=N]`: Sentinel; the
 *   credentials are the master's (sentinels themselves take options via `redis`);
 * - `redis-cluster://[user:pass@]host:port,host:port` (`rediss-cluster://` for TLS): Cluster
 *   seeded from these nodes.
 */
export interface RedisNode {
  host: string;
  port: number;
}

export type RedisTarget =
  | { mode: 'single'; url: string }
  | { mode: 'sentinel'; sentinels: RedisNode[]; name: string; username?: string; password?: string; db?: number; tls: boolean }
  | { mode: 'cluster'; nodes: RedisNode[]; username?: string; password?: string; tls: boolean };

function parseNodes(list: string, what: string): RedisNode[] {
  const nodes = list.split(',').filter(Boolean).map((hp) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hp);
    if (!m || !m[1]) throw new Error(`REDIS_URL: bad ${what} node "${hp}"`);
    return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2] ?? (what === 'sentinel' ? 26379 : 6379)) };
  });
  if (nodes.length === 0) throw new Error(`REDIS_URL: no ${what} nodes`);
  return nodes;
}

export function parseRedisUrl(url: string): RedisTarget {
  const m = /^([a-z-]+):\/\/(?:([^@/]*)@)?([^/?]*)(\/[^?]*)?(?:\?(.*))?$/.exec(url);
  if (!m || !m[1]) throw new Error('REDIS_URL: not a URL');
  const scheme = m[1];
  if (scheme === 'redis' || scheme === 'rediss') return { mode: 'single', url };
  const creds = m[2] ? m[2].split(':') : [];
  const username = creds[0] ? decodeURIComponent(creds[0]) : undefined;
  const password = creds[1] !== undefined ? decodeURIComponent(creds.slice(1).join(':')) : undefined;
  const auth = { ...(username ? { username } : {}), ...(password ? { password } : {}) };
  if (scheme === 'redis-sentinel' || scheme === 'rediss-sentinel') {
    const name = decodeURIComponent((m[4] ?? '').replace(/^\//, ''));
    if (!name) throw new Error('REDIS_URL: redis-sentinel:// needs the master name as its path');
    const db = new URLSearchParams(m[5] ?? '').get('db');
    return { mode: 'sentinel', sentinels: parseNodes(m[3] ?? '', 'sentinel'), name, ...auth,
      ...(db ? { db: Number(db) } : {}), tls: scheme === 'rediss-sentinel' };
  }
  if (scheme === 'redis-cluster' || scheme === 'rediss-cluster') {
    return { mode: 'cluster', nodes: parseNodes(m[3] ?? '', 'cluster'), ...auth, tls: scheme === 'rediss-cluster' };
  }
  throw new Error(`REDIS_URL: unsupported scheme "${scheme}:"`);
}
