/**
 * RFC 8935 push delivery from a real broker to real HTTP receivers: the request (media type,
 * the stream's authorization header, a verifiable SET), order, retries through an outage,
 * refusals, redirects never followed, the bounded backlog with its gap event, pause and
 * resume, the verification event, and the metrics. Retry periods are configured short.
 */
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import t, { type Test as Tap } from 'tap';
import { STS } from '../helpers/broker.js';
import { RECEIVER, ssfTestBroker, startPushReceiver, type PushReceiver } from '../helpers/ssf.js';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
const GAP = `${STS}/secevent/event-type/events-dropped`;
// The receivers listen on loopback while the broker's issuer is not: the operator allows it.
const FAST_RETRY = { STS_SSF_RETRY_BASE: '20ms', STS_SSF_RETRY_MAX: '80ms', STS_SSF_PRIVATE_PUSH_TARGETS: 'true' };

async function setup(t: Tap, env: Record<string, string> = {}, receiver?: PushReceiver) {
  const { broker, call, admin } = await ssfTestBroker({ env: { ...FAST_RETRY, ...env } });
  t.teardown(broker.close);
  const events = receiver ?? (await startPushReceiver());
  t.teardown(events.close);
  const created = await call('POST', '/ssf/stream', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: events.url, authorization_header: 'Bearer receiver-secret' } });
  t.equal(created.statusCode, 201);
  /** The agent ids of the SETs received, in order (a token revocation shows its jti). */
  const subjects = () => events.received.map(({ set }) => {
    const { sub_id: subId } = decodeJwt(set) as { sub_id: { id?: string; jti?: string } };
    return subId.id ?? subId.jti;
  });
  return { broker, call, admin, events, streamId: created.json().stream_id as string, subjects };
}

t.test('each SET is POSTed as application/secevent+jwt with the stream\'s authorization header, in order', async (t) => {
  const { broker, admin, events, subjects } = await setup(t);
  await admin('/agents/ticket-summarizer/suspend', { reason: 'one' });
  await admin('/tokens/revoke', { jti: 'jti-two', reason: 'two' });
  await admin('/agents/ticket-summarizer/revoke', { reason: 'three' });
  await events.waitFor(3);
  t.same(subjects(), ['ticket-summarizer', 'jti-two', 'ticket-summarizer'], 'in the order the actions happened');
  const [first] = events.received;
  t.equal(first?.contentType, 'application/secevent+jwt');
  t.equal(first?.authorization, 'Bearer receiver-secret');
  const { payload, protectedHeader } = await jwtVerify(first?.set as string, createLocalJWKSet(broker.keyRing.jwks() as Parameters<typeof createLocalJWKSet>[0]), { issuer: STS, audience: RECEIVER, typ: 'secevent+jwt' });
  t.equal(protectedHeader.kid, broker.keyRing.currentSigner().kid);
  t.ok((payload.events as Record<string, unknown>)[SESSION_REVOKED]);
  await broker.flush();
  const text = await broker.registry.metrics();
  t.match(text, /sts_security_events_delivered_total\{method="push"\} 3/);
  t.match(text, /sts_security_event_delivery_lag_seconds_count\{method="push"\} 3/);
});

t.test('a receiver outage: retried with backoff until it answers, nothing lost, order kept', async (t) => {
  const receiver = await startPushReceiver();
  let down = true;
  let refused = 0;
  receiver.answer = () => (down ? (refused++, { status: 503 }) : { status: 202 });
  const { broker, admin, events, subjects } = await setup(t, {}, receiver);
  await admin('/agents/ticket-summarizer/suspend', { reason: 'a' });
  await admin('/tokens/revoke', { jti: 'b', reason: 'b' });
  while (refused < 3) await new Promise((r) => setTimeout(r, 10));
  t.same(events.received, [], 'nothing taken while the receiver is down');
  down = false;
  await events.waitFor(2);
  t.same(subjects(), ['ticket-summarizer', 'b']);
  t.match(await broker.registry.getSingleMetricAsString('sts_security_events_failed_total'), /method="push",reason="http_5xx"\} [3-9]/);
});

