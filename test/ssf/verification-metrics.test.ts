/**
 * Regression: a verification event (SSF §8.1.4.2, POST /ssf/verify) is an event the broker
 * emits like any other, so sts_security_events_emitted_total{kind="verification"} counts it.
 * It used to stay 0: the verification SET is queued by stream management, not by the emitter
 * that did the counting. A request refused for min_verification_interval emits nothing.
 */
import t from 'tap';
import { ssfTestBroker } from '../helpers/ssf.js';

const METRIC = 'sts_security_events_emitted_total';

t.test('POST /ssf/verify is counted in the events emitted, kind="verification"', async (t) => {
  const { broker, call } = await ssfTestBroker();
  t.teardown(broker.close);
  const emitted = async () => {
    const text = await broker.registry.getSingleMetricAsString(METRIC);
    return Number(/kind="verification"\} (\d+)/.exec(text)?.[1]);
  };
  t.equal(await emitted(), 0, 'the series exists before any event');

  const poll = (await call('POST', '/ssf/stream', {})).json().stream_id as string;
  const push = (await call('POST', '/ssf/stream', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'https://api.example/events' } })).json().stream_id as string;
  t.equal((await call('POST', '/ssf/verify', { stream_id: poll, state: 'c3RhdGU' })).statusCode, 204);
  t.equal(await emitted(), 1, 'a verification for a poll stream');
  t.equal((await call('POST', '/ssf/verify', { stream_id: push })).statusCode, 204);
  t.equal(await emitted(), 2, 'a verification for a push stream');

  t.equal((await call('POST', '/ssf/verify', { stream_id: poll })).statusCode, 429);
  t.equal(await emitted(), 2, 'refused for min_verification_interval: nothing emitted, nothing counted');

  const polled = await call('POST', `/ssf/poll/${poll}`, { returnImmediately: true });
  t.equal(Object.keys(polled.json().sets as Record<string, string>).length, 1, 'the counted event is the one delivered');
});
