/**
 * The Redis store: every instance of the broker reads and writes the same state. Every call
 * is bounded (command timeout plus a hard deadline) and any failure rejects with
 * StoreUnavailableError, so callers fail closed. Events go out by PUBLISH as hints; reads
 * always go to Redis, so correctness never depends on pub/sub.
 *
 * Redis unreachable at start is not fatal: the store connects in the background and every call
 * fails closed until Redis answers and its eviction policy was checked (the broker starts
 * unready and becomes ready by itself). Only an evicting policy seen at start refuses the start.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Clock } from '../../clock.js';
import { StoreUnavailableError } from '../../errors.js';
import { boundedCall } from './bounded-call.js';
import type { ControlRecord, MintCheckInput, MintCheckResult, Store, StoreEvent, TokenCheck } from '../types.js';
import { connectRedis, waitReady, type RedisConnectOptions } from './connect.js';
import { checkEvictionPolicy, EvictionPolicyError } from './eviction.js';
import { redisKeys } from './keys.js';
import { createEvents, type StoreLogger } from './events.js';
import { asArray, num, parseControl, parseControlRecord, parseControls, parseWindow, str } from './replies.js';
import { createRecords } from './records.js';
import type { ScriptName } from './scripts.js';
import { createTurnCork } from './turn-cork.js';

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

/** Control records read per script call when listing them. */
const CONTROL_BATCH = 500;

