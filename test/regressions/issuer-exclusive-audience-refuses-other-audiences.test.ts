/**
 * Regression: an attestation minted for several audiences (`aud: ["agent-sts", "vault"]`) was
 * accepted because one value named the broker, so any of those audiences could replay it
 * here. A trusted issuer with `exclusive_audience: true` now refuses an `aud` that holds any
 * value besides its configured audience; without the option, RFC 7519 §4.1.3 "contains"
 * still applies. The refusal gets the same opaque answer as every failed attestation.
 */
import t from 'tap';
import { basePolicy, buildTestBroker, SA, type PolicyDoc } from '../helpers/broker.js';

const NAMESPACE = { 'kubernetes.io': { namespace: 'agents' } };
const NOT_ACCEPTED = { error: 'invalid_request', error_description: 'subject_token was not accepted' };

function policy(exclusive: boolean | undefined): PolicyDoc {
  const doc = basePolicy();
  const [issuer] = doc.issuers as PolicyDoc[];
  doc.issuers = [{ ...issuer, ...(exclusive === undefined ? {} : { exclusive_audience: exclusive }) }];
  return doc;
}

t.test('exclusive_audience: true refuses an aud with any other value', async (t) => {
  const broker = await buildTestBroker({ policy: policy(true) });
  t.teardown(broker.close);
  const exchange = async (aud: string | string[]) => broker.exchange(await broker.attest(SA, NAMESPACE, { aud }));
  t.equal((await exchange('agent-sts')).statusCode, 200, 'a string naming us');
  t.equal((await exchange(['agent-sts'])).statusCode, 200, 'an array of only us');
  for (const aud of [['agent-sts', 'https://vault.example'], ['https://vault.example', 'agent-sts'], ['agent-sts', '']]) {
    const res = await exchange(aud);
    t.equal(res.statusCode, 400, JSON.stringify(aud));
    t.same(res.json(), NOT_ACCEPTED, `${JSON.stringify(aud)}: the opaque answer`);
  }
  t.equal((await exchange('https://vault.example')).statusCode, 400, 'not naming us at all');
});

t.test('without the option (or false), an aud containing ours is accepted', async (t) => {
  for (const exclusive of [undefined, false]) {
    const broker = await buildTestBroker({ policy: policy(exclusive) });
    t.teardown(broker.close);
    const res = await broker.exchange(await broker.attest(SA, NAMESPACE, { aud: ['agent-sts', 'https://vault.example'] }));
    t.equal(res.statusCode, 200, `exclusive_audience ${String(exclusive)}`);
    t.equal(broker.holder.current().issuersByIss.values().next().value?.exclusiveAudience, false);
  }
});
