import t from 'tap';
import type { ExchangeOutcome } from '../../src/context.js';
import { resolveRule } from '../../src/anomaly/index.js';
import { agent, compiled, NOW_MS, tier } from '../metrics/policy-fixture.js';
import { sample } from '../metrics/helpers.js';
import { buildHarness } from './harness.js';

const policy = compiled(
  [agent('agent-a', { tier: 'strict' })],
  // A tier that (wrongly) asks to suspend on attestation failures.
  [tier('strict', { attestation_failure: { action: 'suspend', after: 1, withinMs: 600_000 } })],
);
const failed = (atMs: number, claimedAgentId?: string): ExchangeOutcome => ({
  atMs, grant: 'token_exchange', result: 'denied', reason: 'attestation_invalid', ...(claimedAgentId !== undefined && { claimedAgentId }),
});

t.test('attestation_failure: alerts for a known agent\'s identity, never suspends (regression: forged claims)', async (t) => {
  const h = await buildHarness(policy);
  t.teardown(h.close);
  for (let i = 0; i < 5; i++) h.detector.observe(failed(NOW_MS + i, 'agent-a'));
  h.detector.observe(failed(NOW_MS, 'unknown-agent'));
  h.detector.observe(failed(NOW_MS));
  const alerts = await h.settle();
  t.equal(h.audit.filter((e) => e.event === 'anomaly_detected').length, 5, 'each detection naming a known agent is audited');
  // Anyone can forge these: webhooks go out for the 1st, 2nd and 4th in the window only.
  t.equal(alerts.length, 3, 'webhook alerts are throttled per agent');
  t.ok(alerts.every((a) => a.agent === 'agent-a' && a.kind === 'attestation_failure' && a.action === 'alert'));
  t.match(alerts[2]?.detail, /\(4 within 10m\)$/, 'with the count so far');
  t.equal((await h.store.getAgentControl('agent-a')).suspended, null, 'an unverified claim never suspends');
  t.equal(h.audit.filter((e) => e.event === 'agent_suspended').length, 0);
  t.equal(h.warnings.length, 1, 'the misconfiguration is logged once');
  t.equal(await sample(h.metrics, 'sts_anomalies_total', { kind: 'attestation_failure', action: 'alert' }), 5);
  t.equal(await sample(h.metrics, 'sts_anomalies_total', { kind: 'attestation_failure', action: 'suspend' }), 0);
});

t.test('rules: alert by default, suspend downgraded for attestation failures', async (t) => {
  t.match(resolveRule(undefined, 'volume'), { rule: { action: 'alert' }, downgraded: false });
  t.match(resolveRule(tier('x', { volume: { action: 'suspend', after: 2, withinMs: 1 } }), 'volume'),
    { rule: { action: 'suspend', after: 2 }, downgraded: false });
  t.match(resolveRule(policy.policy.tiers.strict, 'attestation_failure'), { rule: { action: 'alert' }, downgraded: true });
});
