/** diffPolicies: what each agent gains and loses, and whether anything widened. */
import t from 'tap';
import { diffPolicies } from '../../src/policy/index.js';
import { basePolicy, compileRaw, fixtureJwks, NOW, patch, rawAgent } from './build.js';

const before = compileRaw(patch(basePolicy(), { 'agents.1': rawAgent('reader'), 'agents.2': rawAgent('orphan', { owner: 'team-gone' }) }));
const changes = (d: ReturnType<typeof diffPolicies>, subject: string) => d.agents.concat(d.issuers, d.operators).find((s) => s.subject === subject)?.changes.map((c) => `${c.sign} ${c.what}`) ?? [];

t.test('identical policies: nothing changed, nothing widened', async (t) => {
  const d = diffPolicies(before, before, NOW);
  t.same(d, { agents: [], issuers: [], operators: [], widened: false });
});

t.test('a new scope, a longer lifetime and a revived agent widen; a lost scope narrows', async (t) => {
  const after = compileRaw(patch(basePolicy(), {
    'agents.0.tier': 'transactional',
    'agents.0.intents.0.scopes': ['tickets:read', 'tickets:write'],
    'agents.1': rawAgent('reader', { intents: [{ name: 'read-tickets', audience: 'https://tickets.example', scopes: ['tickets:read'], max_ttl: '30m' }] }),
    'agents.2': rawAgent('orphan'),
  }));
  const d = diffPolicies(before, after, NOW);
  t.equal(d.widened, true);
  t.same(changes(d, 'summarizer'), ['~ tier read-only -> transactional', '+ scope tickets:write for https://tickets.example', '- intent read-tickets token lifetime 15m -> 5m']);
  t.same(changes(d, 'reader'), []);
  t.same(changes(d, 'orphan'), ['+ refused (it is orphaned: its owner is missing or inactive) -> may get tokens']);
});

t.test('a lifetime capped by the tier does not widen when only the intent asks for more', async (t) => {
  const after = compileRaw(patch(basePolicy(), {
    'agents.1': rawAgent('reader', { intents: [{ name: 'read-tickets', audience: 'https://tickets.example', scopes: ['tickets:read'], max_ttl: '30m' }] }),
    'agents.2': rawAgent('orphan', { owner: 'team-gone' }),
  }));
  const d = diffPolicies(before, after, NOW);
  t.equal(d.widened, false, 'the read-only tier still caps it at 15m');
});

t.test('removing access only narrows: exit code stays clean', async (t) => {
  const after = compileRaw(patch(basePolicy(), { 'agents.1': rawAgent('orphan', { owner: 'team-gone' }) }));
  const d = diffPolicies(before, after, NOW);
  t.equal(d.widened, false);
  t.match(d.agents.find((a) => a.subject === 'reader'), { status: 'removed', changes: [{ sign: '-', what: 'scope tickets:read for https://tickets.example' }] });
});

t.test('a new way to authenticate, reusable attestations and a raised role widen', async (t) => {
  const agentJwk = (fixtureJwks('agent.jwks.json').keys as unknown[])[0];
  const withOps = (role: string, singleUse: boolean, extra: Record<string, unknown> = {}) => compileRaw(patch(basePolicy(), {
    'issuers.0.single_use': singleUse,
    operators: [{ id: 'ann', role, key_sha256: 'a'.repeat(64) }],
    ...extra,
  }));
  const d = diffPolicies(withOps('auditor', true), withOps('operator', false, { 'agents.0.attestation.1': { keys: { keys: [agentJwk] } } }), NOW);
  t.equal(d.widened, true);
  t.match(changes(d, 'summarizer')[0], /^\+ authenticates by key [A-Za-z0-9_-]{43}$/);
  t.same(changes(d, 'issuer https://k8s.example'), ['+ single_use: true -> false']);
  t.same(changes(d, 'operator ann'), ['+ role: auditor -> operator']);
  const down = diffPolicies(withOps('admin', false), withOps('auditor', true), NOW);
  t.equal(down.widened, false);
  t.same(changes(down, 'operator ann'), ['- role: admin -> auditor']);
});
