/**
 * A store for @fastify/rate-limit on Redis, so every instance shares one count per client.
 * The library's own Redis store names a route's keys from the route it was registered for
 * (`…undefinedundefined…` when there is none); here a key is the plugin's prefix and the
 * limiter's key only, e.g. `sts:rl:admin:addr:10.0.0.7`. A Redis failure is
 * StoreUnavailableError, so the caller is refused with 503 (fail closed). The client's own
 * command timeout bounds each call (the store's client sets one).
 */
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Cluster, Redis } from 'ioredis';
import { StoreUnavailableError } from '../errors.js';

/** One fixed window per key: the first hit sets its lifetime. */
const COUNT_IN_WINDOW = `
local current = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}
`;

type CountingClient = (Redis | Cluster) & {
  stsCountInWindow?: (key: string, windowMs: number) => Promise<[number, number]>;
};

export function redisWindowCounter(redis: Redis | Cluster, prefix: string): FastifyRateLimitStoreCtor {
  const client = redis as CountingClient;
  if (!client.stsCountInWindow) client.defineCommand('stsCountInWindow', { numberOfKeys: 1, lua: COUNT_IN_WINDOW });
  const count = client.stsCountInWindow as NonNullable<CountingClient['stsCountInWindow']>;

  return class RedisWindowCounter implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      count.call(client, `${prefix}${key}`, timeWindow).then(
        ([current, ttl]) => callback(null, { current, ttl }),
        (error: unknown) => callback(new StoreUnavailableError(`rate-limit store failed: ${(error as Error).message}`, { cause: error })),
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  };
}
