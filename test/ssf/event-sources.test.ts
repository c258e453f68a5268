/**
 * Every action that ends trust in issued tokens becomes exactly one SET on each stream: an
 * operator's suspension and revocation of an agent, the anomaly response's suspension, a
 * holder's RFC 7009 revocation, an operator's token revocation, a person's tokens revoked, an
 * emergency key rotation. Each SET is signed by the broker's current key, typed
 * secevent+jwt, and carries the CAEP event and RFC 9493 subject the README documents.
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import t, { type Test as Tap } from 'tap';
import { HARD_MAX_TTL_MS } from '../../src/policy/index.js';
import { buildTestBroker, STS, type PolicyDoc, type TestBroker } from '../helpers/broker.js';
import { delegationPolicy, IDP, idpKey } from '../helpers/delegation.js';
import { RECEIVER, receiverToken as tokenOf, SSF_ADMIN_KEY, ssfPolicy, withSsfOperator } from '../helpers/ssf.js';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
function policy(): PolicyDoc {
  const doc = withSsfOperator(ssfPolicy(STS, delegationPolicy()));
  const tiers = doc.tiers as Record<string, Record<string, unknown>>;
  tiers['read-only'] = { ...tiers['read-only'], anomalies: { out_of_scope: { action: 'suspend', after: 2, within: '10m' } } };
  return doc;
}

async function setup(t: Tap, env: Record<string, string> = {}) {
  const idp = await idpKey();
  const broker = await buildTestBroker({ policy: policy(), files: { 'idp.jwks.json': { keys: [idp.publicJwk] } }, env: { STS_RATE_LIMIT_ADDRESS: '100000/1s', ...env } });
  t.teardown(broker.close);
  const receiverToken = () => tokenOf(broker);
  const created = await broker.app.inject({ method: 'POST', url: '/ssf/stream', headers: { authorization: `Bearer ${await receiverToken()}` }, payload: {} });
  const streamId = created.json().stream_id as string;
  const admin = (url: string, payload: object = {}) =>
    broker.app.inject({ method: 'POST', url: `/admin${url}`, headers: { authorization: `Bearer ${SSF_ADMIN_KEY}` }, payload });
  /** Every SET pending on the stream now (acknowledging them), verified. */
  const drain = async (stream = streamId) => {
    await broker.flush();
    // A fresh token each time: an emergency rotation revokes the one signed by the withdrawn key.
    const token = await receiverToken();
    const res = await broker.app.inject({ method: 'POST', url: `/ssf/poll/${stream}`, headers: { authorization: `Bearer ${token}` }, payload: { returnImmediately: true } });
    const sets = Object.entries(res.json().sets as Record<string, string>);
    if (sets.length > 0) await broker.app.inject({ method: 'POST', url: `/ssf/poll/${stream}`, headers: { authorization: `Bearer ${token}` }, payload: { ack: sets.map(([jti]) => jti), maxEvents: 0 } });
    return Promise.all(sets.map(async ([jti, set]) => {
      const verified = await jwtVerify(set, createLocalJWKSet(broker.keyRing.jwks() as Parameters<typeof createLocalJWKSet>[0]), { issuer: STS, audience: RECEIVER, typ: 'secevent+jwt' });
      t.equal(verified.payload.jti, jti, 'keyed by its jti');
      t.notOk('sub' in verified.payload || 'exp' in verified.payload, 'no sub, no exp (SSF §4.1)');
      t.type(verified.payload.txn, 'string');
      return verified.payload as { sub_id: unknown; events: Record<string, Record<string, unknown>>; iat: number };
    }));
  };
  const newStream = async (payload: object = {}) =>
    (await broker.app.inject({ method: 'POST', url: '/ssf/stream', headers: { authorization: `Bearer ${await receiverToken()}` }, payload })).json().stream_id as string;
  return { broker, admin, drain, streamId, newStream };
}

const only = (t: Tap, sets: Array<{ sub_id: unknown; events: Record<string, Record<string, unknown>> }>, type: string) => {
  t.equal(sets.length, 1, 'exactly one SET');
  t.same(Object.keys(sets[0]?.events ?? {}), [type], 'one event per SET');
  return { subId: sets[0]?.sub_id, event: sets[0]?.events[type] ?? {} };
};

