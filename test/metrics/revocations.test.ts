/**
 * sts_revocations_total{kind} counts the revocations the broker stored, from every door: a
 * holder's RFC 7009 request, an operator's jti or agent revocation, a compromised key.
 * Requests that revoke nothing (an unknown token, a plain rotation) are not counted.
 */
import t from 'tap';
import { buildTestBroker, policyWithOperator } from '../helpers/broker.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

t.test('every kind of revocation is counted once, on the instance that stored it', async (t) => {
  const { policy, admin } = policyWithOperator('root@example.com', 'admin', 'root-key');
  const b = await buildTestBroker({ policy });
  t.teardown(b.close);
  const count = async (kind: string) => {
    const metric = b.registry.getSingleMetric('sts_revocations_total');
    const { values } = await (metric as NonNullable<typeof metric>).get();
    return values.find((v) => v.labels.kind === kind)?.value ?? 0;
  };
  const mint = async () => {
    const res = await b.exchange(await b.attest());
    t.equal(res.statusCode, 200, res.body);
    return res.json().access_token as string;
  };

  const first = await mint();
  t.equal((await b.app.inject({ method: 'POST', url: '/oauth/revoke', headers: FORM, payload: `token=${first}` })).statusCode, 200);
  t.equal(await count('token'), 1, 'RFC 7009 revocation by the holder');
  await b.app.inject({ method: 'POST', url: '/oauth/revoke', headers: FORM, payload: `token=${first}` });
  await b.app.inject({ method: 'POST', url: '/oauth/revoke', headers: FORM, payload: 'token=not-a-token' });
  t.equal(await count('token'), 1, 'an already revoked or invalid token revokes nothing');

  const byJti = await b.app.inject({ method: 'POST', url: '/admin/tokens/revoke', headers: admin, payload: { jti: 'some-jti', reason: 'leaked' } });
  t.equal(byJti.statusCode, 200, byJti.body);
  t.equal(await count('token'), 2, 'an operator revoking a jti');

  const agent = await b.app.inject({ method: 'POST', url: '/admin/agents/ticket-summarizer/revoke', headers: admin, payload: { reason: 'incident' } });
  t.equal(agent.statusCode, 200, agent.body);
  t.equal(await count('agent'), 1, "an operator revoking an agent's tokens");

  t.equal((await b.app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: admin, payload: {} })).statusCode, 200);
  t.equal(await count('key'), 0, 'a plain rotation revokes no key');
  const compromised = await b.app.inject({ method: 'POST', url: '/admin/keys/rotate', headers: admin, payload: { compromised: true } });
  t.equal(compromised.statusCode, 200, compromised.body);
  t.equal(await count('key'), 1, 'a compromised key is a revocation');
});
