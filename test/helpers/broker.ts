/**
 * buildTestBroker: the production wiring (createBroker) in-process (fastify inject) with a fixed
 * clock, generated keys for a local attestation issuer and for the agents, the embedded store
 * (or one given) and an in-memory audit sink. Policies are plain objects shaped like the YAML file.
 */
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { SyncSink } from '../../src/audit/index.js';
import { createBroker } from '../../src/broker.js';
import { manualClock, type Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { compilePolicy, validatePolicyDocument } from '../../src/policy/index.js';
import { createMemoryStore, type Store } from '../../src/store/index.js';
import { collectingSink } from './audit-sink.js';

export const NOW = Date.parse('2026-11-01T12:00:00Z');
export const STS = 'https://sts.test';
export const K8S = 'https://k8s.test';
export const TICKETS = 'https://tickets.test';
/** The sample agent's second intent (read-kb): no intent max_ttl, so the tier's 15 minutes. */
export const KB_AUDIENCE = 'https://kb.test';
export const SA = 'system:serviceaccount:agents:ticket-summarizer';

export interface KeyPair {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function keyPair(alg = 'ES256', kid: string = randomUUID()): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

export type PolicyDoc = Record<string, unknown>;

/** A policy with one issuer, one sample agent with both kinds of attestation, and room to grow. */
export function basePolicy(): PolicyDoc {
  return {
    owners: [
      { id: 'team-support', contact: 'support@example.com', active: true },
      { id: 'team-gone', contact: 'gone@example.com', active: false },
    ],
    tiers: {
      'read-only': { description: 'Reads', scopes: ['*:read'], max_ttl: '15m', review_every: '180d' },
      transactional: { description: 'Writes', scopes: ['*:read', '*:write'], max_ttl: '5m', review_every: '90d' },
    },
    issuers: [{ issuer: K8S, jwks_file: 'k8s.jwks.json', audience: 'agent-sts', algorithms: ['ES256', 'RS256'], max_age: '1h', single_use: false }],
    agents: [agentDoc('ticket-summarizer')],
  };
}

/** The base policy plus one operator signing in with a static key, and the header it sends. */
export function policyWithOperator(id: string, role: 'auditor' | 'operator' | 'admin', key: string): { policy: PolicyDoc; admin: Record<string, string> } {
  const operator = { id, role, key_sha256: createHash('sha256').update(key).digest('hex') };
  return { policy: { ...basePolicy(), operators: [operator] }, admin: { authorization: `Bearer ${key}` } };
}

export function agentDoc(id: string, overrides: Record<string, unknown> = {}): PolicyDoc {
  return {
    id,
    description: `test agent ${id}`,
    owner: 'team-support',
    tier: 'read-only',
    created_by: 'alice@example.com',
    approved_by: 'bob@example.com',
    reviewed_at: '2026-10-01',
    status: 'active',
    attestation: [
      { issuer: K8S, subject: `system:serviceaccount:agents:${id}`, claims: { '/kubernetes.io/namespace': 'agents' } },
      { keys: { jwks_file: `${id}.jwks.json` } },
    ],
    intents: [
      { name: 'summarize-tickets', description: 'Read tickets', audience: TICKETS, scopes: ['tickets:read'], max_ttl: '10m' },
      { name: 'read-kb', description: 'Read the knowledge base', audience: 'https://kb.test', scopes: ['kb:read', 'kb-drafts:read'] },
    ],
    ...overrides,
  };
}

export interface TestBrokerOptions {
  policy?: PolicyDoc;
  store?: Store;
  env?: Record<string, string>;
  now?: number;
  /** Extra jwks files (name -> JWKS) readable by the policy. */
  files?: Record<string, unknown>;
  auditSink?: SyncSink;
}

/** The issuer key, one key per agent, and the policy validated and compiled against them. */
export async function preparePolicy(policyDoc: PolicyDoc, options: { nowMs: number; files?: Record<string, unknown> }) {
  const issuerKey = await keyPair('ES256', 'k8s-1');
  const agentKeys = new Map<string, KeyPair>();
  for (const agent of (policyDoc.agents as PolicyDoc[]) ?? []) agentKeys.set(agent.id as string, await keyPair('ES256', `${agent.id as string}-k1`));
  const files: Record<string, unknown> = { 'k8s.jwks.json': { keys: [issuerKey.publicJwk] }, ...options.files };
  for (const [id, key] of agentKeys) files[`${id}.jwks.json`] ??= { keys: [key.publicJwk] };
  const { policy, problems } = validatePolicyDocument(policyDoc, {
    baseDir: '/policy',
    nowMs: options.nowMs,
    stsIssuer: STS,
    readFile: (path: string) => {
      const name = path.replace(/^\/policy\//, '');
      if (!(name in files)) throw new Error(`ENOENT: ${path}`);
      return JSON.stringify(files[name]);
    },
  });
  if (!policy) throw new Error(`test policy invalid: ${JSON.stringify(problems, null, 1)}`);
  return { issuerKey, agentKeys, compiled: compilePolicy(policy, 'test-version') };
}

export type PreparedPolicy = Awaited<ReturnType<typeof preparePolicy>>;

export interface AttestOptions {
  key?: CryptoKey; kid?: string; alg?: string; header?: Record<string, unknown>; iss?: string; aud?: string | string[]; iatOffsetS?: number; ttlS?: number;
}

export interface AssertionOptions {
  aud?: string; jti?: string; iss?: string; sub?: string; ttlS?: number; key?: CryptoKey; iatOffsetS?: number;
}

/** Request builders for one app: attestations, agent assertions and token requests. */
export function brokerClients(app: FastifyInstance, clock: Clock, keys: Pick<PreparedPolicy, 'issuerKey' | 'agentKeys'>) {
  const { issuerKey, agentKeys } = keys;
  /** A Kubernetes-style attestation for `sub`, signed by the test issuer unless told otherwise. */
  const attest = async (sub = SA, claims: JWTPayload = { 'kubernetes.io': { namespace: 'agents' } }, opts: AttestOptions = {}): Promise<string> => {
    const iat = Math.floor(clock() / 1000) + (opts.iatOffsetS ?? 0);
    return new SignJWT({ jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: opts.alg ?? 'ES256', kid: opts.kid ?? 'k8s-1', typ: 'JWT', ...opts.header })
      .setIssuer(opts.iss ?? K8S)
      .setSubject(sub)
      .setAudience(opts.aud ?? 'agent-sts')
      .setIssuedAt(iat)
      .setExpirationTime(iat + (opts.ttlS ?? 600))
      .sign(opts.key ?? issuerKey.privateKey);
  };

  /** An RFC 7523 assertion signed by the agent's own key. */
  const assertion = async (agentId = 'ticket-summarizer', opts: AssertionOptions = {}): Promise<string> => {
    const key = opts.key ?? agentKeys.get(agentId)?.privateKey;
    if (!key) throw new Error(`no key for ${agentId}`);
    const iat = Math.floor(clock() / 1000) + (opts.iatOffsetS ?? 0);
    return new SignJWT({ jti: opts.jti ?? randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: `${agentId}-k1` })
      .setIssuer(opts.iss ?? agentId)
      .setSubject(opts.sub ?? agentId)
      .setAudience(opts.aud ?? STS)
      .setIssuedAt(iat)
      .setExpirationTime(iat + (opts.ttlS ?? 120))
      .sign(key);
  };

  const token = (form: Record<string, string | string[]>, headers: Record<string, string> = {}, inject: { remoteAddress?: string } = {}) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const value of Array.isArray(v) ? v : [v]) body.append(k, value);
    return app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: body.toString(), ...inject });
  };

  const exchange = async (subjectToken: string, extra: Record<string, string | string[]> = {}) =>
    token({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      audience: TICKETS,
      ...extra,
    });

  const clientCredentials = async (clientAssertion: string, extra: Record<string, string | string[]> = {}) =>
    token({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
      audience: TICKETS,
      ...extra,
    });

  return { attest, assertion, token, exchange, clientCredentials };
}