t.test('an operator suspends, then revokes, an agent', async (t) => {
  const { broker, admin, drain } = await setup(t);
  t.equal((await admin('/agents/ticket-summarizer/suspend', { reason: 'investigating ticket 4711' })).statusCode, 200);
  const suspended = only(t, await drain(), SESSION_REVOKED);
  t.same(suspended.subId, { format: 'opaque', id: 'ticket-summarizer' });
  t.same(suspended.event, { event_timestamp: Math.floor(broker.clock() / 1000), initiating_entity: 'admin', reason_admin: { en: 'agent suspended' } },
    'the operator\'s own words stay in the audit trail');
  t.equal((await admin('/agents/ticket-summarizer/revoke', { reason: 'leaked' })).statusCode, 200);
  t.match(only(t, await drain(), SESSION_REVOKED).event, { initiating_entity: 'admin', reason_admin: { en: /revoked/ } });
  t.equal((await admin('/agents/ticket-summarizer/resume')).statusCode, 200);
  t.same(await drain(), [], 'resuming sends nothing: later tokens are issued after the revocation');
});

t.test('the anomaly response suspends an agent', async (t) => {
  const { broker, drain } = await setup(t);
  for (let i = 0; i < 2; i++) {
    await broker.exchange(await broker.attest(), { scope: 'tickets:write' });
    await broker.flush();
  }
  t.equal((await broker.store.getAgentControl('ticket-summarizer')).suspended?.by, 'anomaly-detector');
  const { subId, event } = only(t, await drain(), SESSION_REVOKED);
  t.same(subId, { format: 'opaque', id: 'ticket-summarizer' });
  t.equal(event.initiating_entity, 'policy');
});

t.test('a holder revokes its token (RFC 7009); an operator revokes another by jti', async (t) => {
  const { broker, admin, drain } = await setup(t);
  const token = (await broker.exchange(await broker.attest())).json().access_token as string;
  const revoked = await broker.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${token}` });
  t.equal(revoked.statusCode, 200);
  const byHolder = only(t, await drain(), SESSION_REVOKED);
  t.same(byHolder.subId, { format: 'jwt_id', iss: STS, jti: decodeJwt(token).jti });
  t.equal(byHolder.event.initiating_entity, 'user');
  await broker.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${token}` });
  t.same(await drain(), [], 'revoking an already revoked token sends nothing again');

  t.equal((await admin('/tokens/revoke', { jti: 'some-jti', reason: 'x' })).statusCode, 200);
  const byOperator = only(t, await drain(), SESSION_REVOKED);
  t.same(byOperator.subId, { format: 'jwt_id', iss: STS, jti: 'some-jti' });
  t.equal(byOperator.event.initiating_entity, 'admin');
});

t.test('an operator revokes every token issued for a person', async (t) => {
  const { admin, drain } = await setup(t);
  t.equal((await admin('/people/revoke', { issuer: IDP, subject: 'alice', reason: 'left the company' })).statusCode, 200);
  t.same(only(t, await drain(), SESSION_REVOKED).subId, { format: 'iss_sub', iss: IDP, sub: 'alice' });
});

t.test('an emergency rotation withdraws a compromised key; the SET is signed by the new one', async (t) => {
  const { broker, admin, drain } = await setup(t);
  const compromised = broker.keyRing.currentSigner().kid;
  t.equal((await admin('/keys/rotate', { compromised: true, reason: 'key material exposed' })).statusCode, 200);
  await broker.flush();
  const res = await drain();
  const { subId, event } = only(t, res, CREDENTIAL_CHANGE);
  t.same(subId, { format: 'uri', uri: `urn:ietf:params:oauth:jwk-thumbprint:sha-256:${compromised}` }, 'RFC 9278 thumbprint URI of the kid');
  t.match(event, { credential_type: 'jwk', change_type: 'revoke', initiating_entity: 'admin' });
  t.equal((await admin('/keys/rotate', {})).statusCode, 200);
  t.same(await drain(), [], 'a scheduled rotation is not a revocation');
});

t.test('SETs go out under the key current at delivery, never the one withdrawn', async (t) => {
  const { broker, admin, streamId } = await setup(t);
  await admin('/agents/ticket-summarizer/suspend', { reason: 'x' });
  await broker.flush();
  const old = broker.keyRing.currentSigner().kid;
  await admin('/keys/rotate', { compromised: true });
  await broker.flush();
  const token = await tokenOf(broker);
  const res = await broker.app.inject({ method: 'POST', url: `/ssf/poll/${streamId}`, headers: { authorization: `Bearer ${token}` }, payload: { returnImmediately: true } });
  const sets = Object.values(res.json().sets as Record<string, string>);
  t.equal(sets.length, 2);
  for (const set of sets) {
    t.not(decodeProtectedHeader(set).kid, old);
    t.equal(decodeProtectedHeader(set).kid, broker.keyRing.currentSigner().kid);
  }
});