export async function createRedisStore(options: RedisStoreOptions): Promise<RedisStore> {
  const { clock, logger } = options;
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 1000;
  const deadlineMs = Math.min(commandTimeoutMs + 500, 2000);
  const k = redisKeys(options.keyPrefix ?? 'sts:');
  const client = connectRedis({ ...options, commandTimeoutMs, connectTimeoutMs });
  const run = client as unknown as Scripted;
  const bounded = boundedCall(deadlineMs);
  const corkThisTurn = createTurnCork(client);
  // Calls fail closed until Redis answered once and its eviction policy was checked.
  let usable = false;
  let refusal: Error | null = null;
  const call: typeof bounded = (what, fn) => {
    if (refusal) return Promise.reject(new StoreUnavailableError(`redis store: ${refusal.message}`));
    if (!usable) return Promise.reject(new StoreUnavailableError(`redis store: ${what}: not connected yet`));
    corkThisTurn();
    return bounded(what, fn);
  };

  // One warning per outage, not one per reconnect attempt.
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) logger?.warn({ err: err.message }, 'redis unreachable: the store fails closed until it is back');
    down = true;
  });

  const events = createEvents({ client, channel: k.channel, logger });
  let knownEpoch: number | undefined;
  const observeEpoch = (raw: unknown): number => {
    const e = num(raw);
    if (e === null) throw new Error('no epoch');
    if (knownEpoch !== undefined && knownEpoch !== e) {
      logger?.error({ previousEpochMs: knownEpoch, epochMs: e }, 'redis state was lost (epoch changed): older tokens and single-use attestations are refused; suspensions are restored');
      knownEpoch = e;
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

  /** Once Redis answers: check it may not evict, then read the epoch (a restarted, empty Redis is noticed even when idle). */
  const becomeUsable = async (): Promise<void> => {
    await checkEvictionPolicy(client, { allowEviction: options.allowEviction ?? false, ...(logger ? { logger } : {}) });
    usable = true;
    await readEpoch();
  };
  const onReady = () => {
    if (down) logger?.warn({}, 'redis reachable again');
    down = false;
    becomeUsable().catch((err: unknown) => {
      if (err instanceof EvictionPolicyError) {
        refusal = err;
        logger?.error({ err: err.message }, 'redis may evict revocations and replay records: the store refuses every call');
      }
    });
  };

  try {
    await waitReady(client, connectTimeoutMs * 3);
    await checkEvictionPolicy(client, { allowEviction: options.allowEviction ?? false, ...(logger ? { logger } : {}) });
    usable = true;
    await readEpoch();
  } catch (err) {
    if (err instanceof EvictionPolicyError) {
      client.disconnect();
      throw err;
    }
    logger?.warn({ err: (err as Error).message }, 'redis unreachable at start: the broker starts unready and connects when redis answers');
  }
  client.on('ready', onReady);
  // Reachable now: events from other instances are seen from the first call on.
  await events.start(usable ? connectTimeoutMs * 3 : 0);

  const publishAgent = (agentId: string) => events.publish({ type: 'agent', agentId });
  const records = createRecords({ client, keys: k, call });

  async function checkMint(input: MintCheckInput): Promise<MintCheckResult> {
    const replay = input.replay ?? [];
    const agents = input.presented?.agents ?? [];
    const keys = [
      k.epoch, k.control(input.agentId),
      input.address ? k.addressWindow(input.address.key) : k.unused,
      input.agentLimit ? k.agentWindow(input.agentId) : k.unused,
      input.person ? k.person(input.person.issuer, input.person.subject) : k.unused,
      input.presented ? k.revokedToken(input.presented.jti) : k.unused,
    ];
    for (const agentId of agents) keys.push(k.control(agentId));
    for (const r of replay) keys.push(k.replay(r.key));
    const args: Array<string | number> = [
      clock(),
      input.address ? input.address.windowMs : '', input.address ? input.address.max : '',
      input.agentLimit ? input.agentLimit.windowMs : '', input.agentLimit ? input.agentLimit.max : '',
      agents.length,
    ];
    for (const r of replay) args.push(Math.max(1, Math.ceil(r.ttlMs)));
    return call('checkMint', async () => {
      const r = asArray(await run.stsCheckMint(keys.length, ...keys, ...args));
      const status = num(r[0]);
      const address = parseWindow(r[4], r[5]);
      const agent = parseWindow(r[6], r[7]);
      const result: MintCheckResult = { claimed: status !== 0, control: parseControl(r[1], r[2]), epochMs: observeEpoch(r[3]) };
      if (status === 2) result.limited = 'address';
      else if (status === 3) result.limited = 'agent';
      if (address) result.address = address;
      if (agent) result.agent = agent;
      if (input.person) result.personRevokedBeforeMs = num(r[8]);
      if (status === 0) result.replayedIndex = num(r[10]) ?? 0;
      if (input.presented) result.presented = { revoked: num(r[9]) === 1, controls: parseControls(r, 11, agents.length) };
      return result;
    });
  }

  async function readControls(agentIds: readonly string[]): Promise<ControlRecord[]> {
    const out: ControlRecord[] = [];
    for (let i = 0; i < agentIds.length; i += CONTROL_BATCH) {
      const batch = agentIds.slice(i, i + CONTROL_BATCH).map((id) => k.control(id));
      const flat = asArray(await call('listControls', () => run.stsReadControls(batch.length, ...batch)));
      for (let j = 0; j < flat.length; j += 5) {
        const record = parseControlRecord(flat.slice(j, j + 5));
        if (record) out.push(record);
      }
    }
    return out;
  }

  const store: RedisStore = {
    kind: 'redis',
    redis: client,
    checkMint,
    async claimOnce(key, ttlMs) {
      return call('claimOnce', async () =>
        (await client.set(k.replay(key), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK');
    },
    async countAddresses(hits, windowMs) {
      const keys = [...hits.keys()];
      const flat = asArray(await call('countAddresses', () =>
        run.stsCountWindows(keys.length, ...keys.map((key) => k.addressWindow(key)), windowMs, ...keys.map((key) => hits.get(key) ?? 0))));
      const counts = new Map<string, { count: number; resetInMs: number }>();
      keys.forEach((key, i) => {
        const w = parseWindow(flat[2 * i], flat[2 * i + 1]);
        if (w) counts.set(key, w);
      });
      return counts;
    },
    async getAgentControl(agentId) {
      return call('getAgentControl', async () => {
        const [susp, rb] = await client.hmget(k.control(agentId), 'susp', 'rb');
        return parseControl(susp, rb);
      });
    },
    async suspendAgent(agentId, s) {
      const json = JSON.stringify({ atMs: s.atMs, by: s.by, reason: s.reason });
      await call('suspendAgent', () => run.stsSetSuspension(k.epoch, k.control(agentId), k.controlled, clock(), agentId, json));
      publishAgent(agentId);
    },
    async resumeAgent(agentId) {
      await call('resumeAgent', () => run.stsSetSuspension(k.epoch, k.control(agentId), k.controlled, clock(), agentId, ''));
      publishAgent(agentId);
    },
    async revokeAgentTokens(agentId, beforeMs) {
      await call('revokeAgentTokens', () => run.stsRevokeBefore(k.control(agentId), k.controlled, Math.floor(beforeMs), agentId));
      publishAgent(agentId);
    },
    async listControls() {
      const ids = asArray(await call('listControls', () => client.smembers(k.controlled))).map((id) => str(id) ?? '');
      return readControls(ids.filter((id) => id !== ''));
    },
    async restoreControls(list) {
      for (let i = 0; i < list.length; i += CONTROL_BATCH) {
        const batch = list.slice(i, i + CONTROL_BATCH);
        const args = batch.flatMap((r) => [
          r.agentId, r.suspended ? JSON.stringify(r.suspended) : '', r.version?.epochMs ?? '', r.version?.seq ?? '', r.revokedBeforeMs ?? '',
        ]);
        await call('restoreControls', () => run.stsRestoreControls(batch.length + 1, k.controlled, ...batch.map((r) => k.control(r.agentId)), ...args));
        for (const r of batch) publishAgent(r.agentId);
      }
    },
    async revokeToken(jti, expiresAtMs) {
      await call('revokeToken', async () => {
        const ttl = Math.ceil(expiresAtMs - clock());
        if (ttl > 0) await client.set(k.revokedToken(jti), '1', 'PX', ttl);
      });
      events.publish({ type: 'token-revoked', jti } satisfies StoreEvent);
    },
    async isTokenRevoked(jti) {
      return call('isTokenRevoked', async () => (await client.exists(k.revokedToken(jti))) === 1);
    },
    async checkToken(jti, agentId, parties) {
      const others = parties?.agents ?? [];
      const keys = [k.epoch, k.control(agentId), k.revokedToken(jti), parties?.person ? k.person(parties.person.issuer, parties.person.subject) : k.unused];
      for (const other of others) keys.push(k.control(other));
      return call('checkToken', async () => {
        const r = asArray(await run.stsCheckToken(keys.length, ...keys, clock()));
        const check: TokenCheck = { revoked: num(r[0]) === 1, control: parseControl(r[1], r[2]), epochMs: observeEpoch(r[3]) };
        if (parties) check.parties = { controls: parseControls(r, 5, others.length), personRevokedBeforeMs: num(r[4]) };
        return check;
      });
    },
    async revokePersonTokens(person, beforeMs) {
      await call('revokePersonTokens', () => run.stsRevokePerson(k.person(person.issuer, person.subject), Math.floor(beforeMs)));
      events.publish({ type: 'person-revoked', issuer: person.issuer, subject: person.subject });
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
    // Redis bounds memory itself (noeviction: a full Redis refuses writes, and the calls fail closed).
    health: () => ({ replayCapacity: true }),
    async close() {
      await records.flushWrites().catch(() => {}); // best effort: the store may be down
      await events.stop();
      client.disconnect();
    },
  };
  return store;
}
