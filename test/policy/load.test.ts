/** loadPolicyFile: reading, YAML 1.2 parsing, jwks files, version, compile. */
import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPolicyFile, MAX_POLICY_FILE_BYTES } from '../../src/policy/index.js';
import { FIXTURES, NOW } from './build.js';

type TestDir = Pick<typeof t, 'testdir'>;

const SAMPLE = readFileSync(resolve('config/policy.yaml'));
const ISSUER_JWKS = readFileSync(join(FIXTURES, 'issuer.jwks.json'), 'utf8');
const AGENT_JWKS = readFileSync(join(FIXTURES, 'agent.jwks.json'), 'utf8');

/** The sample policy next to the dev key files that `agent-sts dev init` would generate. */
function sampleDir(t: TestDir): string {
  return t.testdir({
    'policy.yaml': SAMPLE,
    // The people's issuer has its own key in practice; any public key proves the file loads.
    dev: { 'issuer.jwks.json': ISSUER_JWKS, 'ticket-summarizer.jwks.json': AGENT_JWKS, 'people.jwks.json': AGENT_JWKS },
  });
}

const MINIMAL = `
owners: [{ id: team-a }]
tiers:
  ro: { scopes: ["*:read"], max_ttl: 15m, review_every: 180d }
agents:
  - id: a1
    owner: team-a
    tier: ro
    created_by: alice
    approved_by: bob
    reviewed_at: 2026-10-01
    attestation: [{ keys: { jwks_file: agent.jwks.json } }]
    intents: [{ name: i1, audience: https://x, scopes: [x:read] }]
`;

t.test('the sample policy loads and compiles', async (t) => {
  const dir = sampleDir(t);
  const { compiled, problems } = await loadPolicyFile(join(dir, 'policy.yaml'), { nowMs: NOW, stsIssuer: 'http://localhost:8080' });
  // Only the warnings that its development credentials are for a developer's machine
  // (test/regressions/sample-credentials-refused-in-production.test.ts).
  t.same(problems.map((p) => p.severity), ['warning', 'warning', 'warning']);
  if (compiled === null) return t.fail('not compiled');
  t.match(compiled.version, /^[0-9a-f]{64}$/, 'SHA-256 of the file and the key sets it loaded');
  t.equal(compiled.source, join(dir, 'policy.yaml'));
  t.same([...compiled.agentsById.keys()], ['ticket-summarizer', 'expense-assistant', 'receipts-tool', 'tickets-api']);
  t.same(Object.keys(compiled.policy.tiers), ['read-only', 'transactional', 'assistant', 'resource-server']);
  t.match(compiled.userIssuersByIss.get('http://localhost:8080/dev-people'), { audience: 'agent-sts', scopeClaim: 'scope', maxAgeMs: 3_600_000 });
  t.match(compiled.agentsById.get('expense-assistant')?.intents[0], { onBehalfOf: 'required' });
  t.same(compiled.agentsById.get('receipts-tool')?.serves, ['https://expenses.example.internal']);
  t.match(compiled.policy.tiers['read-only'], { maxTtlMs: 15 * 60_000, rateLimit: { requests: 60, perMs: 60_000 } });
  t.same(compiled.policy.tiers.transactional?.anomalies.out_of_scope, { action: 'suspend', after: 3, withinMs: 10 * 60_000 });
  t.same(compiled.policy.tiers.transactional?.anomalies.volume, { action: 'alert', after: 1, withinMs: 3_600_000 }, 'defaults');
  const issuer = compiled.issuersByIss.get('http://localhost:8080/dev-issuer');
  t.match(issuer, { jwksFile: join(dir, 'dev/issuer.jwks.json'), algorithms: ['ES256'], maxAgeMs: 3_600_000, singleUse: false, exclusiveAudience: false });
  t.equal(issuer?.jwks?.keys.length, 1);
  const entries = compiled.attestationIndex.get('http://localhost:8080/dev-issuer')?.get('system:serviceaccount:agents:ticket-summarizer');
  t.equal(entries?.length, 1);
  t.same(entries?.[0]?.entry.claims, [{ key: '/kubernetes.io/namespace', path: ['kubernetes.io', 'namespace'], value: 'agents' }]);
  const agent = compiled.agentsById.get('ticket-summarizer');
  t.match(agent?.attestation[1], { kind: 'keys', jwksFile: join(dir, 'dev/ticket-summarizer.jwks.json') });
  t.match(compiled.agentsById.get('tickets-api')?.intents[0], { audience: 'http://localhost:8080', scopes: ['sts:introspect'] });
  t.match(compiled.policy.operators, [{ id: 'dev-admin', role: 'admin',
    keySha256: createHash('sha256').update('dev-admin-key').digest('hex') }]);
  t.ok(Object.isFrozen(compiled.policy.agents[0]?.intents[0]?.scopes), 'deeply frozen');
});

t.test('the sample policy names its missing dev keys clearly', async (t) => {
  const dir = t.testdir({ 'policy.yaml': SAMPLE });
  const { compiled, problems } = await loadPolicyFile(join(dir, 'policy.yaml'), { nowMs: NOW });
  t.equal(compiled, null);
  t.match(problems, [
    { severity: 'error', path: 'issuers[http://localhost:8080/dev-issuer].jwks_file', message: /file not found/ },
  ]);
});

t.test('YAML problems', async (t) => {
  const cases: Array<{ name: string; text: string; want: RegExp }> = [
    { name: 'duplicate keys are refused', text: 'owners: []\nowners: []\n', want: /unique/ },
    { name: 'syntax error', text: 'owners: [\n', want: /invalid YAML/ },
    { name: 'alias expansion is bounded', text: `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`).join('\n')}\n`, want: /alias/i },
  ];
  for (const c of cases) {
    const dir = t.testdir({ 'p.yaml': c.text });
    const { compiled, problems } = await loadPolicyFile(join(dir, 'p.yaml'), { nowMs: NOW });
    t.equal(compiled, null, c.name);
    t.match(problems[0]?.message, c.want, c.name);
  }
});

t.test('YAML 1.2 core schema: yes/no and dates stay strings', async (t) => {
  const dir = t.testdir({ 'p.yaml': MINIMAL.replace('owners: [{ id: team-a }]', 'owners: [{ id: team-a, active: yes }]'), 'agent.jwks.json': AGENT_JWKS });
  const { problems } = await loadPolicyFile(join(dir, 'p.yaml'), { nowMs: NOW });
  t.match(problems, [{ severity: 'error', path: 'owners[team-a].active', message: /boolean/ }]);
});

t.test('a minimal policy with a relative jwks_file loads; violations do not block loading', async (t) => {
  const dir = t.testdir({ 'p.yaml': MINIMAL.replace('    approved_by: bob\n', ''), 'agent.jwks.json': AGENT_JWKS });
  const { compiled, problems } = await loadPolicyFile(join(dir, 'p.yaml'), { nowMs: NOW });
  t.ok(compiled);
  t.match(problems, [{ severity: 'violation', path: 'agents[a1].approved_by' }]);
});

t.test('missing and oversized files', async (t) => {
  const dir = t.testdir({ 'big.yaml': Buffer.alloc(MAX_POLICY_FILE_BYTES + 1, 0x20) });
  const missing = await loadPolicyFile(join(dir, 'nope.yaml'), { nowMs: NOW });
  t.match(missing, { compiled: null, problems: [{ severity: 'error', message: /file not found/ }] });
  const big = await loadPolicyFile(join(dir, 'big.yaml'), { nowMs: NOW });
  t.match(big, { compiled: null, problems: [{ severity: 'error', message: /larger than/ }] });
});
