/** Small valid raw policies for the policy tests; each test changes one thing. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compilePolicy, validatePolicyDocument, type CompiledPolicy, type PolicyProblem } from '../../src/policy/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const NOW = Date.parse('2026-11-26T00:00:00Z');
export const DAY = 86_400_000;
export const STS_ISSUER = 'https://sts.example';

export type Raw = Record<string, unknown>;

/**
 * A deep copy of `raw` with dotted paths set ("agents.0.intents.0.scopes"); a value of
 * undefined deletes the key.
 */
export function patch(raw: Raw, changes: Record<string, unknown>): Raw {
  const copy = structuredClone(raw);
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop() as string;
    let node = copy as Record<string, unknown>;
    for (const key of keys) node = node[key] as Record<string, unknown>;
    if (value === undefined) {
      if (Array.isArray(node)) node.splice(Number(last), 1);
      else delete node[last];
    } else {
      node[last] = value;
    }
  }
  return copy;
}

export function rawAgent(id: string, extra: Raw = {}): Raw {
  return {
    id,
    owner: 'team-a',
    tier: 'read-only',
    created_by: 'alice@example.com',
    approved_by: 'bob@example.com',
    reviewed_at: '2026-10-01',
    attestation: [{ issuer: 'https://k8s.example', subject: `system:serviceaccount:agents:${id}` }],
    intents: [{ name: 'read-tickets', audience: 'https://tickets.example', scopes: ['tickets:read'] }],
    ...extra,
  };
}

export function basePolicy(): Raw {
  return {
    owners: [{ id: 'team-a', contact: 'a@example.com', active: true }, { id: 'team-gone', active: false }],
    tiers: {
      'read-only': { scopes: ['*:read'], max_ttl: '15m', review_every: '180d' },
      transactional: { scopes: ['*:read', '*:write'], max_ttl: '5m', review_every: '90d' },
    },
    issuers: [
      { issuer: 'https://k8s.example', jwks_uri: 'https://k8s.example/jwks', audience: 'agent-sts', algorithms: ['ES256'], max_age: '1h' },
    ],
    agents: [rawAgent('summarizer')],
  };
}

export function validate(raw: unknown, nowMs = NOW): { policy: ReturnType<typeof validatePolicyDocument>['policy']; problems: PolicyProblem[] } {
  return validatePolicyDocument(raw, { baseDir: FIXTURES, nowMs, stsIssuer: STS_ISSUER });
}

export function compileRaw(raw: unknown, nowMs = NOW): CompiledPolicy {
  const { policy, problems } = validate(raw, nowMs);
  if (policy === null) throw new Error(`test policy invalid: ${JSON.stringify(problems)}`);
  return compilePolicy(policy, 'test');
}

export function fixtureJwks(name: string): Raw {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Raw;
}
