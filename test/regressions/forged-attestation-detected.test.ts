/**
 * Regression (black-box review): a Kubernetes-style attestation with a known agent's iss/sub
 * but a signature from another key was refused without an attestation_failure detection;
 * only a correctly signed but stale one was flagged. Issue 5 asks for both ("someone holding
 * a stale or forged credential"). The forged name is unverified, so it is recorded as
 * claimed_agent and may only alert.
 */
import t from 'tap';
import { buildTestBroker, keyPair, SA } from '../helpers/broker.js';

t.test('a forged issuer attestation in a known agent\'s name is an attestation_failure alert', async (t) => {
  const b = await buildTestBroker();
  t.teardown(b.close);
  const forger = await keyPair('ES256', 'k8s-1');
  const k8s = { 'kubernetes.io': { namespace: 'agents' } };

  const forged = await b.exchange(await b.attest(SA, k8s, { key: forger.privateKey }));
  t.equal(forged.statusCode, 400);
  t.equal(forged.json().error, 'invalid_request');
  const stranger = await b.exchange(await b.attest('system:serviceaccount:agents:nobody', k8s, { key: forger.privateKey }));
  t.equal(stranger.statusCode, 400);
  await b.flush();

  const denials = b.auditLines.filter((l) => l.event === 'token_denied');
  t.equal(denials.length, 2);
  t.equal(denials[0]?.claimed_agent, 'ticket-summarizer', 'the claimed (unverified) agent is recorded');
  t.notOk(denials[0]?.agent, 'and not as the verified agent');
  t.equal(denials[1]?.claimed_agent, undefined, 'a name no agent has claims nothing');

  const detections = b.auditLines.filter((l) => l.event === 'anomaly_detected');
  t.match(detections, [{ agent: 'ticket-summarizer', kind: 'attestation_failure', action: 'alert' }]);
  t.equal(detections.length, 1);
  const metric = b.registry.getSingleMetric('sts_anomalies_total');
  const { values } = await (metric as NonNullable<typeof metric>).get();
  t.equal(values.find((v) => v.labels.kind === 'attestation_failure' && v.labels.action === 'alert')?.value, 1);
  t.equal((await b.store.getAgentControl('ticket-summarizer')).suspended, null);
});
