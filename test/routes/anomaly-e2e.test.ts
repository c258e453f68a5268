import t from 'tap';
import { agentDoc, basePolicy, buildTestBroker } from '../helpers/broker.js';

function policyWithSuspendRule() {
  const doc = basePolicy();
  const tiers = doc.tiers as Record<string, Record<string, unknown>>;
  tiers['read-only'] = { ...tiers['read-only'], anomalies: { out_of_scope: { action: 'suspend', after: 3, within: '10m' } } };
  doc.agents = [agentDoc('ticket-summarizer')];
  return doc;
}

t.test('a scripted out-of-scope attack is detected and stopped without a person', async (t) => {
  const broker = await buildTestBroker({ policy: policyWithSuspendRule() });
  t.teardown(broker.close);

  t.equal((await broker.exchange(await broker.attest())).statusCode, 200, 'a normal request works');
  for (let i = 0; i < 3; i++) {
    const res = await broker.exchange(await broker.attest(), { scope: 'tickets:write' });
    t.equal(res.json().error, 'invalid_scope');
    await broker.flush();
  }
  const control = await broker.store.getAgentControl('ticket-summarizer');
  t.ok(control.suspended, 'suspended by the detector');
  t.equal(control.suspended?.by, 'anomaly-detector');

  const next = await broker.exchange(await broker.attest());
  t.equal(next.statusCode, 400);
  t.match(next.json().error_description, /suspended by the automatic anomaly response/, 'the refusal says who suspended it');

  const events = broker.auditLines.map((l) => l.event);
  t.ok(events.filter((e) => e === 'anomaly_detected').length >= 3, 'each detection is an audit event');
  t.ok(events.includes('agent_suspended'), 'the suspension is in the audit trail');

  const metrics = await broker.registry.getSingleMetricAsString('sts_anomalies_total');
  t.match(metrics, /sts_anomalies_total\{kind="out_of_scope",action="suspend"\} [1-9]/);

  // An operator resumes the agent: the detections behind the suspension are spent, so one
  // more mistake is an alert and it takes `after` new ones to suspend it again.
  await broker.store.resumeAgent('ticket-summarizer');
  const outOfScope = async () => {
    t.equal((await broker.exchange(await broker.attest(), { scope: 'tickets:write' })).json().error, 'invalid_scope');
    await broker.flush();
  };
  await outOfScope();
  t.equal((await broker.store.getAgentControl('ticket-summarizer')).suspended, null, 'one mistake after a resume does not suspend');
  t.equal((await broker.exchange(await broker.attest())).statusCode, 200);
  await outOfScope();
  await outOfScope();
  t.equal((await broker.store.getAgentControl('ticket-summarizer')).suspended?.by, 'anomaly-detector', 'the third new one does');
});

t.test('metrics count requests by grant, result and reason with policy-bounded labels', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  await broker.exchange(await broker.attest());
  await broker.exchange(await broker.attest('system:serviceaccount:agents:nobody'));
  const text = await broker.registry.metrics();
  t.match(text, /sts_token_requests_total\{grant="token_exchange",result="issued",reason="none",tier="read-only"\} 1/);
  t.match(text, /sts_token_requests_total\{grant="token_exchange",result="denied",reason="no_agent",tier=""\} 1/);
  t.match(text, /sts_tokens_issued_total\{agent="ticket-summarizer",intent="summarize-tickets"\} 1/);
  t.notMatch(text, /nobody/, 'no label value from request input');
});

t.test('metrics are not served on the agents port', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  t.equal((await broker.app.inject('/metrics')).statusCode, 404);
});
