/** agentGovernance: each flag, and which one blocks first, with fixed clocks. */
import t from 'tap';
import { agentGovernance, REVIEW_DUE_SOON_MS } from '../../src/policy/index.js';
import { basePolicy, compileRaw, DAY, NOW, patch, type Raw } from './build.js';

const reviewed = Date.UTC(2026, 9, 1);
const due = reviewed + 180 * DAY;

function governance(changes: Record<string, unknown>, nowMs: number, compileAt = NOW) {
  const compiled = compileRaw(patch(basePolicy(), changes) as Raw, compileAt);
  const agent = compiled.agentsById.get('summarizer');
  if (agent === undefined) throw new Error('no agent');
  return agentGovernance(agent, compiled, nowMs);
}

t.test('a clear agent', async (t) => {
  t.same(governance({}, NOW), {
    pending: false, retired: false, orphaned: false, reviewDueAtMs: due, reviewOverdue: false, reviewDueSoon: false, blockedBy: null,
  });
});

t.test('each flag alone', async (t) => {
  t.match(governance({ 'agents.0.approved_by': undefined }, NOW), { pending: true, blockedBy: 'pending' });
  t.match(governance({ 'agents.0.status': 'retired' }, NOW), { retired: true, blockedBy: 'retired' });
  t.match(governance({ 'agents.0.owner': 'team-gone' }, NOW), { orphaned: true, blockedBy: 'orphaned' });
  t.match(governance({}, due + 1), { reviewOverdue: true, reviewDueSoon: false, blockedBy: 'review_overdue' });
  t.match(governance({}, due - REVIEW_DUE_SOON_MS), { reviewOverdue: false, reviewDueSoon: true, blockedBy: null });
  t.match(governance({}, due - REVIEW_DUE_SOON_MS - 1), { reviewDueSoon: false });
  t.match(governance({}, due), { reviewOverdue: false, reviewDueSoon: true }, 'overdue only after the due instant');
});

t.test('review due date follows the tier', async (t) => {
  t.equal(governance({ 'agents.0.tier': 'transactional' }, NOW).reviewDueAtMs, reviewed + 90 * DAY);
});

t.test('blockedBy order: pending, retired, orphaned, review_overdue', async (t) => {
  const all = { 'agents.0.approved_by': undefined, 'agents.0.status': 'retired', 'agents.0.owner': 'team-gone' };
  t.equal(governance(all, due + 1).blockedBy, 'pending');
  t.equal(governance({ ...all, 'agents.0.approved_by': 'bob@example.com' }, due + 1).blockedBy, 'retired');
  t.equal(governance({ 'agents.0.owner': 'team-gone' }, due + 1).blockedBy, 'orphaned');
});

t.test('an owner missing from the compiled policy counts as orphaned', async (t) => {
  const compiled = compileRaw(basePolicy());
  const agent = compiled.agentsById.get('summarizer');
  if (agent === undefined) throw new Error('no agent');
  const g = agentGovernance({ ...agent, owner: 'nobody' }, compiled, NOW);
  t.match(g, { orphaned: true, blockedBy: 'orphaned' });
  const unknownTier = agentGovernance({ ...agent, tier: 'toString' }, compiled, NOW);
  t.match(unknownTier, { reviewOverdue: true }, 'an unknown tier (even an Object.prototype name) fails closed');
});
