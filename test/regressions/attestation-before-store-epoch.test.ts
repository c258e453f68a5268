/**
 * Regression: issueToken refused every attestation issued before the store's epoch. The embedded store's epoch is its start, so after each restart or deploy of
 * the broker a Kubernetes workload is refused until the kubelet refreshes its projected
 * token (up to ~48 min for a 1 h token), and the agent cannot fetch a fresh one itself.
 * Only single-use attestations depend on the lost replay records; a reusable attestation
 * (single_use: false) issued before the epoch risks nothing and should be accepted.
 */
import t from 'tap';
import { basePolicy, buildTestBroker, SA } from '../helpers/broker.js';

const NAMESPACE = { 'kubernetes.io': { namespace: 'agents' } };

t.test('with the embedded store, a reusable attestation issued before the broker started is accepted', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  // A token the kubelet issued 10 minutes before the broker (and its store) started.
  const res = await broker.exchange(await broker.attest(SA, NAMESPACE, { iatOffsetS: -600, ttlS: 3600 }));
  t.equal(res.statusCode, 200, res.body);
});

t.test('a single-use attestation issued before the store epoch stays refused', async (t) => {
  const policy = basePolicy();
  (policy.issuers as Array<Record<string, unknown>>)[0]!.single_use = true;
  const broker = await buildTestBroker({ policy });
  t.teardown(broker.close);
  // Its replay record, if any, was lost with the old state: it may have been used already.
  const res = await broker.exchange(await broker.attest(SA, NAMESPACE, { iatOffsetS: -600, ttlS: 3600 }));
  t.equal(res.statusCode, 400);
  t.same(res.json(), { error: 'invalid_request', error_description: 'subject_token was not accepted' });
  // One issued after the epoch is fine.
  t.equal((await broker.exchange(await broker.attest())).statusCode, 200);
});
