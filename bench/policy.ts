/**
 * The bench policy, written to a temp dir: one Kubernetes-style issuer (reusable
 * attestations, so the verified-token cache is in play but never hits: every token is
 * unique), AGENTS agents each bound to a service account and to its own key, one tier
 * without rate_limit. Only public keys go into the files; the private ones stay in memory.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateEs256, type Es256Key } from './jwt.js';

export const K8S_ISSUER = 'https://k8s.bench.internal';
export const K8S_AUDIENCE = 'agent-sts';
export const AUDIENCE = 'https://tickets.bench.internal';
export const NAMESPACE = 'bench';

export interface BenchAgent {
  id: string;
  subject: string;
  key: Es256Key;
}

export interface BenchPolicy {
  path: string;
  issuerKey: Es256Key;
  agents: BenchAgent[];
}

export function writeBenchPolicy(dir: string, agentCount: number): BenchPolicy {
  const issuerKey = generateEs256('k8s-bench-1');
  writeFileSync(join(dir, 'issuer.jwks.json'), JSON.stringify({ keys: [issuerKey.publicJwk] }));
  const agents: BenchAgent[] = [];
  for (let i = 0; i < agentCount; i++) {
    const id = `bench-agent-${i}`;
    const key = generateEs256(`${id}-k1`);
    writeFileSync(join(dir, `${id}.jwks.json`), JSON.stringify({ keys: [key.publicJwk] }));
    agents.push({ id, subject: `system:serviceaccount:${NAMESPACE}:${id}`, key });
  }
  const today = new Date().toISOString().slice(0, 10);
  const doc = {
    owners: [{ id: 'team-bench', contact: 'bench@example.com', active: true }],
    tiers: { bench: { description: 'Benchmark agents (no rate_limit)', scopes: ['*:read'], max_ttl: '15m', review_every: '180d' } },
    issuers: [{ issuer: K8S_ISSUER, jwks_file: 'issuer.jwks.json', audience: K8S_AUDIENCE, algorithms: ['ES256'], max_age: '1h', single_use: false }],
    agents: agents.map((a) => ({
      id: a.id,
      description: 'benchmark agent',
      owner: 'team-bench',
      tier: 'bench',
      created_by: 'alice@example.com',
      approved_by: 'bob@example.com',
      reviewed_at: today,
      status: 'active',
      attestation: [
        { issuer: K8S_ISSUER, subject: a.subject, claims: { '/kubernetes.io/namespace': NAMESPACE } },
        { keys: { jwks_file: `${a.id}.jwks.json` } },
      ],
      intents: [{ name: 'read-tickets', description: 'Read tickets', audience: AUDIENCE, scopes: ['tickets:read'] }],
    })),
  };
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, JSON.stringify(doc, null, 1)); // JSON is YAML
  return { path, issuerKey, agents };
}
