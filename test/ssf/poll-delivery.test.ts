/**
 * RFC 8936 poll delivery against a real broker: oldest first, redelivered until acknowledged
 * by jti, maxEvents and moreAvailable, errors reported in setErrs, a long poll that returns as
 * soon as an event is emitted, malformed requests answered as RFC 8936 says.
 */
import { decodeJwt } from 'jose';
import t, { type Test as Tap } from 'tap';
import { ssfTestBroker } from '../helpers/ssf.js';

async function setup(t: Tap, env: Record<string, string> = {}) {
  const { broker, call, admin } = await ssfTestBroker({ env });
  t.teardown(broker.close);
  const streamId = (await call('POST', '/ssf/stream', {})).json().stream_id as string;
  const poll = async (body: object) => {
    const res = await call('POST', `/ssf/poll/${streamId}`, body);
    return { status: res.statusCode, body: res.json() as { sets: Record<string, string>; moreAvailable?: boolean } };
  };
  const jtis = (sets: Record<string, string>) => Object.values(sets).map((set) => (decodeJwt(set).sub_id as { jti: string }).jti);
  return { broker, call, admin, poll, jtis, streamId };
}

t.test('oldest first, at most maxEvents, redelivered until acknowledged', async (t) => {
  const { broker, admin, poll, jtis } = await setup(t);
  for (const jti of ['a', 'b', 'c']) await admin('/tokens/revoke', { jti, reason: 'x' });
  await broker.flush();
  const first = await poll({ returnImmediately: true, maxEvents: 2 });
  t.equal(first.status, 200);
  t.same(jtis(first.body.sets), ['a', 'b']);
  t.equal(first.body.moreAvailable, true);
  const again = await poll({ returnImmediately: true, maxEvents: 2 });
  t.same(jtis(again.body.sets), ['a', 'b'], 'not acknowledged: delivered again (at-least-once)');
  const next = await poll({ ack: Object.keys(first.body.sets), returnImmediately: true });
  t.same(jtis(next.body.sets), ['c'], 'the acknowledgement and the next poll in one request');
  t.notOk(next.body.moreAvailable);
  const done = await poll({ ack: Object.keys(next.body.sets), returnImmediately: true });
  t.same(done.body, { sets: {} });
  await broker.flush();
  t.match(await broker.registry.getSingleMetricAsString('sts_security_events_delivered_total'), /method="poll"\} 3/);
});

t.test('maxEvents 0 only acknowledges; setErrs are acknowledged and counted', async (t) => {
  const { broker, admin, poll } = await setup(t);
  await admin('/tokens/revoke', { jti: 'a', reason: 'x' });
  await admin('/tokens/revoke', { jti: 'b', reason: 'x' });
  await broker.flush();
  const [first, second] = Object.keys((await poll({ returnImmediately: true })).body.sets);
  t.same((await poll({ ack: [first], maxEvents: 0 })).body, { sets: {} });
  const errs = await poll({ setErrs: { [second as string]: { err: 'invalid_key', description: 'unknown kid' } }, returnImmediately: true });
  t.same(errs.body, { sets: {} }, 'a SET reported in setErrs is not sent again');
  t.match(await broker.registry.getSingleMetricAsString('sts_security_events_failed_total'), /method="poll",reason="invalid_key"\} 1/);
});

t.test('a long poll returns as soon as an event is emitted', async (t) => {
  const { admin, poll } = await setup(t, { STS_SSF_POLL_WAIT: '2s' });
  const started = performance.now();
  const waiting = poll({});
  await new Promise((r) => setTimeout(r, 100));
  await admin('/agents/ticket-summarizer/suspend', { reason: 'x' });
  const answer = await waiting;
  const elapsed = performance.now() - started;
  t.equal(Object.keys(answer.body.sets).length, 1);
  t.ok(elapsed < 1_500, `answered ${Math.round(elapsed)} ms after the poll began (the wait is 2 s)`);
  const empty = performance.now();
  t.same((await poll({ ack: Object.keys(answer.body.sets) })).body, { sets: {} }, 'nothing more: empty when the wait runs out');
  t.ok(performance.now() - empty >= 1_900, 'it waited');
});

t.test('malformed polls are 400 {err, description}; a push stream has no poll endpoint', async (t) => {
  const { call, poll } = await setup(t);
  const bad = await poll({ maxEvents: -1 });
  t.equal(bad.status, 400);
  t.match(bad.body, { err: 'invalid_request', description: /maxEvents/ });
  t.equal((await poll({ ack: 'a-string', returnImmediately: true })).status, 200, 'a lone jti is read as a list of one');
  const push = (await call('POST', '/ssf/stream', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'https://api.example/e' } })).json().stream_id as string;
  t.equal((await call('POST', `/ssf/poll/${push}`, { returnImmediately: true })).statusCode, 404);
  t.equal((await call('POST', '/ssf/poll/0123', {})).statusCode, 404);
});

t.test('closing the broker ends a waiting poll at once', async (t) => {
  const { broker, poll } = await setup(t, { STS_SSF_POLL_WAIT: '5s' });
  const waiting = poll({});
  await new Promise((r) => setTimeout(r, 100));
  const started = performance.now();
  await broker.close();
  await waiting.catch(() => undefined);
  t.ok(performance.now() - started < 2_000, 'close did not wait for the poll to time out');
});
