/** diffPolicies: what each agent gains and loses, and whether anything widened. */
import t, { type Test } from 'tap';
import { diffPolicies } from '../../src/policy/index.js';
import { basePolicy, compileRaw, fixtureJwks, NOW, patch, rawAgent, STS_ISSUER, type Raw } from './build.js';

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

/** Both directions of one change: narrow -> wide reports `widening` and widens; wide -> narrow reports `narrowing` and does not. */
function bothWays(t: Test, narrow: unknown, wide: unknown, subject: string, widening: string[], narrowing: string[]) {
  const up = diffPolicies(compileRaw(narrow), compileRaw(wide), NOW);
  t.same(changes(up, subject), widening);
  t.equal(up.widened, true, 'widened');
  const down = diffPolicies(compileRaw(wide), compileRaw(narrow), NOW);
  t.same(changes(down, subject), narrowing);
  t.equal(down.widened, false, 'not widened');
}

t.test('dropping the tier\'s sender_constraint widens; requiring DPoP narrows', async (t) => {
  bothWays(t, patch(basePolicy(), { 'tiers.read-only.sender_constraint': 'dpop' }), basePolicy(), 'summarizer',
    ['+ sender_constraint dpop -> none'], ['- sender_constraint none -> dpop']);
});

t.test('moving to a tier without DPoP widens through the sender constraint alone', async (t) => {
  const raw = patch(basePolicy(), { 'tiers.transactional.scopes': ['*:read'], 'tiers.transactional.max_ttl': '15m', 'tiers.read-only.sender_constraint': 'dpop' });
  const d = diffPolicies(compileRaw(raw), compileRaw(patch(raw, { 'agents.0.tier': 'transactional' })), NOW);
  t.same(changes(d, 'summarizer'), ['~ tier read-only -> transactional', '+ sender_constraint dpop -> none']);
  t.equal(d.widened, true);
});

t.test('a deeper max_delegation_depth widens; a shallower one narrows', async (t) => {
  bothWays(t, basePolicy(), patch(basePolicy(), { 'tiers.read-only.max_delegation_depth': 3 }), 'summarizer',
    ['+ max_delegation_depth 1 -> 3'], ['- max_delegation_depth 3 -> 1']);
});

t.test('on_behalf_of widens when an intent gains a use (own work or people\'s), narrows when it only loses one', async (t) => {
  const withMode = (mode: string) => patch(basePolicy(), { 'agents.0.intents.0.on_behalf_of': mode });
  const cases: Array<[from: string, to: string]> = [['forbidden', 'allowed'], ['required', 'allowed']];
  for (const [from, to] of cases) {
    t.test(`${from} -> ${to}`, async (t) => {
      bothWays(t, withMode(from), withMode(to), 'summarizer',
        [`+ intent read-tickets on_behalf_of ${from} -> ${to}`], [`- intent read-tickets on_behalf_of ${to} -> ${from}`]);
    });
  }
  t.test('required -> forbidden trades acting for people for acting alone: both directions widen', async (t) => {
    for (const [from, to] of [['required', 'forbidden'], ['forbidden', 'required']] as const) {
      const d = diffPolicies(compileRaw(withMode(from)), compileRaw(withMode(to)), NOW);
      t.same(changes(d, 'summarizer'), [`+ intent read-tickets on_behalf_of ${from} -> ${to}`]);
      t.equal(d.widened, true);
    }
  });
  t.test('a new intent that acts for people widens even when its scopes are not new', async (t) => {
    const extra = { name: 'read-for-people', audience: 'https://tickets.example', scopes: ['tickets:read'], on_behalf_of: 'allowed' };
    bothWays(t, basePolicy(), patch(basePolicy(), { 'agents.0.intents.1': extra }), 'summarizer',
      ['+ intent read-for-people acts for people (on_behalf_of allowed)'], ['- intent read-for-people no longer acts for people (removed)']);
  });
});

t.test('a new audience served widens; one no longer served narrows', async (t) => {
  bothWays(t, patch(basePolicy(), { 'agents.0.serves': ['https://tickets.example'] }),
    patch(basePolicy(), { 'agents.0.serves': ['https://tickets.example', 'https://kb.example'] }), 'summarizer',
    ['+ serves https://kb.example: receives delegated tokens there and may exchange them onward'], ['- no longer serves https://kb.example']);
});

t.test('introspects: every audience or one more widens, fewer narrows; the list alone grants nothing', async (t) => {
  const rs = (extra: Raw = {}, scope = 'sts:introspect') => patch(basePolicy(), {
    'tiers.resource': { scopes: ['sts:*'], max_ttl: '5m', review_every: '90d' },
    'agents.1': rawAgent('gateway', { tier: 'resource', intents: [{ name: 'introspect', audience: STS_ISSUER, scopes: [scope] }], ...extra }),
  });
  bothWays(t, rs({ introspects: ['https://tickets.example'] }), rs({ introspects: ['https://tickets.example', 'https://kb.example'] }), 'gateway',
    ['+ introspects tokens for https://kb.example'], ['- no longer introspects tokens for https://kb.example']);
  bothWays(t, rs({ introspects: ['https://tickets.example'] }), rs(), 'gateway',
    ['+ introspects tokens for every audience (was only https://tickets.example)'], ['- introspects tokens for only https://tickets.example (was every audience)']);
  const listOnly = patch(basePolicy(), { 'agents.0.introspects': ['https://tickets.example'] });
  t.same(diffPolicies(before, compileRaw(patch(listOnly, { 'agents.1': rawAgent('reader'), 'agents.2': rawAgent('orphan', { owner: 'team-gone' }) })), NOW).agents, [],
    'without sts:introspect the list has no effect');
  const gained = diffPolicies(compileRaw(rs({}, 'sts:read')), compileRaw(rs()), NOW);
  t.same(changes(gained, 'gateway'), [`+ scope sts:introspect for ${STS_ISSUER}`, `- scope sts:read for ${STS_ISSUER}`, '+ introspects tokens for every audience'],
    'gaining sts:introspect with no list reaches every audience');
});