t.test('a stream takes only the events it asked for, and not about subjects it removed', async (t) => {
  const { broker, admin, drain, streamId } = await setup(t);
  const token = await tokenOf(broker);
  const call = (method: 'POST' | 'PATCH', url: string, payload: object) => broker.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload });
  await call('PATCH', '/ssf/stream', { stream_id: streamId, events_requested: [CREDENTIAL_CHANGE] });
  await admin('/agents/ticket-summarizer/suspend', { reason: 'x' });
  t.same(await drain(), [], 'session-revoked not requested');
  await call('PATCH', '/ssf/stream', { stream_id: streamId, events_requested: [SESSION_REVOKED] });
  await call('POST', '/ssf/subjects:remove', { stream_id: streamId, subject: { format: 'opaque', id: 'ticket-summarizer' } });
  await admin('/agents/ticket-summarizer/revoke', { reason: 'x' });
  t.same(await drain(), [], 'the subject was removed');
  await call('POST', '/ssf/subjects:add', { stream_id: streamId, subject: { format: 'opaque', id: 'ticket-summarizer' } });
  await admin('/agents/ticket-summarizer/suspend', { reason: 'again' });
  t.equal((await drain()).length, 1, 'added back');
  await call('POST', '/ssf/status', { stream_id: streamId, status: 'disabled' });
  await admin('/agents/ticket-summarizer/revoke', { reason: 'x' });
  await call('POST', '/ssf/status', { stream_id: streamId, status: 'enabled' });
  t.same(await drain(), [], 'a disabled stream holds nothing');

  const metrics = await broker.registry.getSingleMetricAsString('sts_security_events_emitted_total');
  t.match(metrics, /kind="agent_suspended"\} 2/);
  t.match(metrics, /kind="agent_revoked"\} 2/, 'emitted counts actions, whatever the streams take');
});

t.test('a stream created later starts with the events that still matter, at their own times, in order', async (t) => {
  const { broker, admin, drain, newStream } = await setup(t);
  await admin('/agents/ticket-summarizer/revoke', { reason: 'long ago' });
  await drain();
  // Past the longest token lifetime (and the clock tolerance), a token issued before the event is dead anyway.
  broker.clock.advance(HARD_MAX_TTL_MS + 61_000);
  const suspendedAtS = Math.floor(broker.clock() / 1000);
  await admin('/agents/ticket-summarizer/suspend', { reason: 'now' });
  broker.clock.advance(5_000);
  await admin('/tokens/revoke', { jti: 'held-jti', reason: 'x' });
  t.equal((await drain()).length, 2, 'the stream that existed got both');

  broker.clock.advance(60_000);
  const late = await drain(await newStream());
  t.equal(late.length, 2, 'the new stream gets the two recent events, not the old one');
  t.same(late.map((set) => set.sub_id), [{ format: 'opaque', id: 'ticket-summarizer' }, { format: 'jwt_id', iss: STS, jti: 'held-jti' }], 'in the order they happened');
  t.equal(late[0]?.events[SESSION_REVOKED]?.event_timestamp, suspendedAtS, 'with the time of the suspension, not of the subscription');
  t.same(await drain(), [], 'nothing again for the stream that had them');

  const onlyKeys = await drain(await newStream({ events_requested: [CREDENTIAL_CHANGE] }));
  t.same(onlyKeys, [], 'a new stream catches up only on the events it asked for');
});

t.test('recent events lost to the bound reach a new stream as one gap event before the rest', async (t) => {
  const { broker, admin, drain, newStream } = await setup(t, { STS_SSF_BACKLOG: '4' });
  const times: number[] = [];
  for (const jti of ['j1', 'j2', 'j3', 'j4', 'j5']) {
    times.push(Math.floor(broker.clock() / 1000));
    await admin('/tokens/revoke', { jti, reason: 'x' });
    broker.clock.advance(1_000);
  }
  await drain();
  const late = await drain(await newStream());
  t.equal(late.length, 4, 'a gap and the three kept, within the stream\'s backlog of 4');
  const gap = late[0]?.events[`${STS}/secevent/event-type/events-dropped`];
  t.ok(gap, 'the gap comes first');
  t.equal(gap?.event_timestamp, times[1], 'a receiver refuses every token issued until the newest event lost');
  t.same(late.slice(1).map((set) => (set.sub_id as { jti: string }).jti), ['j3', 'j4', 'j5']);
});
