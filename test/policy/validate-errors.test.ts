/**
 * Every error rule of `policy check`: each case changes one thing in a valid policy and
 * names the problem it must produce (severity, path by id, and a piece of the message).
 */
import t from 'tap';
import { join } from 'node:path';
import { basePolicy, FIXTURES, patch, rawAgent, STS_ISSUER, validate, fixtureJwks, type Raw } from './build.js';

interface Want { path: string; message: RegExp }
interface Case { name: string; policy: Raw; want: Want[] }

const base = basePolicy();
const agentJwk = (fixtureJwks('agent.jwks.json').keys as Raw[])[0] as Raw;
const privateJwk = (fixtureJwks('private.jwks.json').keys as Raw[])[0] as Raw;
const issuer = (extra: Raw) => ({ issuer: 'https://ci.example', audience: 'agent-sts', algorithms: ['ES256'], ...extra });
const opIssuer = (extra: Raw) => ({ issuer: 'https://sso.example', jwks_uri: 'https://sso.example/jwks', audience: 'sts-admin',
  algorithms: ['RS256'], role_claim: 'groups', roles: { admins: 'admin' }, ...extra });
const op = (id: string, extra: Raw = {}) => ({ id, role: 'auditor', key_sha256: 'a'.repeat(64), ...extra });

