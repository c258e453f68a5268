/**
 * The Redis store: every instance of the broker reads and writes the same state. Every call
 * is bounded (command timeout plus a hard deadline) and any failure rejects with
 * StoreUnavailableError, so callers fail closed. Events go out by PUBLISH as hints; reads
 * always go to Redis, so correctness never depends on pub/sub.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Clock } from '../../clock.js';
import { StoreUnavailableError } from '../../errors.js';
import { boundedCall } from './bounded-call.js';
import type { Store, StoreEvent } from '../types.js';
import { connectRedis, waitReady, type RedisConnectOptions } from './connect.js';
import { checkEvictionPolicy, EvictionPolicyError } from './eviction.js';
import { redisKeys } from './keys.js';
import { createEvents, type StoreLogger } from './events.js';
import { asArray, num, parseControl, str } from './replies.js';
import { createRecords } from './records.js';
import type { ScriptName } from './scripts.js';

export interface RedisStoreOptions extends Omit<RedisConnectOptions, 'commandTimeoutMs' | 'connectTimeoutMs'> {
  keyPrefix?: string;
  clock: Clock;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Start even when maxmemory-policy can evict keys (not recommended). */
  allowEviction?: boolean;
  logger?: StoreLogger;
}

export interface RedisStore extends Store {
  readonly kind: 'redis';
  /** The raw client, e.g. for @fastify/rate-limit's Redis store. */
  readonly redis: Redis | Cluster;
}

type Scripted = { [K in ScriptName]: (...args: Array<string | number>) => Promise<unknown> };

