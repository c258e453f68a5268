/** explainDecision: the decision and its steps come from the deciding code, in the token path's order. */
import t from 'tap';
import { decideGrant, explainDecision } from '../../src/policy/index.js';
import { agent as fixtureAgent, compiled as fixturePolicy, NOW_MS as FIXTURE_NOW, tier as fixtureTier } from '../metrics/policy-fixture.js';
import { basePolicy, compileRaw, DAY, NOW, patch, rawAgent } from './build.js';

const compiled = compileRaw(
  patch(basePolicy(), {
    'agents.0.intents': [
      { name: 'read-tickets', audience: 'https://tickets.example', scopes: ['tickets:read', 'tickets-meta:read'], max_ttl: '10m' },
      { name: 'search-tickets', audience: 'https://tickets.example', scopes: ['tickets:read', 'search:read'] },
    ],
    'agents.1': rawAgent('orphan', { owner: 'team-gone' }),
    'agents.2': rawAgent('retired-pending', { status: 'retired', approved_by: undefined }),
  }),
);
const step = (e: ReturnType<typeof explainDecision>, name: string) => e.steps.find((s) => s.step === name);

t.test('an issued grant: intent, audience, scopes and which limit set the TTL', async (t) => {
  const e = explainDecision(compiled, { agentId: 'summarizer', audience: 'https://tickets.example', intent: 'read-tickets', nowMs: NOW, suspension: null });
  t.equal(e.decision, 'issue');
  t.same(e.grant, { intent: 'read-tickets', audience: 'https://tickets.example', scopes: ['tickets:read', 'tickets-meta:read'], ttl_seconds: 600 });
  t.match(step(e, 'ttl')?.detail, /10m, set by intent read-tickets max_ttl/);
  t.same(e.steps.map((s) => s.step), ['agent', 'sender_constraint', 'pending', 'retired', 'orphaned', 'review_overdue', 'suspended', 'intent', 'audience', 'scope', 'ttl']);
  t.ok(e.steps.every((s) => s.outcome === 'pass'));
  t.equal(e.suspension_unknown, false);
  const tierTtl = explainDecision(compiled, { agentId: 'summarizer', audience: 'https://tickets.example', intent: 'search-tickets', scopes: ['tickets:read'], nowMs: NOW });
  t.match(step(tierTtl, 'ttl')?.detail, /15m, set by tier read-only max_ttl/);
});

t.test('a scope the intent does not list is named with the rule that removes it', async (t) => {
  const e = explainDecision(compiled, { agentId: 'summarizer', audience: 'https://tickets.example', intent: 'read-tickets', scopes: ['tickets:read', 'tickets:write'], nowMs: NOW, suspension: null });
  t.equal(e.decision, 'refuse');
  t.equal(e.error, 'invalid_scope');
  t.equal(e.reason, 'scope');
  t.same(e.scopes.map((s) => [s.scope, s.granted]), [['tickets:read', true], ['tickets:write', false]]);
  t.match(e.scopes[1]?.rule, /not in intent read-tickets/);
  t.match(e.scopes[0]?.rule, /within the tier ceiling by \*:read/);
  // The same verdict the token path gets from decideGrant.
  const agent = compiled.agentsById.get('summarizer')!;
  const direct = decideGrant({ agent, tier: compiled.policy.tiers['read-only']!, audience: 'https://tickets.example', intent: 'read-tickets', scopes: ['tickets:read', 'tickets:write'] });
  t.same({ ok: direct.ok, description: direct.ok ? null : direct.description }, { ok: false, description: e.description });
});

t.test('a scope outside the tier ceiling (a policy validation would also flag) names the ceiling', async (t) => {
  const p = fixturePolicy([fixtureAgent('a')], [{ ...fixtureTier('standard'), scopes: ['orders:*'] }]);
  const e = explainDecision(p, { agentId: 'a', audience: 'https://billing.example', nowMs: FIXTURE_NOW, suspension: null });
  t.match(e, { decision: 'refuse', reason: 'scope' });
  t.match(e.scopes, [{ scope: 'billing:read', granted: false, rule: /outside the standard tier ceiling \(orders:\*\)/ }]);
});

t.test('the first refusal in the token path order answers; later steps are still explained', async (t) => {
  const orphan = explainDecision(compiled, { agentId: 'orphan', audience: 'https://tickets.example', nowMs: NOW, suspension: null });
  t.equal(orphan.decision, 'refuse');
  t.equal(orphan.reason, 'orphaned');
  t.equal(orphan.error, 'invalid_request');
  t.match(orphan.description, /orphaned: its owner is missing or inactive/);
  t.equal(step(orphan, 'orphaned')?.outcome, 'fail');
  t.equal(step(orphan, 'intent')?.outcome, 'pass', 'the grant it would get once fixed');
  const both = explainDecision(compiled, { agentId: 'retired-pending', audience: 'https://tickets.example', grant: 'client_credentials', nowMs: NOW, suspension: null });
  t.equal(both.reason, 'pending', 'pending is checked before retired, as the token path does');
  t.equal(both.error, 'unauthorized_client');
});

t.test('suspension: refused when known, flagged unknown offline', async (t) => {
  const live = explainDecision(compiled, { agentId: 'summarizer', audience: 'https://tickets.example', intent: 'read-tickets', nowMs: NOW, suspension: { by: 'carol', reason: 'leak', atMs: NOW } });
  t.equal(live.decision, 'refuse');
  t.equal(live.reason, 'suspended');
  t.match(step(live, 'suspended')?.detail, /carol.*leak/);
  const offline = explainDecision(compiled, { agentId: 'summarizer', audience: 'https://tickets.example', intent: 'read-tickets', nowMs: NOW });
  t.equal(offline.decision, 'issue');
  t.equal(offline.suspension_unknown, true);
  t.equal(step(offline, 'suspended')?.outcome, 'unknown');
});

