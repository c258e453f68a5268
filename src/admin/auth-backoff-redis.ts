/**
 * The operator authentication backoff in Redis, shared by every instance: one hash per
 * client address (`sts:auth-backoff:<address>`: failures, refused_until), on Redis time so
 * instances with drifting clocks agree. The refusal rule stays in auth-backoff.ts: the script
 * is handed its table. A Redis failure is StoreUnavailableError (the caller answers 503).
 */
import type { Cluster, Redis } from 'ioredis';
import { StoreUnavailableError } from '../errors.js';
import { OPERATOR_AUTH_BACKOFF, refusalTable, type AuthBackoff, type BackoffSchedule } from './auth-backoff.js';

const NOW_MS = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
`;

/**
 * ARGV[1]: the window; ARGV[2..]: the refusal after the 1st, 2nd... failure (the last one
 * repeats). Returns { refused for (ms), 1 if the address was refused before this failure }.
 * A failure that comes in while the address is refused is not counted, as an attempt refused
 * unchecked is not: a burst escalates no faster than the same guesses sent one by one.
 */
const RECORD_FAILURE = `${NOW_MS}
local refusedBefore = tonumber(redis.call('HGET', KEYS[1], 'refused_until') or '0')
if refusedBefore > nowMs then return { refusedBefore - nowMs, 1 } end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local refusal = tonumber(ARGV[math.min(failures, #ARGV - 1) + 1])
if refusal > 0 then redis.call('HSET', KEYS[1], 'refused_until', nowMs + refusal) end
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[1]), refusal))
return { refusal, 0 }
`;

const REFUSED_FOR = `${NOW_MS}
local refusedUntil = tonumber(redis.call('HGET', KEYS[1], 'refused_until') or '0')
return math.max(0, refusedUntil - nowMs)
`;

type BackoffClient = (Redis | Cluster) & {
  stsAuthBackoffFailure?: (key: string, ...args: number[]) => Promise<[number, number]>;
  stsAuthBackoffRefusal?: (key: string) => Promise<number>;
};

export function createRedisAuthBackoff(redis: Redis | Cluster, schedule: BackoffSchedule = OPERATOR_AUTH_BACKOFF): AuthBackoff {
  const client = redis as BackoffClient;
  if (!client.stsAuthBackoffFailure) client.defineCommand('stsAuthBackoffFailure', { numberOfKeys: 1, lua: RECORD_FAILURE });
  if (!client.stsAuthBackoffRefusal) client.defineCommand('stsAuthBackoffRefusal', { numberOfKeys: 1, lua: REFUSED_FOR });
  const table = refusalTable(schedule);
  const key = (address: string) => `sts:auth-backoff:${address}`;
  const call = async <T>(what: string, run: () => Promise<T> | undefined): Promise<T> => {
    try {
      return (await run()) as T;
    } catch (error) {
      throw new StoreUnavailableError(`auth backoff: ${what} failed: ${(error as Error).message}`, { cause: error });
    }
  };
  return {
    refusedForMs: (address) => call('read', () => client.stsAuthBackoffRefusal?.call(client, key(address))),
    recordFailure: async (address) => {
      const [refusalMs, refusedBefore] = await call('record', () => client.stsAuthBackoffFailure?.call(client, key(address), schedule.windowMs, ...table));
      return { refusalMs, alreadyRefused: refusedBefore === 1 };
    },
  };
}
