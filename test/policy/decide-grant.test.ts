/** decideGrant: every branch, and the order intent -> audience -> scope. */
import t from 'tap';
import { decideGrant, type Agent, type GrantDecision, type Tier } from '../../src/policy/index.js';

const tier: Tier = { name: 'read-only', scopes: ['*:read'], maxTtlMs: 15 * 60_000, reviewEveryMs: 180 * 86_400_000, anomalies: {} };
const agent: Agent = {
  id: 'summarizer',
  owner: 'team-a',
  tier: 'read-only',
  createdBy: 'alice',
  approvedBy: 'bob',
  reviewedAt: '2026-10-01',
  reviewedAtMs: Date.UTC(2026, 9, 1),
  status: 'active',
  attestation: [],
  intents: [
    { name: 'summarize', audience: 'https://tickets', scopes: ['tickets:read', 'comments:read'], maxTtlMs: 10 * 60_000 },
    { name: 'search', audience: 'https://search', scopes: ['search:read'] },
    { name: 'search-all', audience: 'https://search', scopes: ['search:read', 'index:read'], maxTtlMs: 2 * 3_600_000 },
    // Only reachable if the ceiling check were skipped: validation forbids it, decideGrant double-checks.
    { name: 'sneaky', audience: 'https://admin', scopes: ['admin:write'] },
  ],
};

type Input = { audience: string; scopes?: string[]; intent?: string };
interface Case { name: string; input: Input; want: Partial<GrantDecision> & { intentName?: string }; description?: RegExp }

const cases: Case[] = [
  // Named intent.
  { name: 'named intent, default scopes', input: { intent: 'summarize', audience: 'https://tickets' },
    want: { ok: true, scopes: ['tickets:read', 'comments:read'], ttlMs: 10 * 60_000, intentName: 'summarize' } },
  { name: 'named intent, subset of scopes, de-duplicated', input: { intent: 'summarize', audience: 'https://tickets', scopes: ['tickets:read', 'tickets:read'] },
    want: { ok: true, scopes: ['tickets:read'] } },
  { name: 'unknown intent', input: { intent: 'delete-all', audience: 'https://tickets' },
    want: { ok: false, error: 'invalid_request', reason: 'intent' }, description: /unknown intent 'delete-all'.*summarize, search/ },
  // RFC 3986 §6.2.3: an empty http(s) path is "/" (what new URL('https://tickets').href gives).
  { name: 'named intent, audience with the root path spelled out', input: { intent: 'summarize', audience: 'https://tickets/' },
    want: { ok: true, intentName: 'summarize' } },
  { name: 'no intent named, audience with the root path spelled out', input: { audience: 'https://tickets/' },
    want: { ok: true, intentName: 'summarize' } },
  { name: 'a longer path is another audience', input: { intent: 'summarize', audience: 'https://tickets/x' },
    want: { ok: false, error: 'invalid_target', reason: 'audience' } },
  { name: 'a query is another audience', input: { audience: 'https://tickets/?a' },
    want: { ok: false, error: 'invalid_target', reason: 'audience' } },
  { name: 'named intent, wrong audience', input: { intent: 'summarize', audience: 'https://search' },
    want: { ok: false, error: 'invalid_target', reason: 'audience' }, description: /does not grant audience 'https:\/\/search'/ },
  { name: 'named intent, scope not in the intent', input: { intent: 'summarize', audience: 'https://tickets', scopes: ['tickets:read', 'search:read'] },
    want: { ok: false, error: 'invalid_scope', reason: 'scope' }, description: /does not grant 'search:read'/ },
  { name: 'named intent, scope beyond the tier ceiling', input: { intent: 'sneaky', audience: 'https://admin' },
    want: { ok: false, error: 'invalid_scope', reason: 'scope' }, description: /admin:write/ },
  // Order: intent before audience before scope.
  { name: 'unknown intent wins over a bad audience and scope', input: { intent: 'nope', audience: 'https://x', scopes: ['x:write'] },
    want: { ok: false, error: 'invalid_request', reason: 'intent' } },
  { name: 'bad audience wins over a bad scope', input: { intent: 'summarize', audience: 'https://x', scopes: ['x:write'] },
    want: { ok: false, error: 'invalid_target', reason: 'audience' } },

  // Intent inferred.
  { name: 'inferred: exactly one intent for the audience', input: { audience: 'https://tickets' },
    want: { ok: true, intentName: 'summarize', scopes: ['tickets:read', 'comments:read'] } },
  { name: 'inferred: scopes pick one of several', input: { audience: 'https://search', scopes: ['index:read'] },
    want: { ok: true, intentName: 'search-all', scopes: ['index:read'] } },
  { name: 'inferred: several intents match', input: { audience: 'https://search', scopes: ['search:read'] },
    want: { ok: false, error: 'invalid_request', reason: 'intent' }, description: /several intents match \(search, search-all\)/ },
  { name: 'inferred: several intents match with no scopes', input: { audience: 'https://search' },
    want: { ok: false, error: 'invalid_request', reason: 'intent' } },
  { name: 'inferred: no intent has the audience', input: { audience: 'https://elsewhere', scopes: ['x:write'] },
    want: { ok: false, error: 'invalid_target', reason: 'audience' }, description: /no intent of agent summarizer grants audience/ },
  { name: 'inferred: audience granted but not the scopes', input: { audience: 'https://tickets', scopes: ['tickets:write'] },
    want: { ok: false, error: 'invalid_scope', reason: 'scope' }, description: /'tickets:write'/ },
  { name: 'inferred: ceiling enforced too', input: { audience: 'https://admin' },
    want: { ok: false, error: 'invalid_scope', reason: 'scope' } },

  // Lifetime.
  { name: 'ttl: tier max when the intent has none', input: { intent: 'search', audience: 'https://search' }, want: { ok: true, ttlMs: 15 * 60_000 } },
  { name: 'ttl: intent max when shorter', input: { intent: 'summarize', audience: 'https://tickets' }, want: { ok: true, ttlMs: 10 * 60_000 } },
  { name: 'ttl: tier max when the intent is longer', input: { intent: 'search-all', audience: 'https://search' }, want: { ok: true, ttlMs: 15 * 60_000 } },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const got = decideGrant({ agent, tier, ...c.input });
    const { intentName, scopes, ...want } = c.want as Case['want'] & { scopes?: string[] };
    t.match(got, want);
    if (scopes !== undefined) t.same(got.ok && got.scopes, scopes, 'exact scopes');
    if (intentName !== undefined) t.equal(got.ok && got.intent.name, intentName);
    if (c.description !== undefined) t.match(!got.ok && got.description, c.description);
  });
}

