/**
 * The operator plane of a broker built by createBroker (as the server builds it), with a fixed
 * clock, an in-memory audit sink, and a policy built for the inventory flags. Operators: one
 * static key per role, plus an OIDC sign-on issuer.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance, LightMyRequestResponse } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { pino } from 'pino';
import { createBroker, type Broker } from '../../src/broker.js';
import { manualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { compilePolicy, validatePolicyDocument } from '../../src/policy/index.js';
import { mintAccessToken } from '../../src/signing/index.js';
import { createMemoryStore, type Store } from '../../src/store/index.js';
import { collectingSink } from '../helpers/audit-sink.js';

export const NOW = Date.parse('2026-11-01T12:00:00Z');
export const DAY = 86_400_000;
export const STS = 'https://sts.test';
export const SSO = 'https://sso.test';
export const KEYS = { auditor: 'auditor-key-0001', operator: 'operator-key-0002', admin: 'admin-key-0003' } as const;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function agent(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    owner: 'team-a',
    tier: 'read-only',
    created_by: 'alice@example.com',
    approved_by: 'bob@example.com',
    reviewed_at: '2026-10-01',
    attestation: [{ issuer: 'https://k8s.test', subject: `system:serviceaccount:agents:${id}` }],
    intents: [{ name: 'read-tickets', audience: 'https://tickets.test', scopes: ['tickets:read'] }],
    ...extra,
  };
}

/** Each agent exercises one inventory flag. */
export function policyDoc(ssoJwks: unknown) {
  return {
    owners: [{ id: 'team-a', active: true }, { id: 'team-gone', active: false }],
    tiers: { 'read-only': { scopes: ['*:read', 'sts:introspect'], max_ttl: '15m', review_every: '90d' } },
    issuers: [{ issuer: 'https://k8s.test', jwks_file: 'k8s.json', audience: 'agent-sts', algorithms: ['ES256'] }],
    agents: [
      agent('healthy'),
      agent('orphan', { owner: 'team-gone' }),
      agent('overdue', { reviewed_at: '2026-01-01' }),
      agent('unapproved', { approved_by: undefined }),
      agent('old', { status: 'retired' }),
      agent('formula', { created_by: '=HYPERLINK("http://evil","x")' }),
      agent('resource-server', { intents: [{ name: 'introspect', audience: STS, scopes: ['sts:introspect'] }] }),
      // A resource server that serves one audience (RFC 7662 §4).
      agent('tickets-rs', { intents: [{ name: 'introspect', audience: STS, scopes: ['sts:introspect'] }], introspects: ['https://tickets.test'] }),
    ].map((a) => JSON.parse(JSON.stringify(a)) as Record<string, unknown>),
    operators: [
      { id: 'ann@example.com', role: 'auditor', key_sha256: sha(KEYS.auditor) },
      { id: 'carol@example.com', role: 'operator', key_sha256: sha(KEYS.operator) },
      { id: 'root@example.com', role: 'admin', key_sha256: sha(KEYS.admin) },
    ],
    operator_issuers: [
      {
        issuer: SSO,
        jwks_file: 'sso.json',
        audience: 'agent-sts-admin',
        algorithms: ['ES256'],
        role_claim: 'groups',
        roles: { 'sts-auditors': 'auditor', 'sts-operators': 'operator', 'sts-admins': 'admin' },
      },
    ],
  };
}

export interface Harness {
  app: FastifyInstance;
  broker: Broker;
  audit: Broker['audit'];
  clock: ReturnType<typeof manualClock>;
  store: Store;
  keyRing: Broker['keyRing'];
  auditLines: Array<Record<string, unknown>>;
  auditBroken: { on: boolean };
  ssoKey: CryptoKey;
  as(role: keyof typeof KEYS): Record<string, string>;
  ssoToken(claims: JWTPayload, opts?: { aud?: string; key?: CryptoKey; typ?: string; iss?: string }): Promise<string>;
  mint(agentId: string, opts?: { scopes?: string[]; audience?: string; ttlSeconds?: number }): string;
  form(url: string, form: Record<string, string>, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** A store built by the caller (a Redis store shares address limits and backoff between harnesses); closed with the harness. */
  store?: Store;
  /** Extra settings (STS_RATE_LIMIT_*...). */
  env?: Record<string, string>;
}

/** The broker as the server wires it (createBroker), with this policy, a fixed clock and an in-memory audit sink. */
export async function buildHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = manualClock(NOW);
  const sso = await generateKeyPair('ES256', { extractable: true });
  const k8s = await generateKeyPair('ES256', { extractable: true });
  const files: Record<string, unknown> = {
    'k8s.json': { keys: [{ ...(await exportJWK(k8s.publicKey)), kid: 'k8s' }] },
    'sso.json': { keys: [{ ...(await exportJWK(sso.publicKey)), kid: 'sso-1' }] },
  };
  const { policy, problems } = validatePolicyDocument(policyDoc(null), {
    baseDir: '/p',
    nowMs: clock(),
    stsIssuer: STS,
    readFile: (p) => JSON.stringify(files[p.replace('/p/', '')]),
  });
  if (!policy) throw new Error(JSON.stringify(problems));
  const auditLines: Array<Record<string, unknown>> = [];
  const auditBroken = { on: false };
  const broker = await createBroker(loadConfig({ STS_ISSUER: STS, ...options.env }), {
    clock,
    logger: pino({ level: 'silent' }) as unknown as FastifyBaseLogger,
    store: options.store ?? createMemoryStore({ clock }),
    policy: compilePolicy(policy, 'v1'),
    auditSink: collectingSink(auditLines, () => auditBroken.on),
    defaultMetrics: false,
    keyRingTickMs: 0,
  });
  await broker.app.ready();
  const { app, keyRing, store } = broker;

  return {
    app, broker, audit: broker.audit, clock, store, keyRing, auditLines, auditBroken, ssoKey: sso.privateKey,
    as: (role) => ({ authorization: `Bearer ${KEYS[role]}` }),
    ssoToken: (claims, opts = {}) => {
      const iat = Math.floor(clock() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'sso-1', typ: opts.typ ?? 'JWT' })
        .setIssuer(opts.iss ?? SSO)
        .setAudience(opts.aud ?? 'agent-sts-admin')
        .setIssuedAt(iat)
        .setExpirationTime(iat + 600)
        .sign(opts.key ?? sso.privateKey);
    },
    mint: (agentId, opts = {}) =>
      mintAccessToken({
        issuer: STS,
        agentId,
        audience: opts.audience ?? 'https://tickets.test',
        scopes: opts.scopes ?? ['tickets:read'],
        intent: 'read-tickets',
        tier: 'read-only',
        owner: 'team-a',
        jti: randomUUID(),
        issuedAtMs: clock(),
        ttlSeconds: opts.ttlSeconds ?? 600,
      }, keyRing.currentSigner()).token,
    form: (url, form, headers = {}) =>
      app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(form).toString() }),
    close: () => broker.close(),
  };
}