export async function buildTestBroker(options: TestBrokerOptions = {}) {
  const clock = manualClock(options.now ?? NOW);
  const prepared = await preparePolicy(options.policy ?? basePolicy(), { nowMs: clock(), ...(options.files ? { files: options.files } : {}) });
  const { issuerKey, agentKeys } = prepared;
  const config = loadConfig({ STS_ISSUER: STS, STS_LOG_LEVEL: 'silent', ...options.env });
  const auditLines: Record<string, unknown>[] = [];
  const auditSink: SyncSink = options.auditSink ?? collectingSink(auditLines);
  const broker = await createBroker(config, {
    clock,
    logger: pino({ level: 'silent' }),
    store: options.store ?? createMemoryStore({ clock }),
    policy: prepared.compiled,
    auditSink,
    defaultMetrics: false,
    keyRingTickMs: 0,
  });
  const { app } = broker;
  const { attest, assertion, token, exchange, clientCredentials } = brokerClients(app, clock, prepared);

  return {
    app, clock, store: broker.store, keyRing: broker.keyRing, holder: broker.policy, audit: broker.audit, auditLines,
    registry: broker.registry, metrics: broker.metrics, flush: broker.flush, broker,
    issuerKey, agentKeys, config, attest, assertion, token, exchange, clientCredentials,
    close: () => broker.close(),
  };
}

export type TestBroker = Awaited<ReturnType<typeof buildTestBroker>>;
