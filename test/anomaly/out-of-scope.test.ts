import t from 'tap';
import type { ExchangeOutcome } from '../../src/context.js';
import { createMemoryStore } from '../../src/store/index.js';
import { agent, compiled, NOW_MS, tier } from '../metrics/policy-fixture.js';
import { sample } from '../metrics/helpers.js';
import { buildHarness } from './harness.js';

const MIN = 60_000;
const policy = compiled(
  [agent('agent-a', { tier: 'guarded' }), agent('agent-b')],
  [tier('guarded', { out_of_scope: { action: 'suspend', after: 3, withinMs: 10 * MIN } }), tier('standard')],
);
const denied = (reason: ExchangeOutcome['reason'], atMs: number, over: Partial<ExchangeOutcome> = {}): ExchangeOutcome => ({
  atMs, grant: 'token_exchange', result: 'denied', reason, agentId: 'agent-a', tier: 'guarded', jti: 'secret-jti-123', ...over,
});

t.test('out_of_scope: the third denial within the window suspends the agent', async (t) => {
  const h = await buildHarness(policy);
  t.teardown(h.close);
  h.detector.observe(denied('scope', NOW_MS));
  h.detector.observe(denied('audience', NOW_MS + MIN, { audience: 'https://billing.example' }));
  let alerts = await h.settle();
  t.same(alerts.map((a) => a.action), ['alert', 'alert']);
  t.equal((await h.store.getAgentControl('agent-a')).suspended, null, 'not yet');

  h.clock.advance(2 * MIN);
  h.detector.observe(denied('intent', NOW_MS + 2 * MIN, { intent: 'attacker-typed-intent' }));
  alerts = await h.settle();
  const last = alerts.at(-1)!;
  t.match(last, { type: 'anomaly', agent: 'agent-a', kind: 'out_of_scope', action: 'suspend' });
  t.equal(last.at, new Date(NOW_MS + 2 * MIN).toISOString());
  t.notMatch(last.detail, /attacker-typed-intent/, 'an intent name not in the policy is not echoed');

  const suspension = (await h.store.getAgentControl('agent-a')).suspended;
  t.match(suspension, { by: 'anomaly-detector', atMs: NOW_MS + 2 * MIN });
  t.match(suspension!.reason, /^out_of_scope: request denied for intent/);

  t.same(h.audit.map((e) => [e.event, e.data.action]), [
    ['anomaly_detected', 'alert'], ['anomaly_detected', 'alert'], ['agent_suspended', undefined], ['anomaly_detected', 'suspend'],
  ]);
  t.match(h.audit[1]!.data, { agent: 'agent-a', kind: 'out_of_scope', detail: "request denied for audience 'https://billing.example'" });
  t.notMatch(JSON.stringify(h.audit), /secret-jti-123/, 'no token material in the audit trail');
  t.equal(await sample(h.metrics, 'sts_anomalies_total', { kind: 'out_of_scope', action: 'alert' }), 2);
  t.equal(await sample(h.metrics, 'sts_anomalies_total', { kind: 'out_of_scope', action: 'suspend' }), 1);

  h.detector.observe(denied('scope', NOW_MS + 3 * MIN));
  alerts = await h.settle();
  t.equal(alerts.at(-1)!.action, 'alert', 'an agent already suspended is not suspended again');
  t.equal(h.audit.filter((e) => e.event === 'agent_suspended').length, 1);
});

t.test('out_of_scope: a suspension the store refused keeps the detections, so the next one tries again', async (t) => {
  const suspensions: string[] = [];
  let storeDown = true;
  const store = {
    getAgentControl: async () => ({ suspended: null, revokedBeforeMs: null }),
    suspendAgent: async (agentId: string) => {
      if (storeDown) throw new Error('store down');
      suspensions.push(agentId);
    },
  };
  const h = await buildHarness(policy, { store });
  t.teardown(h.close);
  for (let i = 0; i < 3; i++) h.detector.observe(denied('scope', NOW_MS + i));
  let alerts = await h.settle();
  t.same(alerts.map((a) => a.action), ['alert', 'alert', 'alert'], 'the failed suspension is reported as an alert');
  storeDown = false;
  h.detector.observe(denied('scope', NOW_MS + 3));
  alerts = await h.settle();
  t.equal(alerts.at(-1)!.action, 'suspend', 'the fourth detection suspends: the three were not spent');
  t.same(suspensions, ['agent-a']);
});

t.test('out_of_scope: detections spread beyond the window do not suspend', async (t) => {
  const h = await buildHarness(policy);
  t.teardown(h.close);
  h.detector.observe(denied('scope', NOW_MS));
  h.detector.observe(denied('scope', NOW_MS + 5 * MIN));
  h.detector.observe(denied('scope', NOW_MS + 11 * MIN));
  const alerts = await h.settle();
  t.same(alerts.map((a) => a.action), ['alert', 'alert', 'alert']);
  t.equal((await h.store.getAgentControl('agent-a')).suspended, null);
});

t.test('out_of_scope: alert only by default; unverified callers and other reasons are ignored', async (t) => {
  const h = await buildHarness(policy);
  t.teardown(h.close);
  for (let i = 0; i < 5; i++) h.detector.observe(denied('scope', NOW_MS + i, { agentId: 'agent-b', tier: 'standard' }));
  h.detector.observe(denied('scope', NOW_MS, { agentId: undefined, claimedAgentId: 'agent-a' }));
  h.detector.observe(denied('scope', NOW_MS, { agentId: 'not-in-policy' }));
  h.detector.observe(denied('replayed', NOW_MS));
  const alerts = await h.settle();
  t.equal(alerts.length, 5);
  t.ok(alerts.every((a) => a.agent === 'agent-b' && a.action === 'alert'));
  t.equal((await h.store.getAgentControl('agent-b')).suspended, null);
  t.equal(new Set(alerts.map((a) => a.id)).size, 5, 'each alert has its own id');
});

t.test('out_of_scope: suspension lands in the real memory store', async (t) => {
  const store = createMemoryStore({ clock: () => NOW_MS });
  const h = await buildHarness(policy, { store });
  t.teardown(h.close);
  for (let i = 0; i < 3; i++) h.detector.observe(denied('scope', NOW_MS + i));
  await h.settle();
  const control = await store.getAgentControl('agent-a');
  t.match(control.suspended, { by: 'anomaly-detector' });
});