t.test('a SET refused for good (400 invalid_request) is dropped; 400 invalid_key is retried', async (t) => {
  const receiver = await startPushReceiver();
  const answers = [{ status: 400, body: { err: 'invalid_request', description: 'nope' } }, { status: 400, body: { err: 'invalid_key' } }];
  receiver.answer = () => answers.shift() ?? { status: 202 };
  const { admin, events, subjects } = await setup(t, {}, receiver);
  await admin('/tokens/revoke', { jti: 'refused', reason: 'x' });
  await admin('/tokens/revoke', { jti: 'retried', reason: 'x' });
  await events.waitFor(1);
  t.same(subjects(), ['retried'], 'the refused SET is not sent again; the other got through on its second try');
});

t.test('redirects are never followed', async (t) => {
  const elsewhere = await startPushReceiver();
  t.teardown(elsewhere.close);
  const receiver = await startPushReceiver();
  let redirects = 0;
  // The receiver points the broker at another host (it could be an internal one): never followed.
  receiver.answer = () => (redirects++ < 3 ? { status: 307, headers: { location: elsewhere.url } } : { status: 202 });
  const { broker, admin, events } = await setup(t, {}, receiver);
  await admin('/agents/ticket-summarizer/suspend', { reason: 'x' });
  await events.waitFor(1);
  t.equal(redirects, 4, 'three redirects, then an answer');
  t.equal(elsewhere.received.length, 0, 'the other host never got a request');
  t.match(await broker.registry.getSingleMetricAsString('sts_security_events_failed_total'), /reason="redirect"\} 3/, 'each redirect is a failed attempt');
});

t.test('a full backlog drops its oldest events behind a gap event, delivered first', async (t) => {
  const receiver = await startPushReceiver();
  let down = true;
  receiver.answer = () => (down ? { status: 503 } : { status: 202 });
  const { broker, admin, events } = await setup(t, { STS_SSF_BACKLOG: '3' }, receiver);
  for (const jti of ['one', 'two', 'three', 'four', 'five']) await admin('/tokens/revoke', { jti, reason: 'x' });
  await broker.flush();
  down = false;
  await events.waitFor(4);
  const claims = events.received.map(({ set }) => decodeJwt(set) as { events: Record<string, Record<string, unknown>>; sub_id: { id?: string; jti?: string } });
  t.same(Object.keys(claims[0]?.events ?? {}), [GAP], 'the gap first');
  t.match(claims[0]?.events[GAP], { dropped: 2, event_timestamp: Math.floor(broker.clock() / 1000) });
  t.same(claims.slice(1).map((c) => c.sub_id.jti), ['three', 'four', 'five'], 'then the newest events, in order');
  t.match(await broker.registry.getSingleMetricAsString('sts_security_events_dropped_total'), /sts_security_events_dropped_total 2/);
});

t.test('a paused stream holds its events; enabled again, it delivers them', async (t) => {
  const { call, admin, events, streamId, subjects } = await setup(t);
  await call('POST', '/ssf/status', { stream_id: streamId, status: 'paused' });
  await admin('/agents/ticket-summarizer/suspend', { reason: 'x' });
  await new Promise((r) => setTimeout(r, 300));
  t.same(events.received, [], 'nothing while paused');
  await call('POST', '/ssf/status', { stream_id: streamId, status: 'enabled' });
  await events.waitFor(1);
  t.same(subjects(), ['ticket-summarizer']);
});

t.test('the verification event, with the receiver\'s state, names the stream', async (t) => {
  const { call, events, streamId } = await setup(t);
  t.equal((await call('POST', '/ssf/verify', { stream_id: streamId, state: 'c3RhdGU' })).statusCode, 204);
  await events.waitFor(1);
  const claims = decodeJwt(events.received[0]?.set as string);
  t.same(claims.sub_id, { format: 'opaque', id: streamId });
  t.same(claims.events, { [VERIFICATION]: { state: 'c3RhdGU' } });
});

t.test('the backlog of each stream is a metric', async (t) => {
  const receiver = await startPushReceiver();
  receiver.answer = () => ({ status: 503 });
  const { broker, admin, streamId } = await setup(t, { STS_SSF_RETRY_BASE: '10s', STS_SSF_RETRY_MAX: '10s' }, receiver);
  await admin('/tokens/revoke', { jti: 'a', reason: 'x' });
  await admin('/tokens/revoke', { jti: 'b', reason: 'x' });
  await broker.flush();
  t.match(await broker.registry.getSingleMetricAsString('sts_security_event_backlog'), `sts_security_event_backlog{stream="${streamId}",receiver="${RECEIVER}"} 2`);
});
