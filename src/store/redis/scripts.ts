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

/** A fixed window (opened by its first request, lasting ARGV window ms): count, then ms left. */
const WINDOW = `
local function window(k, w, n)
  local c = redis.call('INCRBY', k, n)
  local ttl = redis.call('PTTL', k)
  if ttl < 0 then
    redis.call('PEXPIRE', k, w)
    ttl = tonumber(w)
  end
  return c, ttl
end
`;

/** Suspension version: the store epoch it is written in, then a per-agent sequence. */
const NEXT_VERSION = `
local function next_version(ctl, e)
  local v = redis.call('HMGET', ctl, 've', 'vs')
  local seq = 1
  if v[1] == e then seq = (tonumber(v[2]) or 0) + 1 end
  redis.call('HSET', ctl, 've', e, 'vs', seq)
end
`;

export const SCRIPTS = {
  // The one round trip of a mint. KEYS: epoch, control, address counter, agent counter, person
  // control, presented token's jti, then nAgents controls of the presented token's agents, then
  // the replay keys (variadic: numkeys is passed; absent optional keys are a never-written key).
  // ARGV: now, address window ms, address max, agent window ms, agent max ('' = not counted),
  // nAgents, then one replay ttl per replay key. Status: 1 claimed, 0 replayed (nothing claimed),
  // 2 the address is over its budget, 3 the agent is: then nothing is claimed, so a request
  // refused for its budget does not burn a single-use attestation, and a replay does not spend
  // the agent's budget.
  stsCheckMint: {
    lua: `${EPOCH}${WINDOW}
local e = epoch(KEYS[1], ARGV[1])
local n = tonumber(ARGV[6])
local first = 7 + n
local status = 1
local ac, at, gc, gt = -1, -1, -1, -1
if ARGV[2] ~= '' then
  ac, at = window(KEYS[3], ARGV[2], 1)
  if ac > tonumber(ARGV[3]) then status = 2 end
end
local replayed = -1
if status == 1 then
  for i = first, #KEYS do
    if replayed < 0 and redis.call('EXISTS', KEYS[i]) == 1 then
      status = 0
      replayed = i - first
    end
  end
end
if status == 1 and ARGV[4] ~= '' then
  gc, gt = window(KEYS[4], ARGV[4], 1)
  if gc > tonumber(ARGV[5]) then status = 3 end
end
if status == 1 then
  for i = first, #KEYS do redis.call('SET', KEYS[i], '1', 'PX', ARGV[i - n]) end
end
local c = redis.call('HMGET', KEYS[2], 'susp', 'rb')
local out = { status, c[1], c[2], e, ac, at, gc, gt, redis.call('HGET', KEYS[5], 'rb'), redis.call('EXISTS', KEYS[6]), replayed }
for i = 7, 6 + n do
  local a = redis.call('HMGET', KEYS[i], 'susp', 'rb')
  out[#out + 1] = a[1]
  out[#out + 1] = a[2]
end
return out`,
  },
  // Requests refused before the mint check, added to their addresses' windows in one batch.
  // KEYS: the counters. ARGV: window ms, then one count per key. Returns count, ms left per key.
  stsCountWindows: {
    lua: `${WINDOW}
local out = {}
for i = 1, #KEYS do
  local c, t = window(KEYS[i], ARGV[1], tonumber(ARGV[i + 1]))
  out[#out + 1] = c
  out[#out + 1] = t
end
return out`,
  },
  // KEYS: epoch, control, revoked jti, person control, then the other agents' controls. ARGV: now.
  stsCheckToken: {
    lua: `${EPOCH}
local c = redis.call('HMGET', KEYS[2], 'susp', 'rb')
local out = { redis.call('EXISTS', KEYS[3]), c[1], c[2], epoch(KEYS[1], ARGV[1]), redis.call('HGET', KEYS[4], 'rb') }
for i = 5, #KEYS do
  local a = redis.call('HMGET', KEYS[i], 'susp', 'rb')
  out[#out + 1] = a[1]
  out[#out + 1] = a[2]
end
return out`,
  },
  // KEYS: person control. ARGV: before ms. Revoked-before only moves forward.
  stsRevokePerson: {
    numberOfKeys: 1,
    lua: `local cur = tonumber(redis.call('HGET', KEYS[1], 'rb'))
if not cur or cur < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'rb', ARGV[1]) end
return 1`,
  },
  // KEYS: epoch. ARGV: now.
  stsEpoch: { numberOfKeys: 1, lua: `${EPOCH}\nreturn epoch(KEYS[1], ARGV[1])` },
  // KEYS: epoch, control, controlled agents. ARGV: now, agent id, suspension json ('' = resume).
  stsSetSuspension: {
    numberOfKeys: 3,
    lua: `${EPOCH}${NEXT_VERSION}
next_version(KEYS[2], epoch(KEYS[1], ARGV[1]))
if ARGV[3] == '' then redis.call('HDEL', KEYS[2], 'susp') else redis.call('HSET', KEYS[2], 'susp', ARGV[3]) end
redis.call('HSET', KEYS[2], 'id', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
return 1`,
  },
  // KEYS: control, controlled agents. ARGV: before ms, agent id. Revoked-before only moves forward.
  stsRevokeBefore: {
    numberOfKeys: 2,
    lua: `local cur = tonumber(redis.call('HGET', KEYS[1], 'rb'))
if not cur or cur < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'rb', ARGV[1]) end
redis.call('HSET', KEYS[1], 'id', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[2])
return 1`,
  },
  // KEYS: control keys. Returns id, susp, rb, version epoch, version seq per key.
  stsReadControls: {
    lua: `local out = {}
for i = 1, #KEYS do
  local c = redis.call('HMGET', KEYS[i], 'id', 'susp', 'rb', 've', 'vs')
  for j = 1, 5 do out[#out + 1] = c[j] end
end
return out`,
  },
  // Copies of control records written back (see control-merge.ts): the newer version's
  // suspension wins, revoke-before keeps the latest. KEYS: controlled agents, then the control
  // keys. ARGV: per key: agent id, suspension json ('' = none), version epoch, version seq, rb ('' = none).
  stsRestoreControls: {
    lua: `for i = 2, #KEYS do
  local a = (i - 2) * 5
  local id, susp, ve, vs, rb = ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]), ARGV[a + 5]
  local cur = redis.call('HMGET', KEYS[i], 've', 'vs', 'rb')
  local cve, cvs = tonumber(cur[1]), tonumber(cur[2])
  if ve and (not cve or ve > cve or (ve == cve and vs > cvs)) then
    if susp == '' then redis.call('HDEL', KEYS[i], 'susp') else redis.call('HSET', KEYS[i], 'susp', susp) end
    redis.call('HSET', KEYS[i], 've', ve, 'vs', vs)
  end
  if rb ~= '' and (not tonumber(cur[3]) or tonumber(cur[3]) < tonumber(rb)) then redis.call('HSET', KEYS[i], 'rb', rb) end
  redis.call('HSET', KEYS[i], 'id', id)
  redis.call('SADD', KEYS[1], id)
end
return #KEYS - 1`,
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