t.test('ttl never exceeds 1 hour whatever the policy says', async (t) => {
  const longTier: Tier = { ...tier, maxTtlMs: 5 * 3_600_000 };
  const got = decideGrant({ agent, tier: longTier, intent: 'search-all', audience: 'https://search' });
  t.match(got, { ok: true, ttlMs: 3_600_000 });
});

t.test('descriptions never echo unsafe input (RFC 6749 §5.2 character set)', async (t) => {
  const got = decideGrant({ agent, tier, intent: 'x"\\\n<script>', audience: 'https://tickets' });
  t.match(got, { ok: false, error: 'invalid_request' });
  const description = got.ok ? '' : got.description;
  t.notMatch(description, /["\\\n]/);
  t.match(description, /value not shown/);
  const scoped = decideGrant({ agent, tier, audience: 'https://tickets', scopes: ['a"b'] });
  t.notMatch(scoped.ok ? '' : scoped.description, /"/);
});

t.test('descriptions name only this agent', async (t) => {
  const other: Agent = { ...agent, id: 'other', intents: [{ name: 'secret-intent', audience: 'https://secret', scopes: ['secret:read'] }] };
  void other; // another agent exists in the policy; decideGrant sees only the requesting agent
  const got = decideGrant({ agent, tier, audience: 'https://secret' });
  t.notMatch(got.ok ? '' : got.description, /secret-intent|other/);
});

t.test('decideGrant does not mutate its input', async (t) => {
  const scopes = ['tickets:read', 'tickets:read'];
  decideGrant({ agent, tier, audience: 'https://tickets', scopes });
  t.same(scopes, ['tickets:read', 'tickets:read']);
});
