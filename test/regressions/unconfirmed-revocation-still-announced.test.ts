/**
 * Regression (security probe): with Redis slow, an operator's suspension answered 503 "the
 * store did not confirm the change", then landed, and no CAEP event was ever sent: subscribed
 * verifiers kept accepting the agent's earlier tokens while the broker refused new ones. A
 * write that ends trust in tokens and whose outcome is unknown is announced anyway
 * (fail-closed); one that restores access (resume) is never announced on a guess.
 */
import t, { type Test as Tap } from 'tap';
import { StoreUnavailableError } from '../../src/errors.js';
import { ssfTestBroker } from '../helpers/ssf.js';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';

type Stallable = 'suspendAgent' | 'resumeAgent' | 'revokeToken' | 'revokeAgentTokens';

async function setup(t: Tap) {
  const { broker, call, admin } = await ssfTestBroker();
  t.teardown(broker.close);
  const streamId = (await call('POST', '/ssf/stream', {})).json().stream_id as string;
  /** The events of the SETs now pending on the stream, acknowledged. */
  const drain = async () => {
    await broker.flush();
    const sets = (await call('POST', `/ssf/poll/${streamId}`, { returnImmediately: true })).json().sets as Record<string, string>;
    const jtis = Object.keys(sets);
    if (jtis.length > 0) await call('POST', `/ssf/poll/${streamId}`, { ack: jtis, maxEvents: 0 });
    return Object.values(sets).map((set) => JSON.parse(Buffer.from(set.split('.')[1] as string, 'base64url').toString()) as { sub_id: Record<string, string>; events: Record<string, unknown> });
  };
  const stall = (method: Stallable) => {
    const original = broker.store[method];
    broker.store[method] = async () => { throw new StoreUnavailableError('no answer within 1000 ms'); };
    return () => { broker.store[method] = original as never; };
  };
  return { broker, admin, drain, stall };
}

t.test('a suspension, an agent revocation and a token revocation the store did not confirm are still sent', async (t) => {
  const { admin, drain, stall } = await setup(t);
  const cases: Array<[string, object, Stallable, Record<string, string>]> = [
    ['/agents/ticket-summarizer/suspend', { reason: 'incident 42' }, 'suspendAgent', { format: 'opaque', id: 'ticket-summarizer' }],
    ['/agents/ticket-summarizer/revoke', { reason: 'leak' }, 'revokeAgentTokens', { format: 'opaque', id: 'ticket-summarizer' }],
    ['/tokens/revoke', { jti: 'j-1', reason: 'leak' }, 'revokeToken', { format: 'jwt_id', jti: 'j-1' }],
  ];
  for (const [url, payload, method, subject] of cases) {
    const restore = stall(method);
    const res = await admin(url, payload);
    restore();
    t.equal(res.statusCode, 503, `${url}: the outcome is unknown`);
    const sets = await drain();
    t.equal(sets.length, 1, `${url}: announced although unconfirmed`);
    t.match(sets[0], { sub_id: subject, events: { [SESSION_REVOKED]: {} } });
  }
});

t.test('a resume the store did not confirm is never announced', async (t) => {
  const { admin, drain, stall } = await setup(t);
  t.equal((await admin('/agents/ticket-summarizer/suspend', { reason: 'incident 42' })).statusCode, 200);
  t.equal((await drain()).length, 1);
  const restore = stall('resumeAgent');
  t.equal((await admin('/agents/ticket-summarizer/resume')).statusCode, 503);
  restore();
  t.same(await drain(), []);
});

t.test('an emergency rotation the store did not confirm names the key that was signing', async (t) => {
  const { broker, admin, drain } = await setup(t);
  const signing = broker.keyRing.currentSigner().kid;
  const original = broker.keyRing.rotateNow.bind(broker.keyRing);
  broker.keyRing.rotateNow = async () => { throw new StoreUnavailableError('no answer within 1000 ms'); };
  const res = await admin('/keys/rotate', { compromised: true, reason: 'key leaked' });
  broker.keyRing.rotateNow = original;
  t.equal(res.statusCode, 503);
  const sets = await drain();
  t.equal(sets.length, 1);
  t.match(sets[0], { sub_id: { format: 'uri', uri: `urn:ietf:params:oauth:jwk-thumbprint:sha-256:${signing}` }, events: { [CREDENTIAL_CHANGE]: { change_type: 'revoke' } } });
});

t.test('a holder\'s RFC 7009 revocation the store did not confirm is still sent', async (t) => {
  const { broker, drain, stall } = await setup(t);
  const held = await broker.exchange(await broker.attest());
  const { access_token: token } = held.json() as { access_token: string };
  const jti = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).jti as string;
  const restore = stall('revokeToken');
  const res = await broker.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${token}` });
  restore();
  t.equal(res.statusCode, 503);
  const sets = await drain();
  t.equal(sets.length, 1);
  t.match(sets[0], { sub_id: { format: 'jwt_id', jti }, events: { [SESSION_REVOKED]: { initiating_entity: 'user' } } });
});