t.test('--at: governance at another instant', async (t) => {
  const later = explainDecision(compiled, { agentId: 'summarizer', audience: 'https://tickets.example', intent: 'read-tickets', nowMs: Date.parse('2026-10-01') + 181 * DAY, suspension: null });
  t.equal(later.reason, 'review_overdue');
  t.match(step(later, 'review_overdue')?.detail, /review was due 2027-03-30/);
});

t.test('unknown agent, unknown intent, wrong audience', async (t) => {
  t.match(explainDecision(compiled, { agentId: 'nobody', audience: 'x', nowMs: NOW }), { decision: 'refuse', reason: 'no_agent', suspension_unknown: false });
  const intent = explainDecision(compiled, { agentId: 'summarizer', audience: 'https://tickets.example', intent: 'fly', nowMs: NOW, suspension: null });
  t.match(intent, { reason: 'intent', error: 'invalid_request' });
  t.same(intent.steps.slice(-4).map((s) => s.outcome), ['fail', 'skipped', 'skipped', 'skipped']);
  const audience = explainDecision(compiled, { agentId: 'summarizer', audience: 'https://other', intent: 'read-tickets', nowMs: NOW, suspension: null });
  t.match(audience, { reason: 'audience', error: 'invalid_target' });
});

t.test('a tier that binds its tokens: the DPoP proof is checked first, before the agent\'s standing', async (t) => {
  const bound = compileRaw(patch(basePolicy(), {
    'tiers.read-only.sender_constraint': 'dpop',
    'agents.1': rawAgent('orphan', { owner: 'team-gone' }),
  }));
  const ask = (agentId: string, dpop?: boolean) => explainDecision(bound, {
    agentId, audience: 'https://tickets.example', nowMs: NOW, suspension: null, ...(dpop === undefined ? {} : { dpop }),
  });
  const unsaid = ask('summarizer');
  t.equal(unsaid.decision, 'issue', 'not said: the requirement is shown, not assumed');
  t.match(step(unsaid, 'sender_constraint'), { outcome: 'unknown', detail: /only bound to a key: the request must carry a DPoP proof/ });
  t.match(step(ask('summarizer', true), 'sender_constraint'), { outcome: 'pass' });
  const without = ask('summarizer', false);
  t.match(without, { decision: 'refuse', error: 'invalid_dpop_proof', reason: 'dpop' });
  t.equal(step(without, 'sender_constraint')?.outcome, 'fail');
  t.match(ask('orphan', false), { reason: 'dpop' }, 'the proof answers before the orphaned owner, as at the token endpoint');
  t.match(step(explainDecision(compiled, { agentId: 'summarizer', audience: 'https://tickets.example', nowMs: NOW, dpop: false }), 'sender_constraint'),
    { outcome: 'pass', detail: /does not require a DPoP proof: a bearer token/ });
});

t.test('a delegated request: the person\'s scopes, the chain depth and the person\'s token\'s life are explained', async (t) => {
  const delegating = compileRaw(patch(basePolicy(), {
    'agents.0.intents': [
      { name: 'read-for-people', audience: 'https://tickets.example', scopes: ['tickets:read', 'tickets-meta:read'], max_ttl: '10m', on_behalf_of: 'required' },
    ],
  }));
  const ask = (extra: Partial<Parameters<typeof explainDecision>[1]>) => explainDecision(delegating, {
    agentId: 'summarizer', audience: 'https://tickets.example', nowMs: NOW, suspension: null, ...extra,
  });
  const alone = ask({});
  t.match(alone, { decision: 'refuse', reason: 'delegation' }, 'an on_behalf_of: required intent without a person');

  const narrowed = ask({ onBehalfOf: { scopes: ['tickets:read'], remainingMs: 120_000 } });
  t.match(narrowed, { decision: 'issue', grant: { scopes: ['tickets:read'], ttl_seconds: 120 } });
  t.match(step(narrowed, 'delegation'), { outcome: 'pass', detail: /may delegate: tickets:read; the chain passes through 1 agent\(s\), tier read-only allows 1/ });
  t.match(narrowed.scopes, [{ scope: 'tickets:read', granted: true }, { scope: 'tickets-meta:read', granted: false, rule: /person's token does not carry it/ }]);
  t.match(step(narrowed, 'ttl')?.detail, /2m, set by the person's token's remaining life/);

  const nothing = ask({ onBehalfOf: { scopes: ['mail:read'] } });
  t.match(nothing, { decision: 'refuse', error: 'invalid_scope', reason: 'scope', description: /the person does not have/ });
  t.match(step(nothing, 'intent'), { outcome: 'pass', detail: /read-for-people/ }, 'a step that passed says what it found');
  t.match(step(nothing, 'audience'), { outcome: 'pass', detail: /read-for-people grants https:\/\/tickets.example/ });
  t.match(step(nothing, 'ttl'), { outcome: 'skipped', detail: /refused at the scope step/ });

  const deep = ask({ onBehalfOf: { scopes: ['tickets:read'], depth: 2 } });
  t.match(deep, { decision: 'refuse', reason: 'delegation', description: /would pass through 2 agents; tier read-only allows 1/ });
  t.equal(step(deep, 'delegation')?.outcome, 'fail');
});
