/**
 * Regression: issueToken refused every attestation issued before the store's epoch. The embedded store's epoch is its start, so after each restart or deploy of
 * the broker a Kubernetes workload is refused until the kubelet refreshes its projected
 * token (up to ~48 min for a 1 h token), and the agent cannot fetch a fresh one itself.
 * Only single-use attestations depend on the lost replay records; a reusable attestation
 * (single_use: false) issued before the epoch risks nothing and should be accepted.
 */
import t from 'tap';
import { createDpopProof } from '../../src/dpop/index.js';
import { basePolicy, buildTestBroker, SA, STS, TICKETS } from '../helpers/broker.js';
import { proofKey } from '../helpers/dpop.js';

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

/*
 * A request can carry several single-use proofs: the attestation, a client assertion beside it
 * (private_key_jwt), a DPoP proof. Each is judged by its own iat: a reusable attestation from
 * before the epoch must not make a fresh client assertion suspect, and a fresh attestation must
 * not cover for a client assertion made before the epoch (its claim may have been lost with the
 * old state, so it could be a replay).
 */
const CLIENT_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const asClient = (assertion: string) => ({ client_assertion_type: CLIENT_ASSERTION, client_assertion: assertion });

t.test('a reusable pre-epoch attestation with a fresh client assertion is accepted', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const res = await broker.exchange(
    await broker.attest(SA, NAMESPACE, { iatOffsetS: -600, ttlS: 3600 }),
    asClient(await broker.assertion('ticket-summarizer')),
  );
  t.equal(res.statusCode, 200, res.body);
});

t.test('a client assertion made before the store epoch is refused beside a fresh attestation', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const stale = await broker.assertion('ticket-summarizer', { iatOffsetS: -30, ttlS: 120 });
  const res = await broker.exchange(await broker.attest(), asClient(stale));
  t.equal(res.statusCode, 401, res.body);
  t.equal(res.json().error, 'invalid_client', 'refused for the parameter that carried it');
  // The same request with a fresh assertion passes: only the stale proof was refused.
  const fresh = await broker.exchange(await broker.attest(), asClient(await broker.assertion('ticket-summarizer')));
  t.equal(fresh.statusCode, 200, fresh.body);
});

t.test('a client assertion made before the store epoch is refused at client_credentials', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const res = await broker.clientCredentials(await broker.assertion('ticket-summarizer', { iatOffsetS: -30, ttlS: 120 }));
  t.equal(res.statusCode, 401, res.body);
  t.equal(res.json().error, 'invalid_client');
  t.equal((await broker.clientCredentials(await broker.assertion('ticket-summarizer'))).statusCode, 200);
});

t.test('a DPoP proof made before the store epoch is refused; a fresh one binds', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const key = proofKey();
  const proofAt = (iatS: number) => createDpopProof(key, { htm: 'POST', htu: `${STS}/oauth/token`, iatS });
  const send = async (dpop: string) => broker.token({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: await broker.attest(),
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    audience: TICKETS,
  }, { dpop });
  const stale = await send(proofAt(Math.floor(broker.clock() / 1000) - 30));
  t.equal(stale.statusCode, 400, stale.body);
  t.equal(stale.json().error, 'invalid_dpop_proof');
  const fresh = await send(proofAt(Math.floor(broker.clock() / 1000)));
  t.equal(fresh.statusCode, 200, fresh.body);
  t.equal(fresh.json().token_type, 'DPoP');
});
