import t from 'tap';
import type { ExchangeOutcome } from '../../src/context.js';
import { agent, compiled, NOW_MS } from '../metrics/policy-fixture.js';
import { sample } from '../metrics/helpers.js';
import { buildHarness } from './harness.js';

const HOUR = 3_600_000;
const policy = compiled([agent('agent-a')]);
const issued = (atMs: number, over: Partial<ExchangeOutcome> = {}): ExchangeOutcome => ({
  atMs, grant: 'token_exchange', result: 'issued', agentId: 'agent-a', tier: 'standard',
  intent: 'read-orders', audience: 'https://orders.example', issuer: 'https://k8s.example', subject: 'system:serviceaccount:shop:orders',
  ...over,
});

t.test('novelty: learned silently during the first day, then first uses are detected', async (t) => {
  const h = await buildHarness(policy);
  t.teardown(h.close);
  h.detector.observe(issued(NOW_MS));
  h.detector.observe(issued(NOW_MS + HOUR, { intent: 'write-orders' }));
  t.equal((await h.settle()).length, 0, 'no alert on the first token nor during the learning period');

  h.detector.observe(issued(NOW_MS + 25 * HOUR, { intent: 'write-orders' }));
  t.equal((await h.settle()).length, 0, 'learned during the first day');

  h.detector.observe(issued(NOW_MS + 26 * HOUR, { intent: 'read-billing', audience: 'https://billing.example' }));
  let alerts = await h.settle();
  t.equal(alerts.length, 1, 'one detection for one token, however many first uses');
  t.match(alerts[0], { agent: 'agent-a', kind: 'novelty', action: 'alert' });
  t.equal(alerts[0]!.detail, "first use of intent 'read-billing', audience 'https://billing.example'");

  h.detector.observe(issued(NOW_MS + 27 * HOUR, { subject: 'system:serviceaccount:other:stolen' }));
  alerts = await h.settle();
  t.match(alerts.at(-1)!.detail, /first use of subject 'https:\/\/k8s.example system:serviceaccount:other:stolen'/);

  h.detector.observe(issued(NOW_MS + 28 * HOUR, { intent: 'read-billing', audience: 'https://billing.example' }));
  t.equal((await h.settle()).length, 2, 'seen before: no new detection');
  t.equal(await sample(h.metrics, 'sts_anomalies_total', { kind: 'novelty', action: 'alert' }), 2);
  t.equal(h.audit.filter((e) => e.event === 'anomaly_detected' && e.data.kind === 'novelty').length, 2);
});

t.test('novelty: the learning period is configurable', async (t) => {
  const h = await buildHarness(policy, { settings: { noveltyLearningMs: 0 } });
  t.teardown(h.close);
  h.detector.observe(issued(NOW_MS));
  h.detector.observe(issued(NOW_MS + 1, { intent: 'write-orders' }));
  const alerts = await h.settle();
  t.equal(alerts.length, 1, 'never on the very first token, at once afterwards');
  t.match(alerts[0]!.detail, /intent 'write-orders'/);
});