export async function createRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  const { clock, logger } = options;
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 1000;
  const deadlineMs = Math.min(commandTimeoutMs + 500, 2000);
  const k = redisKeys(options.keyPrefix ?? 'sts:');
  const client = connectRedis({ ...options, commandTimeoutMs, connectTimeoutMs });
  const run = client as unknown as Scripted;
  // One warning per outage, not one per reconnect attempt.
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) logger?.warn({ err: err.message }, 'redis unreachable: the store fails closed until it is back');
    down = true;
  });

  const call = boundedCall(deadlineMs);

  try {
    await waitReady(client, connectTimeoutMs * 3);
    await checkEvictionPolicy(client, { allowEviction: options.allowEviction ?? false, ...(logger ? { logger } : {}) });
  } catch (err) {
    client.disconnect();
    if (err instanceof EvictionPolicyError) throw err;
    throw new StoreUnavailableError('redis store: cannot connect', { cause: err });
  }

  const events = createEvents({ client, channel: k.channel, logger, readyTimeoutMs: connectTimeoutMs * 3 });
  let knownEpoch: number | undefined;
  const observeEpoch = (raw: unknown): number => {
    const e = num(raw);
    if (e === null) throw new Error('no epoch');
    if (knownEpoch !== undefined && knownEpoch !== e) {
      logger?.error({ previousEpochMs: knownEpoch, epochMs: e }, 'redis state was lost (epoch changed): older tokens and attestations are refused');
      events.publish({ type: 'epoch', epochMs: e });
    }
    knownEpoch = e;
    return e;
  };
  events.onRemote((event) => {
    if (event.type === 'epoch') {
      if (event.epochMs === knownEpoch) return false;
      knownEpoch = event.epochMs;
    }
    return true;
  });
  const readEpoch = () => call('epoch', async () => observeEpoch(await run.stsEpoch(k.epoch, clock())));
  try {
    await readEpoch();
    await events.start();
  } catch (err) {
    await events.stop();
    client.disconnect();
    throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError('redis store: cannot subscribe', { cause: err });
  }
  // After a reconnect, look at the epoch at once: a restarted, empty Redis is noticed even when idle.
  client.on('ready', () => {
    if (down) logger?.warn({}, 'redis reachable again');
    down = false;
    readEpoch().catch(() => {});
  });

  const write = async (what: string, event: StoreEvent, fn: () => Promise<unknown>) => {
    await call(what, fn);
    events.publish(event);
  };
  const records = createRecords({ client, keys: k, call });

  const store: RedisStore = {
    kind: 'redis',
    redis: client,
    async checkMint(input) {
      return call('checkMint', async () => {
        const r = asArray(await run.stsCheckMint(k.epoch, k.control(input.agentId),
          input.replay ? k.replay(input.replay.key) : k.replay(''), clock(),
          input.replay ? Math.max(1, Math.ceil(input.replay.ttlMs)) : ''));
        return { claimed: num(r[0]) === 1, control: parseControl(r[1], r[2]), epochMs: observeEpoch(r[3]) };
      });
    },
    async claimOnce(key, ttlMs) {
      return call('claimOnce', async () =>
        (await client.set(k.replay(key), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK');
    },
    async getAgentControl(agentId) {
      return call('getAgentControl', async () => {
        const [susp, rb] = await client.hmget(k.control(agentId), 'susp', 'rb');
        return parseControl(susp, rb);
      });
    },
    suspendAgent: (agentId, s) => write('suspendAgent', { type: 'agent', agentId }, () =>
      client.hset(k.control(agentId), 'susp', JSON.stringify({ atMs: s.atMs, by: s.by, reason: s.reason }))),
    resumeAgent: (agentId) => write('resumeAgent', { type: 'agent', agentId }, () =>
      client.hdel(k.control(agentId), 'susp')),
    revokeAgentTokens: (agentId, beforeMs) => write('revokeAgentTokens', { type: 'agent', agentId }, () =>
      run.stsRevokeBefore(k.control(agentId), Math.floor(beforeMs))),
    revokeToken: (jti, expiresAtMs) => write('revokeToken', { type: 'token-revoked', jti }, async () => {
      const ttl = Math.ceil(expiresAtMs - clock());
      if (ttl > 0) await client.set(k.revokedToken(jti), '1', 'PX', ttl);
    }),
    async isTokenRevoked(jti) {
      return call('isTokenRevoked', async () => (await client.exists(k.revokedToken(jti))) === 1);
    },
    async checkToken(jti, agentId) {
      return call('checkToken', async () => {
        const r = asArray(await run.stsCheckToken(k.epoch, k.control(agentId), k.revokedToken(jti), clock()));
        return { revoked: num(r[0]) === 1, control: parseControl(r[1], r[2]), epochMs: observeEpoch(r[3]) };
      });
    },
    epoch: readEpoch,
    async getKeyRing() {
      return call('getKeyRing', async () => {
        const [v, blob] = await client.hmget(k.keyRing, 'version', 'blob');
        const version = num(v);
        const b = str(blob);
        return version === null || b === null ? null : { version, blob: b };
      });
    },
    async putKeyRing(blob, expectedVersion) {
      const v = num(await call('putKeyRing', () => run.stsPutKeyRing(k.keyRing, expectedVersion, blob)));
      if (!v) return false;
      events.publish({ type: 'keyring', version: v });
      return true;
    },
    async acquireLease(name, ttlMs) {
      const token = randomBytes(16).toString('hex');
      const ok = await call('acquireLease', () => client.set(k.lease(name), token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
      return ok === 'OK' ? { name, token } : null;
    },
    async renewLease(lease, ttlMs) {
      return num(await call('renewLease', () => run.stsRenewLease(k.lease(lease.name), lease.token, Math.max(1, Math.ceil(ttlMs))))) === 1;
    },
    async releaseLease(lease) {
      await call('releaseLease', () => run.stsReleaseLease(k.lease(lease.name), lease.token));
    },
    recordShadow: records.recordShadow,
    listShadows: records.listShadows,
    appendAudit: records.appendAudit,
    readAudit: records.readAudit,
    recordActivity: records.recordActivity,
    getActivity: records.getActivity,
    subscribe: (listener) => events.subscribe(listener),
    async ping() {
      await call('ping', () => client.ping());
    },
    async close() {
      await records.flushWrites().catch(() => {}); // best effort: the store may be down
      await events.stop();
      client.disconnect();
    },
  };
  return store;
}
