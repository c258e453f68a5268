import t from 'tap';
import { countAgentStates } from '../../src/metrics/index.js';
import { agent, compiled, DAY_MS, holder, NOW_MS, tier } from './policy-fixture.js';
import { sample, testMetrics } from './helpers.js';

const policy = compiled(
  [
    agent('active-1'),
    agent('active-2'),
    agent('pending-1', { approvedBy: undefined }),
    agent('retired-1', { status: 'retired', owner: 'gone' }),
    agent('suspended-1'),
    agent('orphan-missing', { owner: 'nobody' }),
    agent('orphan-inactive', { owner: 'carol' }),
    agent('overdue', { reviewedAtMs: NOW_MS - 91 * DAY_MS }),
    agent('due-today', { reviewedAtMs: NOW_MS - 90 * DAY_MS }),
  ],
  [tier('standard')],
  [{ id: 'alice', active: true }, { id: 'carol', active: false }],
);

t.test('agent state counts from a policy built for it', async (t) => {
  const counts = countAgentStates(policy, new Set(['suspended-1', 'not-in-policy']), NOW_MS);
  t.same(counts, {
    states: {
      active: 6, // active-1, active-2, both orphans, overdue, due-today: flags do not change the state
      pending: 1,
      suspended: 1,
      retired: 1,
    },
    flags: {
      orphaned: 2, // the retired agent's missing owner is not counted
      review_overdue: 1, // due exactly now is not overdue yet
      review_due_soon: 1, // due-today: due within the 14-day warning window, not yet overdue
    },
  });
});

t.test('sts_agent_state gauges are computed at scrape time', async (t) => {
  let suspended = new Set<string>();
  const m = testMetrics(holder(policy), { suspendedAgents: async () => suspended });
  t.equal(await sample(m, 'sts_agent_state', { state: 'suspended' }), 0);
  t.equal(await sample(m, 'sts_agent_state', { state: 'active' }), 7);
  suspended = new Set(['active-1']);
  t.equal(await sample(m, 'sts_agent_state', { state: 'suspended' }), 1);
  t.equal(await sample(m, 'sts_agent_state', { state: 'active' }), 6);
  t.equal(await sample(m, 'sts_agent_flag', { flag: 'orphaned' }), 2);
  t.equal(await sample(m, 'sts_agent_flag', { flag: 'review_due_soon' }), 1);
});

t.test('the gauge names the same states as the inventory and the token path', async (t) => {
  // A suspended agent that is also pending: state suspended (an operator's act), refused first for pending.
  const p = compiled([agent('both', { approvedBy: undefined })]);
  const counts = countAgentStates(p, new Set(['both']), NOW_MS);
  t.equal(counts.states.suspended, 1);
  t.equal(counts.states.pending, 0);
  const m = testMetrics(holder(p), { suspendedAgents: async () => { throw new Error('store down'); } });
  t.equal(await sample(m, 'sts_agent_state', { state: 'suspended' }), undefined, 'store down: no value rather than a wrong one');
});
