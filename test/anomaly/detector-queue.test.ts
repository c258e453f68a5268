import t from 'tap';
import type { ExchangeOutcome } from '../../src/context.js';
import type { AnomalyState } from '../../src/anomaly/index.js';
import { agent, compiled, NOW_MS } from '../metrics/policy-fixture.js';
import { sample } from '../metrics/helpers.js';
import { buildHarness } from './harness.js';

const policy = compiled([agent('agent-a')]);
const issued: ExchangeOutcome = { atMs: NOW_MS, grant: 'token_exchange', result: 'issued', agentId: 'agent-a', intent: 'read-orders' };

t.test('observe never blocks: a full queue drops and counts', async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => { release = r; });
  const state: AnomalyState = {
    async recordIssued() { await gate; return { currentHour: 1, previousHours: [], firstSeenMs: NOW_MS, firstEver: true, novel: [] }; },
    async recordDetection() { return 1; },
  };
  const h = await buildHarness(policy, { state, settings: { maxQueue: 2, concurrency: 1 } });
  t.teardown(h.close);
  for (let i = 0; i < 5; i++) h.detector.observe(issued); // one in progress, two queued, two dropped
  t.equal(await sample(h.metrics, 'sts_anomaly_outcomes_dropped_total'), 2);
  release();
  await h.settle();
});

t.test('observe never throws: a failing state is logged, later outcomes still processed', async (t) => {
  let fail = true;
  const state: AnomalyState = {
    async recordIssued() {
      if (fail) throw new Error('store down');
      return { currentHour: 1, previousHours: [], firstSeenMs: NOW_MS, firstEver: true, novel: [] };
    },
    async recordDetection() { return 1; },
  };
  const h = await buildHarness(policy, { state });
  t.teardown(h.close);
  t.doesNotThrow(() => h.detector.observe(issued));
  await h.settle();
  t.equal(h.errors.length, 1);
  fail = false;
  h.detector.observe({ atMs: NOW_MS, grant: 'token_exchange', result: 'denied', reason: 'scope', agentId: 'agent-a' });
  t.equal((await h.settle()).length, 1);
});

t.test('an audit trail that cannot write does not stop the detection', async (t) => {
  const h = await buildHarness(policy);
  t.teardown(h.close);
  // The harness's audit.record pushes onto this array: make it throw as an unwritable trail does.
  h.audit.push = () => { throw new Error('disk full'); };
  h.detector.observe({ atMs: NOW_MS, grant: 'token_exchange', result: 'denied', reason: 'scope', agentId: 'agent-a' });
  const alerts = await h.settle();
  t.equal(alerts.length, 1, 'the alert still goes out');
  t.equal(await sample(h.metrics, 'sts_anomalies_total', { kind: 'out_of_scope', action: 'alert' }), 1);
  t.ok(h.errors.length >= 1, 'the audit failure is logged');
});
