/** Governance violations (loaded, but the agent gets no tokens) and warnings. */
import t from 'tap';
import { formatProblems } from '../../src/policy/index.js';
import { basePolicy, DAY, NOW, patch, validate, type Raw } from './build.js';

interface Case { name: string; policy: Raw; nowMs?: number; want: Array<{ severity: 'violation' | 'warning'; path: string; message: RegExp }> }

const base = basePolicy();
// read-only reviews every 180d: reviewed 2026-10-01 is due 2027-03-30.
const due = Date.UTC(2026, 9, 1) + 180 * DAY;

const cases: Case[] = [
  { name: 'pending: no approved_by', policy: patch(base, { 'agents.0.approved_by': undefined }),
    want: [{ severity: 'violation', path: 'agents[summarizer].approved_by', message: /awaits creation review/ }] },
  { name: 'orphaned: owner inactive', policy: patch(base, { 'agents.0.owner': 'team-gone' }),
    want: [{ severity: 'violation', path: 'agents[summarizer].owner', message: /orphaned/ }] },
  { name: 'review overdue', policy: base, nowMs: due + 1,
    want: [{ severity: 'violation', path: 'agents[summarizer].reviewed_at', message: /review was due 2027-03-30/ }] },
  { name: 'review overdue under a stricter tier', policy: patch(base, { 'agents.0.tier': 'transactional', 'agents.0.reviewed_at': '2026-08-01' }),
    want: [{ severity: 'violation', path: 'agents[summarizer].reviewed_at', message: /every 90d/ }] },
  { name: 'review due within 14 days', policy: base, nowMs: due - 14 * DAY,
    want: [{ severity: 'warning', path: 'agents[summarizer].reviewed_at', message: /due soon, on 2027-03-30/ }] },
  { name: 'tier max_ttl over 1h is capped', policy: patch(base, { 'tiers.read-only.max_ttl': '2h' }),
    want: [{ severity: 'warning', path: 'tiers[read-only].max_ttl', message: /capped/ }] },
  { name: 'intent max_ttl over 1h is capped', policy: patch(base, { 'agents.0.intents.0.max_ttl': '61m' }),
    want: [{ severity: 'warning', path: 'agents[summarizer].intents[read-tickets].max_ttl', message: /capped/ }] },
  { name: 'agent with no intents', policy: patch(base, { 'agents.0.intents': [] }),
    want: [{ severity: 'warning', path: 'agents[summarizer].intents', message: /no intents/ }] },
  { name: 'suspend on attestation failures is only an alert', policy: patch(base, { 'tiers.read-only.anomalies': { attestation_failure: { action: 'suspend', after: 2 } } }),
    want: [{ severity: 'warning', path: 'tiers[read-only].anomalies.attestation_failure.action', message: /treated as alert/ }] },
  { name: 'agent with intents left out', policy: patch(base, { 'agents.0.intents': undefined }),
    want: [{ severity: 'warning', path: 'agents[summarizer].intents', message: /no intents/ }] },
  { name: 'an intent for people in a tier whose tokens live over 15m', policy: patch(base, { 'tiers.read-only.max_ttl': '30m', 'agents.0.intents.0.on_behalf_of': 'allowed' }),
    want: [{ severity: 'warning', path: 'agents[summarizer].intents[read-tickets].on_behalf_of', message: /max_ttl of 15m or less/ }] },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const { policy, problems } = validate(c.policy, c.nowMs ?? NOW);
    t.ok(policy, 'violations and warnings do not stop the policy from loading', { problems });
    for (const want of c.want) {
      t.ok(problems.find((p) => p.severity === want.severity && p.path === want.path && want.message.test(p.message)),
        `${want.severity} at ${want.path}`, { problems });
    }
  });
}

t.test('boundaries of the review window', async (t) => {
  const at = (nowMs: number) => validate(base, nowMs).problems.map((p) => `${p.severity} ${p.path}`);
  t.same(at(due - 14 * DAY - 1), [], 'one ms before the warning window: nothing');
  t.same(at(due), ['warning agents[summarizer].reviewed_at'], 'due now: still a warning, not overdue');
  t.same(at(due + 1), ['violation agents[summarizer].reviewed_at'], 'past due: violation');
});

t.test('a retired agent has no governance violations', async (t) => {
  const raw = patch(base, { 'agents.0.status': 'retired', 'agents.0.approved_by': undefined, 'agents.0.owner': 'team-gone' });
  t.same(validate(raw, due + DAY).problems, []);
});

t.test('all three violations at once', async (t) => {
  const raw = patch(base, { 'agents.0.approved_by': undefined, 'agents.0.owner': 'team-gone' });
  const got = validate(raw, due + 1).problems.map((p) => `${p.severity} ${p.path}`);
  t.same(got, [
    'violation agents[summarizer].approved_by',
    'violation agents[summarizer].owner',
    'violation agents[summarizer].reviewed_at',
  ]);
});

t.test('formatProblems: one line each, errors first, with a summary', async (t) => {
  const out = formatProblems([
    { severity: 'warning', path: 'agents[a].intents', message: 'has no intents' },
    { severity: 'error', path: 'agents[ticket-summarizer].intents[summarize-tickets].scopes', message: 'bad' },
    { severity: 'violation', path: 'agents[a].approved_by', message: 'missing' },
  ]);
  t.equal(out, [
    'error  agents[ticket-summarizer].intents[summarize-tickets].scopes: bad',
    'violation  agents[a].approved_by: missing',
    'warning  agents[a].intents: has no intents',
    '1 error(s), 1 violation(s), 1 warning(s)',
    '',
  ].join('\n'));
  t.match(formatProblems([]), /no problems/);
});
