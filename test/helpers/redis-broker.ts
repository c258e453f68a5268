/**
 * buildRedisBrokers: N broker instances in one process that share ONE Redis, as N replicas
 * behind a load balancer would: each has its own store connection, its own key ring (same
 * key-encryption key), its own fastify app, and all share the policy and the issuer/agent
 * keys. The clock is the real one by default: Redis TTLs and pub/sub run on real time.
 */
import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { createBroker } from '../../src/broker.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createRedisStore, type RedisStoreOptions } from '../../src/store/index.js';
import { agentDoc, basePolicy, brokerClients, preparePolicy, STS, type PolicyDoc, type PreparedPolicy } from './broker.js';
import { collectingSink } from './audit-sink.js';

/** A fixed 32-byte key-encryption key (base64), the same on every instance. */
export const TEST_KEK = Buffer.alloc(32, 7).toString('base64');
export const OPERATOR_KEY = 'multi-instance-operator-key-0001';
export const ADMIN_KEY = 'multi-instance-admin-key-0002';
export const RESOURCE_SERVER = 'resource-server';
export const k8sSubject = (agentId: string) => `system:serviceaccount:agents:${agentId}`;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * basePolicy plus: an operator (static key), a resource server allowed to introspect
 * (audience = the issuer, scope sts:introspect), and the extra agents named.
 */
export function multiInstancePolicy(extraAgents: string[] = [], extraTiers: Record<string, unknown> = {}, base: PolicyDoc = basePolicy()): PolicyDoc {
  const doc = base;
  const tiers = doc.tiers as Record<string, unknown>;
  tiers.introspector = { description: 'Resource servers', scopes: ['sts:introspect'], max_ttl: '15m', review_every: '180d' };
  Object.assign(tiers, extraTiers);
  const resourceServer = agentDoc(RESOURCE_SERVER, {
    tier: 'introspector',
    intents: [{ name: 'introspect', description: 'Introspect tokens', audience: STS, scopes: ['sts:introspect'] }],
  });
  doc.agents = [...(doc.agents as PolicyDoc[]), resourceServer, ...extraAgents.map((id) => agentDoc(id))];
  doc.operators = [
    { id: 'ops@example.com', role: 'operator', key_sha256: sha256(OPERATOR_KEY) },
    { id: 'root@example.com', role: 'admin', key_sha256: sha256(ADMIN_KEY) },
  ];
  return doc;
}

export interface RedisBrokerOptions {
  redisUrl: string;
  count?: number;
  policy?: PolicyDoc;
  /** Extra key files (name -> JWKS) the policy names. */
  files?: Record<string, unknown>;
  /** Extra settings (STS_RATE_LIMIT_ADDRESS, STS_TRUST_PROXY...). */
  env?: Record<string, string>;
  clock?: Clock;
  rotationMs?: number;
  publishAheadMs?: number;
  maxTokenTtlMs?: number;
  /** Start each key ring's timer with this tick interval (ms); absent: no timer. */
  tickMs?: number;
  /** Store options; a distinct keyPrefix gives an independent broker group on the same Redis. */
  store?: Partial<Pick<RedisStoreOptions, 'allowEviction' | 'commandTimeoutMs' | 'connectTimeoutMs' | 'keyPrefix'>>;
}

