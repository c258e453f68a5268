/** Test helpers for attestation: keys, tokens, hand-built compiled policies, a JWKS server. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import { manualClock } from '../../src/clock.js';
import type {
  Agent, AttestationEntry, ClaimBinding, CompiledPolicy, IssuerAttestation, TrustedIssuer,
} from '../../src/policy/types.js';
import { createIssuerKeyResolver, type AttestationContext, type IssuerKeyResolver, type VerifiedTokenCache } from '../../src/attestation/index.js';

export const NOW_MS = Date.UTC(2026, 5, 1, 12, 0, 0);
export const NOW_S = NOW_MS / 1000;
export const STS_ISSUER = 'https://sts.example.test';
export const TOKEN_ENDPOINT = 'https://sts.example.test/oauth/token';
export const K8S = 'https://k8s.example.internal';

export interface TestKey {
  privateKey: CryptoKey;
  jwk: JWK;
  alg: string;
  kid: string;
}

export async function makeKey(kid: string, alg = 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, jwk, alg, kid };
}

export function jwksOf(...keys: TestKey[]): JSONWebKeySet {
  return { keys: keys.map((k) => k.jwk) };
}

export async function sign(key: TestKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/** A Kubernetes-like service-account token payload. */
export function k8sClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: K8S, sub: 'system:serviceaccount:agents:summarizer', aud: ['agent-sts'],
    iat: NOW_S - 10, exp: NOW_S + 600, jti: 'jti-1',
    'kubernetes.io': { namespace: 'agents', serviceaccount: { name: 'summarizer', uid: 'u-1' } },
    ...overrides,
  };
}

export function trustedIssuer(overrides: Partial<TrustedIssuer> = {}): TrustedIssuer {
  return { issuer: K8S, audience: 'agent-sts', algorithms: ['ES256', 'RS256'], maxAgeMs: 3_600_000, singleUse: false, exclusiveAudience: false, ...overrides };
}

/** RFC 6901: "/a~1b/c" -> ["a/b", "c"]; a key without a leading "/" is one top-level name. */
export function binding(key: string, value: string | number | boolean): ClaimBinding {
  const path = key.startsWith('/') ? key.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~')) : [key];
  return { key, path, value };
}

export function issuerEntry(subject: string, claims: Record<string, string | number | boolean> = {}, issuer = K8S): IssuerAttestation {
  return { kind: 'issuer', issuer, subject, claims: Object.entries(claims).map(([k, v]) => binding(k, v)) };
}

export function agent(id: string, attestation: AttestationEntry[]): Agent {
  return {
    id, owner: 'team', tier: 'read-only', createdBy: 'alice', approvedBy: 'bob', reviewedAt: '2026-05-01',
    reviewedAtMs: Date.UTC(2026, 4, 1), status: 'active', attestation,
    intents: [{ name: 'read', audience: 'https://api.example', scopes: ['api:read'] }],
  };
}

export function compile(issuers: TrustedIssuer[], agents: Agent[], version = 'v1'): CompiledPolicy {
  const index = new Map<string, Map<string, Array<{ agent: Agent; entry: IssuerAttestation }>>>();
  for (const a of agents) {
    for (const entry of a.attestation) {
      if (entry.kind !== 'issuer') continue;
      const bySub = index.get(entry.issuer) ?? new Map<string, Array<{ agent: Agent; entry: IssuerAttestation }>>();
      index.set(entry.issuer, bySub);
      bySub.set(entry.subject, [...(bySub.get(entry.subject) ?? []), { agent: a, entry }]);
    }
  }
  return {
    policy: { owners: [{ id: 'team', active: true }], tiers: {}, issuers, userIssuers: [], agents, operators: [], operatorIssuers: [] },
    version,
    agentsById: new Map(agents.map((a) => [a.id, a])),
    ownersById: new Map([['team', { id: 'team', active: true }]]),
    issuersByIss: new Map(issuers.map((i) => [i.issuer, i])),
    userIssuersByIss: new Map(),
    attestationIndex: index,
  };
}

export function context(policy: CompiledPolicy, opts: { now?: number; keys?: IssuerKeyResolver; cache?: VerifiedTokenCache } = {}): AttestationContext & { clock: ReturnType<typeof manualClock> } {
  const clock = manualClock(opts.now ?? NOW_MS);
  return {
    policy, now: clock, clock, stsIssuer: STS_ISSUER, tokenEndpoint: TOKEN_ENDPOINT,
    keys: opts.keys ?? createIssuerKeyResolver({ now: clock }),
    ...(opts.cache ? { cache: opts.cache } : {}),
  };
}

/** Wraps a resolver to count how often keys are asked for (a verification attempt). */
export function countingResolver(inner: IssuerKeyResolver): IssuerKeyResolver & { calls: number } {
  const counter = {
    calls: 0,
    forIssuer(issuer: TrustedIssuer) {
      counter.calls++;
      return inner.forIssuer(issuer);
    },
  };
  return counter;
}

export interface JwksServer {
  url: string;
  requests: number;
  /** What the server answers; status other than 200 simulates an outage. */
  body: unknown;
  status: number;
  close(): Promise<void>;
}

export async function startJwksServer(body: unknown): Promise<JwksServer> {
  const state = { requests: 0, body, status: 200 };
  const server: Server = createServer((_req, res) => {
    state.requests++;
    res.writeHead(state.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(state.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.defineProperties(state, {
    url: { value: `http://127.0.0.1:${port}/jwks`, enumerable: true },
    close: { value: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) },
  }) as JwksServer;
}

/** base64url of a JSON value, for hand-made tokens. */
export function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}