t.test('user_issuers: a new one and a lifted max_age widen; removing them narrows', async (t) => {
  const person = { issuer: 'https://login.example', jwks_uri: 'https://login.example/jwks', audience: 'agent-sts', algorithms: ['ES256'], max_age: '10m' };
  const withPeople = patch(basePolicy(), { user_issuers: [person] });
  const added = diffPolicies(compileRaw(basePolicy()), compileRaw(withPeople), NOW);
  t.equal(added.widened, true);
  t.match(added.issuers, [{ subject: 'user issuer https://login.example', status: 'added', changes: [{ sign: '+', what: 'keys from: (none) -> https://login.example/jwks' }] }]);
  const removed = diffPolicies(compileRaw(withPeople), compileRaw(basePolicy()), NOW);
  t.equal(removed.widened, false);
  t.match(removed.issuers, [{ subject: 'user issuer https://login.example', status: 'removed' }]);
  t.ok(removed.issuers[0]?.changes.every((c) => c.sign === '-'));
  bothWays(t, withPeople, patch(withPeople, { 'user_issuers.0.max_age': undefined }), 'user issuer https://login.example',
    ['+ max_age: 10m -> none'], ['- max_age: none -> 10m']);
});

t.test('an attestation issuer without exclusive_audience widens: a token minted for several audiences passes', async (t) => {
  bothWays(t, patch(basePolicy(), { 'issuers.0.exclusive_audience': true }), basePolicy(), 'issuer https://k8s.example',
    ['+ exclusive_audience: true -> false'], ['- exclusive_audience: false -> true']);
});

t.test('renaming an intent cannot hide a longer lifetime for the same audience', async (t) => {
  const reader = (name: string, maxTtl?: string) => compileRaw(patch(basePolicy(), {
    'agents.1': rawAgent('reader', { intents: [{ name, audience: 'https://tickets.example', scopes: ['tickets:read'], ...(maxTtl ? { max_ttl: maxTtl } : {}) }] }),
    'agents.2': rawAgent('orphan', { owner: 'team-gone' }),
  }));
  const renamedLonger = diffPolicies(reader('read-tickets', '5m'), reader('read-tickets-v2'), NOW);
  t.equal(renamedLonger.widened, true);
  t.same(changes(renamedLonger, 'reader'), ['+ tickets:read for https://tickets.example: token lifetime 5m -> 15m (intents renamed or scopes moved)']);
  const renamedSame = diffPolicies(reader('read-tickets', '5m'), reader('read-tickets-v2', '5m'), NOW);
  t.same(changes(renamedSame, 'reader'), [], 'a rename alone changes nothing');
  t.equal(renamedSame.widened, false);
  const renamedShorter = diffPolicies(reader('read-tickets'), reader('read-tickets-v2', '5m'), NOW);
  t.equal(renamedShorter.widened, false, 'a shorter lifetime under a new name does not widen');
  t.same(changes(renamedShorter, 'reader'), ['- tickets:read for https://tickets.example: token lifetime 15m -> 5m (intents renamed or scopes moved)']);
});

t.test('a scope moved to a longer-lived intent, or renamed beside one, widens', async (t) => {
  const reader = (intents: Array<Record<string, unknown>>) => compileRaw(patch(basePolicy(), {
    'agents.1': rawAgent('reader', { intents }),
    'agents.2': rawAgent('orphan', { owner: 'team-gone' }),
  }));
  const tickets = (name: string, ttl: string, scopes = ['tickets:read']) => ({ name, audience: 'https://tickets.example', scopes, max_ttl: ttl });
  const before = reader([tickets('read-tickets', '5m'), tickets('read-comments', '15m', ['comments:read'])]);
  const renamedBeside = diffPolicies(before, reader([tickets('read-tickets-v2', '15m'), tickets('read-comments', '15m', ['comments:read'])]), NOW);
  t.equal(renamedBeside.widened, true, 'renamed, as long-lived as another intent of the audience');
  t.same(changes(renamedBeside, 'reader'), ['+ tickets:read for https://tickets.example: token lifetime 5m -> 15m (intents renamed or scopes moved)']);
  const moved = diffPolicies(before, reader([tickets('read-comments', '15m', ['comments:read', 'tickets:read'])]), NOW);
  t.equal(moved.widened, true, 'the scope moved into the longer-lived intent');
  t.same(changes(moved, 'reader'), ['+ tickets:read for https://tickets.example: token lifetime 5m -> 15m (intents renamed or scopes moved)']);
  const kept = diffPolicies(before, reader([tickets('read-tickets', '15m'), tickets('read-comments', '15m', ['comments:read'])]), NOW);
  t.same(changes(kept, 'reader'), ['+ intent read-tickets token lifetime 5m -> 15m'], 'a kept intent says it once');
});