async function buildInstance(name: string, prepared: PreparedPolicy, o: RedisBrokerOptions) {
  const clock = o.clock ?? systemClock;
  const config = loadConfig({
    STS_ISSUER: STS,
    STS_LOG_LEVEL: 'silent',
    REDIS_URL: o.redisUrl,
    STS_KEY_ENCRYPTION_KEY: TEST_KEK,
    // Generous by default so tests that mint a lot from one address are not limited.
    STS_RATE_LIMIT_ADDRESS: '100000/10s',
    STS_RATE_LIMIT_INTROSPECT: '100000/10s',
    STS_RATE_LIMIT_REVOKE: '100000/10s',
    STS_RATE_LIMIT_ADMIN: '100000/10s',
    STS_RATE_LIMIT_CONSOLE: '100000/10s',
    ...o.env,
  });
  const auditLines: Record<string, unknown>[] = [];
  const store = await createRedisStore({ url: o.redisUrl, clock, ...o.store });
  const broker = await createBroker(config, {
    clock,
    logger: pino({ level: 'silent' }),
    store,
    policy: prepared.compiled,
    auditSink: collectingSink(auditLines),
    defaultMetrics: false,
    keyRingTickMs: o.tickMs ?? 0,
    keyRing: {
      ...(o.rotationMs !== undefined ? { rotationMs: o.rotationMs } : {}),
      ...(o.publishAheadMs !== undefined ? { publishAheadMs: o.publishAheadMs } : {}),
      ...(o.maxTokenTtlMs !== undefined ? { maxTokenTtlMs: o.maxTokenTtlMs } : {}),
    },
  });
  const { app, keyRing, policy: holder, audit } = broker;
  await app.ready();
  const clients = brokerClients(app, clock, prepared);

  const form = (url: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(body).toString() });

  /** An operator (or, with ADMIN_KEY, admin) call on this instance's admin API. */
  const admin = (path: string, body: Record<string, unknown>, key = OPERATOR_KEY): Promise<LightMyRequestResponse> =>
    app.inject({ method: 'POST', url: `/admin${path}`, headers: { authorization: `Bearer ${key}` }, payload: body });

  /** A token for `agentId` by token exchange on this instance (throws unless 200). */
  const mint = async (agentId = 'ticket-summarizer', audience?: string): Promise<string> => {
    const res = await clients.exchange(await clients.attest(k8sSubject(agentId)), audience ? { audience } : {});
    if (res.statusCode !== 200) throw new Error(`${name}: mint for ${agentId} got ${res.statusCode} ${res.body}`);
    return (res.json() as { access_token: string }).access_token;
  };

  /** A fresh introspection caller token (resource server, audience = the issuer). */
  const callerToken = () => mint(RESOURCE_SERVER, STS);

  const introspect = (token: string, caller: string) =>
    form('/oauth/introspect', { token }, { authorization: `Bearer ${caller}` });

  return {
    name, app, clock, config, store, keyRing, holder, audit, auditLines, ...clients,
    form, admin, mint, callerToken, introspect,
    broker,
    close: () => broker.close(),
  };
}

export type RedisBrokerInstance = Awaited<ReturnType<typeof buildInstance>>;

export async function buildRedisBrokers(o: RedisBrokerOptions) {
  const clock = o.clock ?? systemClock;
  const prepared = await preparePolicy(o.policy ?? multiInstancePolicy(), { nowMs: clock(), ...(o.files ? { files: o.files } : {}) });
  const instances: RedisBrokerInstance[] = [];
  try {
    for (let i = 0; i < (o.count ?? 2); i++) instances.push(await buildInstance(String.fromCharCode(65 + i), prepared, o));
  } catch (error) {
    await Promise.all(instances.map((b) => b.close()));
    throw error;
  }
  return {
    instances,
    prepared,
    close: async () => { await Promise.all(instances.map((b) => b.close().catch(() => {}))); },
  };
}

/** Polls `probe` every `everyMs` until it returns true or `withinMs` passes; returns the elapsed ms or null. */
export async function pollUntil(probe: () => Promise<boolean>, withinMs: number, everyMs = 10): Promise<number | null> {
  const started = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - started;
    if (performance.now() - started > withinMs) return null;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until the whole second holding the store's epoch is over. */
export async function passEpochSecond(epoch: () => Promise<number>, clock: Clock = systemClock): Promise<void> {
  const epochMs = await epoch();
  const wait = (Math.floor(epochMs / 1000) + 1) * 1000 - clock() + 20;
  if (wait > 0) await sleep(wait);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
