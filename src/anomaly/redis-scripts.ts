/**
 * Lua for the Redis AnomalyState: each call is one atomic round trip. Every key of one agent
 * carries the hash tag `{agentId}`, so multi-key scripts run on one Redis Cluster slot.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/**
 * KEYS[1] current hour counter, KEYS[2..25] the 24 previous hours, KEYS[26] first-seen,
 * KEYS[27..] seen sets. ARGV: atMs, hour TTL, seen TTL, set cap, count, then one value per
 * seen set. Returns { current, previous[24], firstSeen, firstEver, novel indexes (1-based
 * over seen sets) }.
 */
export const RECORD_ISSUED = `
local cur = redis.call('INCRBY', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local prev = redis.call('MGET', unpack(KEYS, 2, 25))
local firstEver = redis.call('SET', KEYS[26], ARGV[1], 'NX')
local first = redis.call('GET', KEYS[26])
redis.call('PEXPIRE', KEYS[26], ARGV[3])
local novel = {}
for i = 27, #KEYS do
  local v = ARGV[i - 21]
  if redis.call('SISMEMBER', KEYS[i], v) == 0 and redis.call('SCARD', KEYS[i]) < tonumber(ARGV[4]) then
    redis.call('SADD', KEYS[i], v)
    novel[#novel + 1] = i - 26
  end
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
return { cur, prev, first, firstEver and 1 or 0, novel }
`;

/**
 * KEYS[1] the detections sorted set. ARGV: atMs, withinMs, unique member, cap.
 * Returns the detections in (atMs - withinMs, atMs].
 */
export const RECORD_DETECTION = `
local at = tonumber(ARGV[1])
local from = at - tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], at, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', from))
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%.0f', from), string.format('%.0f', at))
`;

const sha1 = (script: string) => createHash('sha1').update(script).digest('hex');

/** EVALSHA, falling back to EVAL once when the server does not have the script cached. */
export function scriptRunner(client: Redis | Cluster, script: string) {
  const sha = sha1(script);
  return async (keys: string[], args: Array<string | number>): Promise<unknown> => {
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return client.eval(script, keys.length, ...keys, ...args);
    }
  };
}
