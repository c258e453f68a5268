import t from 'tap';
import type { ExchangeOutcome } from '../../src/context.js';
import { agent, compiled, holder, NOW_MS } from './policy-fixture.js';
import { sample, testMetrics } from './helpers.js';

const issued = (over: Partial<ExchangeOutcome> = {}): ExchangeOutcome => ({
  atMs: NOW_MS, grant: 'token_exchange', result: 'issued', agentId: 'agent-a', tier: 'standard',
  intent: 'read-orders', durationSeconds: 0.004, ...over,
});

t.test('tokens issued are labelled by policy agent and intent only', async (t) => {
  const m = testMetrics(holder(compiled([agent('agent-a')])));
  m.observe(issued());
  m.observe(issued());
  m.observe(issued({ agentId: 'attacker-chosen-id', intent: 'read-orders' }));
  m.observe(issued({ intent: 'no-such-intent' }));
  t.equal(await sample(m, 'sts_tokens_issued_total', { agent: 'agent-a', intent: 'read-orders' }), 2);
  t.equal(await sample(m, 'sts_tokens_issued_total', { agent: 'other', intent: 'other' }), 1, 'unknown agent becomes other');
  t.equal(await sample(m, 'sts_tokens_issued_total', { agent: 'agent-a', intent: 'other' }), 1, 'unknown intent becomes other');
  const text = await m.registry.metrics();
  t.notMatch(text, /attacker-chosen-id/, 'no request input in any label');
  t.notMatch(text, /no-such-intent/);
});

t.test('token requests by grant, result, reason and tier', async (t) => {
  const m = testMetrics(holder(compiled([agent('agent-a')])));
  m.observe(issued());
  m.observe({ atMs: NOW_MS, grant: 'client_credentials', result: 'denied', reason: 'scope', agentId: 'agent-a', tier: 'standard' });
  m.observe({ atMs: NOW_MS, grant: 'token_exchange', result: 'denied', reason: 'attestation_invalid' });
  m.observe({ atMs: NOW_MS, grant: 'token_exchange', result: 'denied', reason: 'bogus' as never, tier: 'made-up' });
  t.equal(await sample(m, 'sts_token_requests_total', { grant: 'token_exchange', result: 'issued', reason: 'none', tier: 'standard' }), 1);
  t.equal(await sample(m, 'sts_token_requests_total', { grant: 'client_credentials', result: 'denied', reason: 'scope', tier: 'standard' }), 1);
  t.equal(await sample(m, 'sts_token_requests_total', { grant: 'token_exchange', result: 'denied', reason: 'attestation_invalid', tier: '' }), 1,
    'tier is empty when the request never reached an agent');
  t.equal(await sample(m, 'sts_token_requests_total', { grant: 'token_exchange', result: 'denied', reason: 'other', tier: 'other' }), 1,
    'values outside the vocabulary collapse to other');
});

t.test('request duration histogram by grant and result with millisecond buckets', async (t) => {
  const m = testMetrics(holder(compiled([agent('agent-a')])));
  m.observe(issued({ durationSeconds: 0.0015 }));
  m.observe(issued({ durationSeconds: 0.008 }));
  const { values } = (await m.registry.getSingleMetric('sts_token_request_duration_seconds')!.get()) as
    { values: Array<{ value: number; labels: Record<string, string | number>; metricName?: string }> };
  const bucket = (le: number) => values.find((v) => v.metricName === 'sts_token_request_duration_seconds_bucket'
    && v.labels.le === le && v.labels.grant === 'token_exchange' && v.labels.result === 'issued')?.value;
  t.equal(bucket(0.002), 1);
  t.equal(bucket(0.01), 2);
  t.ok(values.some((v) => v.metricName?.endsWith('_count') && v.value === 2));
});

t.test('events: rotations, revocations, replays, store latency, anomalies', async (t) => {
  const m = testMetrics(holder(compiled([])));
  m.keyRotated();
  m.revoked('agent');
  m.revoked('agent');
  m.observe(issued({ result: 'denied', reason: 'replayed' }));
  m.observe(issued({ result: 'denied', reason: 'attestation_invalid' }));
  m.storeLatency(0.0004);
  m.anomaly('out_of_scope', 'suspend');
  t.equal(await sample(m, 'sts_key_rotations_total'), 1);
  t.equal(await sample(m, 'sts_revocations_total', { kind: 'agent' }), 2);
  t.equal(await sample(m, 'sts_revocations_total', { kind: 'token' }), 0, 'kinds start at zero');
  t.equal(await sample(m, 'sts_replays_rejected_total'), 1, 'a replay refused at the token endpoint, and nothing else, counts');
  t.equal(await sample(m, 'sts_anomalies_total', { kind: 'out_of_scope', action: 'suspend' }), 1);
  t.equal(await sample(m, 'sts_anomalies_total', { kind: 'novelty', action: 'alert' }), 0,
    'every kind and action exists at zero, so increase() in the alert rules sees the first detection');
  t.equal(await sample(m, 'sts_alert_deliveries_total', { result: 'failed' }), 0);
  t.match(await m.registry.metrics(), /sts_store_latency_seconds_count 1/);
});

t.test('scrape-time gauges read their sources; a failing store keeps the last values', async (t) => {
  let up = true;
  let failing = false;
  const m = testMetrics(holder(compiled([agent('agent-a')])), {
    keyAgeSeconds: () => 3600,
    shadowCount: async () => { if (failing) throw new Error('down'); return 3; },
    storeUp: () => up,
  });
  t.equal(await sample(m, 'sts_signing_key_age_seconds'), 3600);
  t.equal(await sample(m, 'sts_shadow_agents'), 3);
  t.equal(await sample(m, 'sts_store_up'), 1);
  up = false;
  failing = true;
  t.equal(await sample(m, 'sts_store_up'), 0);
  t.equal(await sample(m, 'sts_shadow_agents'), 3, 'last known value kept');
  t.match(await m.registry.metrics(), /process_cpu_user_seconds_total/, 'default process metrics on the app registry');
});
