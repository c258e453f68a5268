/**
 * Lua scripts: each is one atomic round trip. All keys of one script share a hash tag
 * (see keys.ts), so they run unchanged on Redis Cluster. numberOfKeys is fixed per script.
 */
const EPOCH = `
local function epoch(k, now)
  local e = redis.call('GET', k)
  if not e then
    redis.call('SET', k, now, 'NX')
    e = redis.call('GET', k)
  end
  return e
end
`;

export const SCRIPTS = {
  // KEYS: epoch, control, replay. ARGV: now, replay ttl ms ('' = no replay claim).
  stsCheckMint: {
    numberOfKeys: 3,
    lua: `${EPOCH}
local claimed = 1
if ARGV[2] ~= '' then
  if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[2]) then claimed = 0 end
end
local c = redis.call('HMGET', KEYS[2], 'susp', 'rb')
return { claimed, c[1], c[2], epoch(KEYS[1], ARGV[1]) }`,
  },
  // KEYS: epoch, control, revoked jti. ARGV: now.
  stsCheckToken: {
    numberOfKeys: 3,
    lua: `${EPOCH}
local c = redis.call('HMGET', KEYS[2], 'susp', 'rb')
return { redis.call('EXISTS', KEYS[3]), c[1], c[2], epoch(KEYS[1], ARGV[1]) }`,
  },
  // KEYS: epoch. ARGV: now.
  stsEpoch: { numberOfKeys: 1, lua: `${EPOCH}\nreturn epoch(KEYS[1], ARGV[1])` },
  // KEYS: control. ARGV: before ms. Revoked-before only moves forward.
  stsRevokeBefore: {
    numberOfKeys: 1,
    lua: `local cur = tonumber(redis.call('HGET', KEYS[1], 'rb'))
if not cur or cur < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'rb', ARGV[1]) end
return 1`,
  },
  // KEYS: key ring. ARGV: expected version, blob. Returns the new version or 0.
  stsPutKeyRing: {
    numberOfKeys: 1,
    lua: `local v = tonumber(redis.call('HGET', KEYS[1], 'version')) or 0
if v ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', v + 1, 'blob', ARGV[2])
return v + 1`,
  },
  // KEYS: lease. ARGV: token, ttl ms.
  stsRenewLease: {
    numberOfKeys: 1,
    lua: `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])`,
  },
  // KEYS: lease. ARGV: token.
  stsReleaseLease: {
    numberOfKeys: 1,
    lua: `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`,
  },
  // KEYS: data hash, seen zset. ARGV: id, record json, at ms, max. Drops the least recently seen.
  stsShadow: {
    numberOfKeys: 2,
    lua: `local id = ARGV[1]
redis.call('HSET', KEYS[1], id, ARGV[2])
local first = tonumber(redis.call('HGET', KEYS[1], id .. ':first'))
if not first or first > tonumber(ARGV[3]) then redis.call('HSET', KEYS[1], id .. ':first', ARGV[3]) end
redis.call('HINCRBY', KEYS[1], id .. ':n', 1)
redis.call('ZADD', KEYS[2], 'GT', ARGV[3], id)
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if extra > 0 then
  local dropped = redis.call('ZPOPMIN', KEYS[2], extra)
  for i = 1, #dropped, 2 do
    local d = dropped[i]
    redis.call('HDEL', KEYS[1], d, d .. ':first', d .. ':n')
  end
end
return 1`,
  },
  // One agent's activity over one flush (write-behind batch).
  // KEYS: last seen, issued hour counter, denied hour counter, denials list.
  // ARGV: last at ms, counter ttl ms, issued count, denied count, max denials, last-seen ttl ms,
  // then the denial records, oldest first.
  stsActivity: {
    numberOfKeys: 4,
    lua: `local last = tonumber(redis.call('GET', KEYS[1]))
if not last or last < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[6]) end
local counts = { [2] = tonumber(ARGV[3]), [3] = tonumber(ARGV[4]) }
for i = 2, 3 do
  if counts[i] > 0 then
    redis.call('INCRBY', KEYS[i], counts[i])
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  end
end
if #ARGV > 6 then
  for i = 7, #ARGV do redis.call('LPUSH', KEYS[4], ARGV[i]) end
  redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[5]) - 1)
  redis.call('PEXPIRE', KEYS[4], ARGV[2])
end
return 1`,
  },
  // The audit copy of one flush. KEYS: the stream. ARGV: approximate cap, then the records.
  stsAuditBatch: {
    numberOfKeys: 1,
    lua: `for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'r', ARGV[i])
end
return #ARGV - 1`,
  },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