const cases: Case[] = [
  // Shape.
  { name: 'root is not a mapping', policy: [] as unknown as Raw, want: [{ path: '(root)', message: /mapping/ }] },
  { name: 'missing required field', policy: patch(base, { 'agents.0.created_by': undefined }),
    want: [{ path: 'agents[summarizer].created_by', message: /is required/ }] },
  { name: 'missing top-level section', policy: patch(base, { owners: undefined }), want: [{ path: 'owners', message: /is required/ }] },
  { name: 'unknown key (typo)', policy: patch(base, { 'agents.0.aproved_by': 'x' }),
    want: [{ path: 'agents[summarizer].aproved_by', message: /unknown key/ }] },
  { name: 'unknown key in a tier', policy: patch(base, { 'tiers.read-only.max_tll': '1m' }),
    want: [{ path: 'tiers[read-only].max_tll', message: /unknown key/ }] },
  { name: 'wrong type', policy: patch(base, { 'owners.0.active': 'yes' }), want: [{ path: 'owners[team-a].active', message: /boolean/ }] },
  { name: 'bad enum', policy: patch(base, { 'agents.0.status': 'paused' }),
    want: [{ path: 'agents[summarizer].status', message: /one of: active, retired/ }] },
  { name: 'intent index is named by its name', policy: patch(base, { 'agents.0.intents.0.scopes': 'tickets:read' }),
    want: [{ path: 'agents[summarizer].intents[read-tickets].scopes', message: /list/ }] },
  { name: 'bad duration', policy: patch(base, { 'tiers.read-only.max_ttl': '15 minutes' }),
    want: [{ path: 'tiers[read-only].max_ttl', message: /invalid duration/ }] },
  { name: 'bad intent duration', policy: patch(base, { 'agents.0.intents.0.max_ttl': '0m' }),
    want: [{ path: 'agents[summarizer].intents[read-tickets].max_ttl', message: /invalid duration/ }] },
  { name: 'bad anomaly window', policy: patch(base, { 'tiers.read-only.anomalies': { volume: { within: '1x' } } }),
    want: [{ path: 'tiers[read-only].anomalies.volume.within', message: /invalid duration/ }] },
  { name: 'bad rate limit', policy: patch(base, { 'tiers.read-only.rate_limit': { requests: 0, per: '1m' } }),
    want: [{ path: 'tiers[read-only].rate_limit.requests', message: />= 1/ }] },
  { name: 'bad tier scope glob', policy: patch(base, { 'tiers.read-only.scopes': ['tickets read'] }),
    want: [{ path: 'tiers[read-only].scopes[0]', message: /not a valid scope glob/ }] },
  { name: 'bad agent id', policy: patch(base, { 'agents.0.id': 'has space' }), want: [{ path: 'agents[has space].id', message: /letters, digits/ }] },

  // References.
  { name: 'undeclared tier', policy: patch(base, { 'agents.0.tier': 'gold' }),
    want: [{ path: 'agents[summarizer].tier', message: /"gold" is not declared in tiers/ }] },
  { name: 'undeclared owner', policy: patch(base, { 'agents.0.owner': 'team-x' }),
    want: [{ path: 'agents[summarizer].owner', message: /"team-x" is not declared in owners/ }] },
  { name: 'undeclared issuer', policy: patch(base, { 'agents.0.attestation.0.issuer': 'https://nowhere' }),
    want: [{ path: 'agents[summarizer].attestation[0].issuer', message: /not declared in issuers/ }] },

  // Intents.
  { name: 'intent scope exceeds the tier ceiling', policy: patch(base, { 'agents.0.intents.0.scopes': ['tickets:read', 'tickets:write'] }),
    want: [{ path: 'agents[summarizer].intents[read-tickets].scopes[1]', message: /exceeds the ceiling of tier read-only/ }] },
  { name: 'intent scope with a wildcard', policy: patch(base, { 'agents.0.intents.0.scopes': ['tickets:*'] }),
    want: [{ path: 'agents[summarizer].intents[read-tickets].scopes[0]', message: /wildcards are not allowed/ }] },
  { name: 'intent with no scopes', policy: patch(base, { 'agents.0.intents.0.scopes': [] }),
    want: [{ path: 'agents[summarizer].intents[read-tickets].scopes', message: /at least one scope/ }] },
  { name: 'wildcard audience', policy: patch(base, { 'agents.0.intents.0.audience': '*' }),
    want: [{ path: 'agents[summarizer].intents[read-tickets].audience', message: /wildcards are not allowed/ }] },
  { name: 'partial wildcard audience', policy: patch(base, { 'agents.0.intents.0.audience': 'https://*.example' }),
    want: [{ path: 'agents[summarizer].intents[read-tickets].audience', message: /wildcards/ }] },
  { name: 'audience with a quote', policy: patch(base, { 'agents.0.intents.0.audience': 'https://x"y' }),
    want: [{ path: 'agents[summarizer].intents[read-tickets].audience', message: /quotes/ }] },

  // Duplicates.
  { name: 'duplicate owner id', policy: patch(base, { 'owners.1': { id: 'team-a' } }), want: [{ path: 'owners[team-a].id', message: /duplicate owner id/ }] },
  { name: 'duplicate agent id', policy: patch(base, { 'agents.1': rawAgent('summarizer') }),
    want: [{ path: 'agents[summarizer].id', message: /duplicate agent id/ }] },
  { name: 'retired id reused', policy: patch(base, { 'agents.1': rawAgent('summarizer', { status: 'retired' }) }),
    want: [{ path: 'agents[summarizer].id', message: /reuses the id of a retired agent/ }] },
  { name: 'duplicate intent name', policy: patch(base, { 'agents.0.intents.1': { name: 'read-tickets', audience: 'https://b', scopes: ['b:read'] } }),
    want: [{ path: 'agents[summarizer].intents[read-tickets].name', message: /duplicate intent name/ }] },
  { name: 'exclusive_audience is a boolean', policy: patch(base, { 'issuers.0.exclusive_audience': 'yes' }),
    want: [{ path: 'issuers[https://k8s.example].exclusive_audience', message: /boolean/ }] },
  { name: 'duplicate issuer', policy: patch(base, { 'issuers.1': (base.issuers as Raw[])[0] }),
    want: [{ path: 'issuers[https://k8s.example].issuer', message: /duplicate issuer/ }] },
  { name: 'duplicate operator id', policy: patch(base, { operators: [op('carol'), op('carol', { key_sha256: 'b'.repeat(64) })] }),
    want: [{ path: 'operators[carol].id', message: /duplicate operator id/ }] },
  { name: 'operators sharing a key', policy: patch(base, { operators: [op('carol'), op('dave')] }),
    want: [{ path: 'operators[dave].key_sha256', message: /shared/ }] },
  { name: 'duplicate operator issuer', policy: patch(base, { operator_issuers: [opIssuer({}), opIssuer({})] }),
    want: [{ path: 'operator_issuers[https://sso.example].issuer', message: /duplicate/ }] },

  // Private keys.
  { name: 'private JWK inline', policy: patch(base, { 'agents.0.attestation.1': { keys: { keys: [privateJwk] } } }),
    want: [{ path: 'agents[summarizer].attestation[1].keys.keys[0]', message: /private or symmetric key \(has d/ }] },
  { name: 'symmetric JWK anywhere', policy: patch(base, { 'agents.0.description': undefined, 'owners.0.contact': undefined, 'agents.0.attestation.1': { keys: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } } }),
    want: [{ path: 'agents[summarizer].attestation[1].keys.keys[0]', message: /has k/ }] },
  { name: 'PEM private key in any string', policy: patch(base, { 'agents.0.description': '-----BEGIN EC PRIVATE KEY-----\nMHcC...' }),
    want: [{ path: 'agents[summarizer].description', message: /PEM private key/ }] },
  { name: 'private key in a jwks file', policy: patch(base, { 'issuers.0.jwks_uri': undefined, 'issuers.0.jwks_file': 'private.jwks.json' }),
    want: [{ path: 'issuers[https://k8s.example].jwks_file', message: /private or symmetric key/ }] },
  { name: 'symmetric key in a jwks file', policy: patch(base, { 'agents.0.attestation.1': { keys: { jwks_file: 'symmetric.jwks.json' } } }),
    want: [{ path: 'agents[summarizer].attestation[1].keys.jwks_file', message: /private or symmetric key \(has k\)/ }] },

  // JWKS files.
  { name: 'jwks file missing', policy: patch(base, { 'issuers.0.jwks_uri': undefined, 'issuers.0.jwks_file': 'nope.json' }),
    want: [{ path: 'issuers[https://k8s.example].jwks_file', message: /file not found/ }] },
  { name: 'jwks file not a JWKS', policy: patch(base, { 'issuers.0.jwks_uri': undefined, 'issuers.0.jwks_file': 'not-a-jwks.json' }),
    want: [{ path: 'issuers[https://k8s.example].jwks_file', message: /must be a JWKS/ }] },
  { name: 'jwks file with an invalid key', policy: patch(base, { 'agents.0.attestation.1': { keys: { jwks_file: 'bad-key.jwks.json' } } }),
    want: [{ path: 'agents[summarizer].attestation[1].keys.jwks_file', message: /not a valid public key/ }] },
  { name: 'agent keys with both jwks_file and keys', policy: patch(base, { 'agents.0.attestation.1': { keys: { jwks_file: 'agent.jwks.json', keys: [agentJwk] } } }),
    want: [{ path: 'agents[summarizer].attestation[1].keys', message: /exactly one of jwks_file and keys/ }] },
  { name: 'attestation entry mixing issuer and keys', policy: patch(base, { 'agents.0.attestation.0.keys': { keys: [agentJwk] } }),
    want: [{ path: 'agents[summarizer].attestation[0]', message: /not both/ }] },
  { name: 'issuer entry without subject', policy: patch(base, { 'agents.0.attestation.0.subject': undefined }),
    want: [{ path: 'agents[summarizer].attestation[0].subject', message: /required/ }] },

  // Issuers.
  { name: 'issuer allowing none', policy: patch(base, { 'issuers.0.algorithms': ['none'] }),
    want: [{ path: 'issuers[https://k8s.example].algorithms[0]', message: /"none" is never allowed/ }] },
  { name: 'issuer allowing HS256', policy: patch(base, { 'issuers.0.algorithms': ['ES256', 'HS256'] }),
    want: [{ path: 'issuers[https://k8s.example].algorithms[1]', message: /"HS256" is never allowed/ }] },
  { name: 'issuer with an unknown algorithm', policy: patch(base, { 'issuers.0.algorithms': ['ES257'] }),
    want: [{ path: 'issuers[https://k8s.example].algorithms[0]', message: /not supported/ }] },
  { name: 'issuer with no algorithms', policy: patch(base, { 'issuers.0.algorithms': [] }),
    want: [{ path: 'issuers[https://k8s.example].algorithms', message: /at least one/ }] },
  { name: "issuer equal to the STS's own issuer", policy: patch(base, { 'issuers.0.issuer': STS_ISSUER, 'agents.0.attestation.0.issuer': STS_ISSUER }),
    want: [{ path: `issuers[${STS_ISSUER}].issuer`, message: /own issuer/ }] },
  { name: 'both jwks_uri and jwks_file', policy: patch(base, { 'issuers.0.jwks_file': 'issuer.jwks.json' }),
    want: [{ path: 'issuers[https://k8s.example]', message: /exactly one of jwks_uri and jwks_file/ }] },
  { name: 'neither jwks_uri nor jwks_file', policy: patch(base, { 'issuers.1': issuer({}) }),
    want: [{ path: 'issuers[https://ci.example]', message: /exactly one of jwks_uri and jwks_file/ }] },
  { name: 'jwks_uri over plain http', policy: patch(base, { 'issuers.0.jwks_uri': 'http://k8s.example/jwks' }),
    want: [{ path: 'issuers[https://k8s.example].jwks_uri', message: /https/ }] },
  { name: 'jwks_token_file without a jwks_uri', policy: patch(base, { 'issuers.1': issuer({ jwks_file: 'issuer.jwks.json', jwks_token_file: 'issuer.jwks.json' }) }),
    want: [{ path: 'issuers[https://ci.example].jwks_token_file', message: /needs a jwks_uri/ }] },
  { name: 'jwks_uri not a URL', policy: patch(base, { 'issuers.0.jwks_uri': 'k8s jwks' }),
    want: [{ path: 'issuers[https://k8s.example].jwks_uri', message: /not a valid URL/ }] },

  // Separation of duties and dates.
  { name: 'approved_by equals created_by (case-insensitive)', policy: patch(base, { 'agents.0.approved_by': 'Alice@Example.com' }),
    want: [{ path: 'agents[summarizer].approved_by', message: /separation of duties/ }] },
  { name: 'reviewed_at not a date', policy: patch(base, { 'agents.0.reviewed_at': '2026-02-30' }),
    want: [{ path: 'agents[summarizer].reviewed_at', message: /ISO 8601/ }] },
  { name: 'reviewed_at in the future', policy: patch(base, { 'agents.0.reviewed_at': '2026-11-27' }),
    want: [{ path: 'agents[summarizer].reviewed_at', message: /in the future/ }] },

  // Claims.
  { name: 'same issuer, subject and claims claimed by two agents',
    policy: patch(base, { 'agents.1': rawAgent('copycat', { attestation: [{ issuer: 'https://k8s.example', subject: 'system:serviceaccount:agents:summarizer' }] }) }),
    want: [{ path: 'agents[copycat].attestation[0]', message: /already claimed by agent summarizer/ }] },
  { name: 'same claims in another key order and spelling still collide',
    policy: patch(base, {
      'agents.0.attestation.0.claims': { '/kubernetes.io/namespace': 'agents', team: 'x' },
      'agents.1': rawAgent('copycat', { attestation: [{ issuer: 'https://k8s.example', subject: 'system:serviceaccount:agents:summarizer', claims: { team: 'x', '/kubernetes.io/namespace': 'agents' } }] }),
    }),
    want: [{ path: 'agents[copycat].attestation[0]', message: /already claimed/ }] },
  { name: 'array claim binding', policy: patch(base, { 'agents.0.attestation.0.claims': { groups: ['a'] } }),
    want: [{ path: 'agents[summarizer].attestation[0].claims[groups]', message: /string, number or boolean/ }] },
  { name: 'object claim binding', policy: patch(base, { 'agents.0.attestation.0.claims': { '/a': { b: 1 } } }),
    want: [{ path: 'agents[summarizer].attestation[0].claims[/a]', message: /string, number or boolean/ }] },
  { name: 'null claim binding', policy: patch(base, { 'agents.0.attestation.0.claims': { a: null } }),
    want: [{ path: 'agents[summarizer].attestation[0].claims[a]', message: /string, number or boolean/ }] },
  { name: 'bad JSON pointer', policy: patch(base, { 'agents.0.attestation.0.claims': { '/a~2': 'x' } }),
    want: [{ path: 'agents[summarizer].attestation[0].claims[/a~2]', message: /RFC 6901/ }] },

  // Operators (issue 4).
  { name: 'operator key not lower-case hex', policy: patch(base, { operators: [op('carol', { key_sha256: 'A'.repeat(64) })] }),
    want: [{ path: 'operators[carol].key_sha256', message: /64 lower-case hex/ }] },
  { name: 'operator key of the wrong length', policy: patch(base, { operators: [op('carol', { key_sha256: 'abc' })] }),
    want: [{ path: 'operators[carol].key_sha256', message: /64 lower-case hex/ }] },
  { name: 'operator role unknown', policy: patch(base, { operators: [op('carol', { role: 'root' })] }),
    want: [{ path: 'operators[carol].role', message: /one of: auditor, operator, admin/ }] },
  { name: 'operator issuer role unknown', policy: patch(base, { operator_issuers: [opIssuer({ roles: { admins: 'superuser' } })] }),
    want: [{ path: 'operator_issuers[https://sso.example].roles[admins]', message: /one of: auditor, operator, admin/ }] },
  { name: 'operator issuer allowing HS256', policy: patch(base, { operator_issuers: [opIssuer({ algorithms: ['HS256'] })] }),
    want: [{ path: 'operator_issuers[https://sso.example].algorithms[0]', message: /never allowed/ }] },
  { name: 'operator issuer with neither jwks source', policy: patch(base, { operator_issuers: [opIssuer({ jwks_uri: undefined })] }),
    want: [{ path: 'operator_issuers[https://sso.example]', message: /exactly one of jwks_uri and jwks_file/ }] },

  // Delegation.
  { name: 'a user issuer that is also an attestation issuer',
    policy: patch(base, { user_issuers: [{ issuer: 'https://k8s.example', jwks_uri: 'https://k8s.example/jwks', audience: 'agent-sts', algorithms: ['ES256'] }] }),
    want: [{ path: 'user_issuers[https://k8s.example].issuer', message: /also an attestation issuer/ }] },
  { name: 'an operator issuer that is also a people\'s identity provider',
    policy: patch(base, { user_issuers: [{ issuer: 'https://sso.example', jwks_uri: 'https://sso.example/jwks', audience: 'agent-sts', algorithms: ['RS256'] }],
      operator_issuers: [opIssuer({})] }),
    want: [{ path: 'operator_issuers[https://sso.example].issuer', message: /also a people's identity provider/ }] },
  { name: 'an operator issuer that is also a people\'s identity provider, with the same audience',
    policy: patch(base, { user_issuers: [{ issuer: 'https://sso.example', jwks_uri: 'https://sso.example/jwks', audience: 'sts-admin', algorithms: ['RS256'] }],
      operator_issuers: [opIssuer({})] }),
    want: [{ path: 'operator_issuers[https://sso.example].issuer', message: /also a people's identity provider/ }] },
  { name: 'an operator issuer that is also an attestation issuer',
    policy: patch(base, { operator_issuers: [opIssuer({ issuer: 'https://k8s.example', jwks_uri: 'https://k8s.example/jwks' })] }),
    want: [{ path: 'operator_issuers[https://k8s.example].issuer', message: /also an attestation issuer/ }] },
  { name: 'a user issuer allowing HS256',
    policy: patch(base, { user_issuers: [{ issuer: 'https://sso.example', jwks_uri: 'https://sso.example/jwks', audience: 'agent-sts', algorithms: ['HS256'] }] }),
    want: [{ path: 'user_issuers[https://sso.example].algorithms[0]', message: /never allowed/ }] },
  { name: 'serves with a wildcard', policy: patch(base, { 'agents.0.serves': ['https://*.example'] }),
    want: [{ path: 'agents[summarizer].serves[0]', message: /wildcards are not allowed/ }] },
  { name: 'on_behalf_of not one of the three', policy: patch(base, { 'agents.0.intents.0.on_behalf_of': 'sometimes' }),
    want: [{ path: 'agents[summarizer].intents[read-tickets].on_behalf_of', message: /one of: forbidden, allowed, required/ }] },
  { name: 'max_delegation_depth of zero', policy: patch(base, { 'tiers.read-only.max_delegation_depth': 0 }),
    want: [{ path: 'tiers[read-only].max_delegation_depth', message: /./ }] },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const { policy, problems } = validate(c.policy);
    t.equal(policy, null, 'an error stops the policy from loading');
    for (const want of c.want) {
      const found = problems.find((p) => p.severity === 'error' && p.path === want.path && want.message.test(p.message));
      t.ok(found, `error at ${want.path} matching ${want.message}`, { problems });
    }
  });
}

t.test('the base policy has no problems at all', async (t) => {
  const { policy, problems } = validate(basePolicy());
  t.same(problems, []);
  t.ok(policy);
});

t.test('accepted variants', async (t) => {
  const ok: Array<[string, Raw]> = [
    ['http jwks_uri on localhost', patch(base, { 'issuers.0.jwks_uri': 'http://localhost:8080/jwks' })],
    ['http jwks_uri on 127.0.0.1', patch(base, { 'issuers.0.jwks_uri': 'http://127.0.0.1:8080/jwks' })],
    ['jwks_file relative to the policy', patch(base, { 'issuers.0.jwks_uri': undefined, 'issuers.0.jwks_file': 'issuer.jwks.json' })],
    ['absolute jwks_file', patch(base, { 'issuers.0.jwks_uri': undefined, 'issuers.0.jwks_file': join(FIXTURES, 'issuer.jwks.json') })],
    ['agent keys inline', patch(base, { 'agents.0.attestation.1': { keys: { keys: [agentJwk] } } })],
    ['agent keys from a file', patch(base, { 'agents.0.attestation.1': { keys: { jwks_file: 'agent.jwks.json' } } })],
    ['scalar claims of every kind', patch(base, { 'agents.0.attestation.0.claims': { a: 'x', '/b/c': 1, d: true } })],
    ['same subject with different claims', patch(base, {
      'agents.1': rawAgent('other', { attestation: [{ issuer: 'https://k8s.example', subject: 'system:serviceaccount:agents:summarizer', claims: { team: 'b' } }] }),
    })],
    ['operators and operator issuers', patch(base, { operators: [op('carol', { role: 'admin' })], operator_issuers: [opIssuer({})] })],
    ['reviewed_at with a time', patch(base, { 'agents.0.reviewed_at': '2026-10-01T09:30:00+02:00' })],
    ['approved_by differs from created_by', patch(base, { 'agents.0.approved_by': 'alice@example.org' })],
    ['a people identity provider, an intent for people and a tool that serves an audience', patch(base, {
      user_issuers: [{ issuer: 'https://sso.example', jwks_uri: 'https://sso.example/jwks', audience: 'agent-sts', algorithms: ['ES256'], scope_claim: 'scp' }],
      'agents.0.intents.0.on_behalf_of': 'required', 'agents.0.serves': ['https://tickets.example'], 'tiers.read-only.max_delegation_depth': 2,
    })],
  ];
  for (const [name, raw] of ok) {
    const { policy, problems } = validate(raw);
    t.ok(policy, name, { problems });
    t.same(problems.filter((p) => p.severity === 'error'), [], `${name}: no errors`);
  }
});

t.test('a jwks_token_file: resolved against the policy folder; unreadable here is only a warning', async (t) => {
  const readable = validate(patch(base, { 'issuers.0.jwks_token_file': 'issuer.jwks.json' }));
  t.equal(readable.policy?.issuers[0]?.jwksTokenFile, join(FIXTURES, 'issuer.jwks.json'));
  t.same(readable.problems, []);
  const missing = validate(patch(base, { 'issuers.0.jwks_token_file': '/var/run/agent-sts/kube-api/token' }));
  t.ok(missing.policy, 'a policy checked away from the pod still loads');
  t.match(missing.problems, [{ severity: 'warning', path: 'issuers[https://k8s.example].jwks_token_file', message: /cannot be read here \(ENOENT\)/ }]);
});

t.test('every problem is listed in one run', async (t) => {
  const raw = patch(base, {
    'agents.0.tier': 'gold',
    'agents.0.approved_by': 'alice@example.com',
    'agents.0.colour': 'red',
    'issuers.0.algorithms': ['none'],
    'agents.1': rawAgent('second', { owner: 'team-x', intents: [{ name: 'w', audience: '*', scopes: ['tickets:write'] }] }),
  });
  const paths = validate(raw).problems.filter((p) => p.severity === 'error').map((p) => p.path).sort();
  t.same(paths, [
    'agents[second].intents[w].audience',
    'agents[second].intents[w].scopes[0]',
    'agents[second].owner',
    'agents[summarizer].approved_by',
    'agents[summarizer].colour',
    'agents[summarizer].tier',
    'issuers[https://k8s.example].algorithms[0]',
  ]);
});
