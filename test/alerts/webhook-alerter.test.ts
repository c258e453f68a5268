import t from 'tap';
import pino from 'pino';
import {
  backoffDelay, createWebhookAlerter, isRetriableStatus, signBody, verifySignature, type AnomalyAlert,
} from '../../src/alerts/index.js';
import { startReceiver } from './receiver.js';

const logger = pino({ level: 'silent' });
const SECRET = 'webhook-secret';
const alert = (id = 'a1'): AnomalyAlert => ({
  type: 'anomaly', agent: 'agent-a', kind: 'out_of_scope', action: 'alert', detail: 'request denied for scope',
  at: '2026-06-01T12:00:00.000Z', id,
});

t.test('a delivery is a signed JSON POST of the alert', async (t) => {
  const rx = await startReceiver();
  t.teardown(rx.close);
  const results: string[] = [];
  const alerter = createWebhookAlerter({ urls: [rx.url], secret: SECRET, logger, onResult: (r) => results.push(r) });
  alerter.send(alert());
  await alerter.flush();
  t.equal(rx.deliveries.length, 1);
  const [d] = rx.deliveries;
  t.equal(d!.headers['content-type'], 'application/json');
  const header = d!.headers['x-sts-signature'] as string;
  t.match(header, /^sha256=[0-9a-f]{64}$/);
  t.ok(verifySignature(d!.body, SECRET, header), 'HMAC-SHA256 of the exact body bytes');
  t.notOk(verifySignature(d!.body, 'other-secret', header), 'another secret does not verify');
  t.notOk(verifySignature(Buffer.concat([d!.body, Buffer.from(' ')]), SECRET, header), 'a changed body does not verify');
  t.same(JSON.parse(d!.body.toString()), alert());
  t.same(results, ['delivered']);
});

t.test('signature matches a known HMAC-SHA256 vector', async (t) => {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
  t.equal(signBody('what do ya want for nothing?', 'Jefe'),
    'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
});

t.test('5xx and 429 are retried with backoff until the receiver accepts', async (t) => {
  const rx = await startReceiver([500, 429, 200]);
  t.teardown(rx.close);
  const results: string[] = [];
  const alerter = createWebhookAlerter({
    urls: [rx.url], secret: SECRET, logger, retry: { attempts: 5, baseDelayMs: 1 }, onResult: (r) => results.push(r),
  });
  alerter.send(alert('retry-me'));
  await alerter.flush();
  t.equal(rx.deliveries.length, 3, 'fails twice, then succeeds');
  t.ok(rx.deliveries.every((d) => JSON.parse(d.body.toString()).id === 'retry-me'), 'same alert id on every attempt');
  t.same(results, ['delivered']);
});

t.test('network errors are retried; attempts are bounded', async (t) => {
  let calls = 0;
  const failing: typeof fetch = async () => { calls++; throw new TypeError('fetch failed'); };
  const results: string[] = [];
  const alerter = createWebhookAlerter({
    urls: ['http://127.0.0.1:1/'], secret: SECRET, logger, fetch: failing, retry: { attempts: 3, baseDelayMs: 1 },
    onResult: (r) => results.push(r),
  });
  alerter.send(alert());
  await alerter.flush();
  t.equal(calls, 3);
  t.same(results, ['failed']);
});

t.test('a 4xx refusal is not retried', async (t) => {
  const rx = await startReceiver([400]);
  t.teardown(rx.close);
  const results: string[] = [];
  const alerter = createWebhookAlerter({ urls: [rx.url], secret: SECRET, logger, retry: { attempts: 5, baseDelayMs: 1 }, onResult: (r) => results.push(r) });
  alerter.send(alert());
  await alerter.flush();
  t.equal(rx.deliveries.length, 1);
  t.same(results, ['failed']);
});

t.test('each attempt has a timeout', async (t) => {
  const rx = await startReceiver([0, 200]);
  t.teardown(rx.close);
  const results: string[] = [];
  const alerter = createWebhookAlerter({
    urls: [rx.url], secret: SECRET, logger, timeoutMs: 1000, retry: { attempts: 3, baseDelayMs: 1 }, onResult: (r) => results.push(r),
  });
  alerter.send(alert());
  await alerter.flush();
  t.equal(rx.deliveries.length, 2, 'the hung attempt was abandoned and retried');
  t.same(results, ['delivered']);
});

t.test('the queue is bounded: send never blocks, overflow is dropped and counted', async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => { release = r; });
  let calls = 0;
  const slow: typeof fetch = async () => { calls++; await gate; return new Response(null, { status: 204 }); };
  const results: string[] = [];
  const alerter = createWebhookAlerter({ urls: ['http://receiver.invalid/'], secret: SECRET, logger, fetch: slow, maxQueue: 2, onResult: (r) => results.push(r) });
  for (let i = 0; i < 5; i++) alerter.send(alert(`a${i}`)); // one in flight, two queued, two dropped
  t.same(results, ['dropped', 'dropped']);
  release();
  await alerter.flush();
  t.equal(calls, 3);
  t.same(results.filter((r) => r === 'delivered').length, 3);
});

t.test('close drains for a bounded time, then abandons', async (t) => {
  const hang: typeof fetch = (_url, init) => new Promise((_, reject) => {
    init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  });
  const results: string[] = [];
  const alerter = createWebhookAlerter({
    urls: ['http://receiver.invalid/'], secret: SECRET, logger, fetch: hang, drainMs: 50, timeoutMs: 60_000, onResult: (r) => results.push(r),
  });
  alerter.send(alert('a'));
  alerter.send(alert('b'));
  await alerter.close();
  t.same(results.sort(), ['dropped', 'failed'], 'in-flight one failed, queued one dropped');
  alerter.send(alert('late'));
  t.equal(results.length, 3, 'sends after close are dropped');
});

t.test('backoff grows exponentially with jitter and a cap', async (t) => {
  t.equal(backoffDelay(1, 100, 10_000, () => 0), 50);
  t.equal(backoffDelay(1, 100, 10_000, () => 0.999999), 100);
  t.equal(backoffDelay(3, 100, 10_000, () => 0), 200);
  t.equal(backoffDelay(4, 100, 10_000, () => 0.999999), 800);
  t.equal(backoffDelay(20, 100, 10_000, () => 0.5), 10_000);
  t.ok(isRetriableStatus(503) && isRetriableStatus(429));
  t.notOk(isRetriableStatus(400) || isRetriableStatus(404));
});

t.test('logs name the webhook by origin only (its path may be a secret)', async (t) => {
  const lines: string[] = [];
  const capture = pino({ level: 'warn' }, { write: (line: string) => { lines.push(line); } });
  const rx = await startReceiver([503]);
  t.teardown(rx.close);
  const alerter = createWebhookAlerter({ urls: [rx.url], secret: SECRET, logger: capture, retry: { attempts: 1, baseDelayMs: 1 } });
  alerter.send(alert());
  await alerter.flush();
  t.ok(lines.length >= 1);
  t.notMatch(lines.join('\n'), /secret-path/);
  t.notMatch(lines.join('\n'), new RegExp(SECRET));
});
