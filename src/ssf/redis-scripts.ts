/**
 * Lua for the Redis SsfState: each call is one atomic step. The stream registry's keys share
 * the hash tag `{streams}` and one stream's backlog keys the tag `{q:<stream id>}`, so every
 * multi-key script runs on one Redis Cluster slot.
 */
import type { Cluster, Redis } from 'ioredis';

/** KEYS: registry hash, receiver set. ARGV: id, record, per-receiver limit, total limit. */
const CREATE = `
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then return 'total_limit' end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 'receiver_limit' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return 'created'
`;

/** KEYS: registry hash. ARGV: id, record. */
const SAVE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/** KEYS: registry hash. ARGV: id, the record as read, its replacement (only if unchanged since). */
const REPLACE = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

/** KEYS: registry hash, receiver set, last-seen hash. ARGV: id. */
const REMOVE = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
`;

/**
 * KEYS: sequence, events (sorted by sequence), records (jti -> record), gap hash.
 * ARGV: jti, record, atMs, max backlog, key TTL, stream id. Returns { appended, dropped }.
 * A full backlog drops its oldest events; the gap counts them and takes a new jti, so a
 * receiver that acknowledged an earlier gap still learns of the later drops.
 */
const APPEND = `
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return {0, 0} end
local dropped = 0
local size = redis.call('ZCARD', KEYS[2])
local max = tonumber(ARGV[4])
if size >= max then
  dropped = size - max + 1
  local oldest = redis.call('ZPOPMIN', KEYS[2], dropped)
  for i = 1, #oldest, 2 do redis.call('HDEL', KEYS[3], oldest[i]) end
  local gapSeq = redis.call('INCR', KEYS[1])
  redis.call('HINCRBY', KEYS[4], 'dropped', dropped)
  redis.call('HSET', KEYS[4], 'last', ARGV[3], 'jti', ARGV[6] .. '.gap.' .. gapSeq)
end
local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ARGV[5]) end
return {1, dropped}
`;

/** KEYS: events, records, gap. ARGV: max. Returns { {gap jti, dropped, last}, jtis, records }. */
const PENDING = `
local gap = redis.call('HMGET', KEYS[3], 'jti', 'dropped', 'last')
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
local records = {}
if #ids > 0 then records = redis.call('HMGET', KEYS[2], unpack(ids)) end
return { gap, ids, records }
`;

/** KEYS: events, records, gap. ARGV: jtis. Returns how many were removed. */
const ACK = `
local removed = 0
local gapJti = redis.call('HGET', KEYS[3], 'jti')
for _, jti in ipairs(ARGV) do
  if gapJti and jti == gapJti then
    redis.call('DEL', KEYS[3])
    gapJti = false
    removed = removed + 1
  elseif redis.call('ZREM', KEYS[1], jti) == 1 then
    redis.call('HDEL', KEYS[2], jti)
    removed = removed + 1
  end
end
return removed
`;

/** KEYS: lease. ARGV: owner, ttl. Takes a free lease or extends our own. */
const LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** KEYS: lease. ARGV: owner. Releases only our own. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/**
 * KEYS: recent events (sorted by time), lost hash. ARGV: record, atMs, oldest kept (ms), max entries.
 * Drops what is too old; past the bound, the oldest, counting them and keeping the newest instant dropped.
 */
const REMEMBER = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if excess > 0 then
  local dropped = redis.call('ZPOPMIN', KEYS[1], excess)
  local newest = tonumber(dropped[#dropped])
  local lost = tonumber(redis.call('HGET', KEYS[2], 'until') or '0')
  if newest > lost then redis.call('HSET', KEYS[2], 'until', tostring(newest)) end
  redis.call('HINCRBY', KEYS[2], 'count', excess)
end
return 1
`;

const SSF_SCRIPTS = { CREATE, SAVE, REPLACE, REMOVE, APPEND, PENDING, ACK, LEASE, RELEASE, REMEMBER } as const;
export type SsfScript = keyof typeof SSF_SCRIPTS;

type Runner = (keys: string[], args: Array<string | number>) => Promise<unknown>;

/** Defines every script once on the client (ioredis sends EVALSHA and falls back to EVAL). */
export function ssfScripts(client: Redis | Cluster): Record<SsfScript, Runner> {
  const commands = client as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>;
  const runners = {} as Record<SsfScript, Runner>;
  for (const [name, lua] of Object.entries(SSF_SCRIPTS) as Array<[SsfScript, string]>) {
    const command = `stsSsf${name[0]}${name.slice(1).toLowerCase()}`;
    runners[name] = (keys, args) => {
      if (!commands[command]) client.defineCommand(command, { lua });
      // With numberOfKeys undefined, ioredis takes the key count as the first argument.
      return (commands[command] as (...a: Array<string | number>) => Promise<unknown>).call(client, keys.length, ...keys, ...args);
    };
  }
  return runners;
}
