/**
 * Replay and oracle attacks (issue 2 "Attestation"): single-use attestations and agent
 * assertions are spent once, even under 50 concurrent requests; every failed attestation
 * (bad signature, unknown issuer, unclaimed identity, replay) reads the same to the caller,
 * and a verified identity no agent claims is recorded as a shadow agent.
 */
import t, { type Test } from 'tap';
import { basePolicy, buildTestBroker, K8S, keyPair, SA, type TestBroker } from '../helpers/broker.js';

type Reply = Awaited<ReturnType<TestBroker['token']>>;

const NOT_ACCEPTED = { error: 'invalid_request', error_description: 'subject_token was not accepted' };
const NAMESPACE = { 'kubernetes.io': { namespace: 'agents' } };

function singleUsePolicy() {
  const doc = basePolicy();
  (doc.issuers as Array<Record<string, unknown>>)[0]!.single_use = true;
  return doc;
}

const statuses = (replies: Reply[]): number[] => replies.map((r) => r.statusCode).sort();

t.test('single-use issuer: the second exchange of one attestation is refused', async (t) => {
  const broker = await buildTestBroker({ policy: singleUsePolicy() });
  t.teardown(broker.close);
  const attestation = await broker.attest();
  t.equal((await broker.exchange(attestation)).statusCode, 200);
  const second = await broker.exchange(attestation);
  t.equal(second.statusCode, 400);
  t.equal(second.headers['cache-control'], 'no-store');
  t.same(second.json(), NOT_ACCEPTED);
  // A new attestation with the same jti is the same attestation.
  const jti = 'k8s-jti-1';
  t.equal((await broker.exchange(await broker.attest(SA, { ...NAMESPACE, jti }))).statusCode, 200);
  t.same((await broker.exchange(await broker.attest(SA, { ...NAMESPACE, jti }))).json(), NOT_ACCEPTED);
  // Lacking a jti, the token itself is single-use.
  const noJti = await broker.attest(SA, { ...NAMESPACE, jti: undefined });
  t.equal((await broker.exchange(noJti)).statusCode, 200);
  t.same((await broker.exchange(noJti)).json(), NOT_ACCEPTED);
});

t.test('a reusable issuer accepts the same attestation again', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const attestation = await broker.attest();
  t.equal((await broker.exchange(attestation)).statusCode, 200);
  t.equal((await broker.exchange(attestation)).statusCode, 200);
});

t.test('50 concurrent uses of one single-use assertion yield exactly one token', async (t) => {
  const broker = await buildTestBroker({ policy: singleUsePolicy() });
  t.teardown(broker.close);

  const assertion = await broker.assertion();
  const cc = await Promise.all(Array.from({ length: 50 }, () => broker.clientCredentials(assertion)));
  t.same(statuses(cc), [200, ...Array<number>(49).fill(401)], 'client_credentials: one 200, 49 invalid_client');
  t.ok(cc.filter((r) => r.statusCode === 401).every((r) => r.json().error === 'invalid_client'));

  const subject = await broker.assertion();
  const asSubject = await Promise.all(Array.from({ length: 50 }, () => broker.exchange(subject)));
  t.same(statuses(asSubject), [200, ...Array<number>(49).fill(400)], 'assertion as subject_token: one 200');

  const attestation = await broker.attest();
  const tx = await Promise.all(Array.from({ length: 50 }, () => broker.exchange(attestation)));
  t.same(statuses(tx), [200, ...Array<number>(49).fill(400)], 'single-use issuer attestation: one 200');
  t.ok(tx.filter((r) => r.statusCode === 400).every((r) => r.json().error === 'invalid_request'));
});

t.test('no oracle: every failed attestation reads the same; an unclaimed one becomes a shadow', async (t) => {
  const broker = await buildTestBroker({ policy: singleUsePolicy() });
  t.teardown(broker.close);
  const attacker = await keyPair('ES256', 'k8s-1');
  const used = await broker.attest();
  t.equal((await broker.exchange(used)).statusCode, 200);

  const unclaimed = await broker.attest('system:serviceaccount:agents:stranger', { 'kubernetes.io': { namespace: 'agents' }, team: 'x' });
  const failures: Record<string, string> = {
    'claimed by no agent': unclaimed,
    'bad signature': await broker.attest(SA, NAMESPACE, { key: attacker.privateKey }),
    'unknown issuer': await broker.attest(SA, NAMESPACE, { iss: 'https://evil.test', key: attacker.privateKey }),
    'unknown kid': await broker.attest(SA, NAMESPACE, { kid: 'nope' }),
    'expired': await broker.attest(SA, NAMESPACE, { ttlS: 1 }),
    'replayed': used,
  };
  broker.clock.advance(62_000); // only the 'expired' one (1 s lifetime) is past exp + 60 s
  for (const [name, token] of Object.entries(failures)) {
    const res = await broker.exchange(token);
    t.equal(res.statusCode, 400, name);
    t.equal(res.headers['cache-control'], 'no-store', name);
    t.same(res.json(), NOT_ACCEPTED, name);
  }
  await new Promise((resolve) => setImmediate(resolve));
  const shadows = await broker.store.listShadows();
  t.equal(shadows.length, 1, 'only the verified, unclaimed identity is a shadow');
  t.match(shadows[0], { issuer: K8S, subject: 'system:serviceaccount:agents:stranger', attempts: 1 });
  t.notOk(JSON.stringify(shadows).includes(unclaimed), 'the shadow record does not hold the token');
});
