/**
 * A Redis that may evict keys with a TTL would silently drop revocations and replay claims:
 * only `noeviction` is safe (every volatile-* and allkeys-* policy can evict them).
 */
import type { Cluster, Redis } from 'ioredis';

/** Thrown at start when Redis may evict keys and that was not explicitly allowed. */
export class EvictionPolicyError extends Error {
  override name = 'EvictionPolicyError';
}

export interface EvictionLogger {
  warn(obj: object, msg: string): void;
}

export async function checkEvictionPolicy(
  client: Redis | Cluster,
  options: { allowEviction?: boolean; logger?: EvictionLogger } = {},
): Promise<void> {
  const nodes: Redis[] = 'nodes' in client && typeof client.nodes === 'function'
    ? (client as Cluster).nodes('master')
    : [client as Redis];
  for (const node of nodes) {
    let policy: string | undefined;
    try {
      const reply = (await node.config('GET', 'maxmemory-policy')) as unknown as string[];
      policy = reply[1];
    } catch (err) {
      // Managed services often disable CONFIG: we cannot check, so say so.
      options.logger?.warn({ err: (err as Error).message },
        'cannot read Redis maxmemory-policy (CONFIG disabled?): make sure it is noeviction');
      continue;
    }
    if (policy === undefined || policy === 'noeviction') continue;
    if (options.allowEviction) {
      options.logger?.warn({ policy }, 'Redis maxmemory-policy can evict revocations and replay claims (allowed by configuration)');
      continue;
    }
    throw new EvictionPolicyError(`Redis maxmemory-policy is "${policy}", which can evict revocations and replay records: ` +
      'set it to noeviction, or allow it explicitly (STS_REDIS_ALLOW_EVICTION=true)');
  }
}
