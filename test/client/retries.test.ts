/**
 * Retries: Retry-After on 429 (the broker's per-agent limit) and 503 (its revocation window)
 * is honoured, up to a cap; 5xx and network failures back off, a bounded number of times;
 * a 4xx is final at once.
 */
import t from 'tap';
import { createTokenClient, TokenClientError, type TokenClientOptions } from '../../src/client/index.js';
import { nextDelayMs, parseRetryAfter, retryPolicy } from '../../src/client/retry.js';
import { basePolicy, policyWithOperator, TICKETS } from '../helpers/broker.js';
import { agentClient, listeningBroker, type ListeningBroker } from '../helpers/listening-broker.js';
import { json, localServer } from '../helpers/local-server.js';
import { freePort } from '../helpers/redis.js';

/** Waits are recorded and skipped unless the test says how to wait. */
async function clientFor(broker: ListeningBroker, extra: Partial<TokenClientOptions> = {}) {
  const slept: number[] = [];
  const built = await agentClient(broker, { sleep: async (ms) => { slept.push(ms); }, ...extra });
  return { ...built, slept };
}

t.test('429 from the per-agent limit: waits what Retry-After says, then succeeds', async (t) => {
  const policy = basePolicy();
  (policy.tiers as Record<string, Record<string, unknown>>)['read-only']!.rate_limit = { requests: 1, per: '1s' };
  const broker = await listeningBroker({ policy });
  t.teardown(broker.close);
  const slept: number[] = [];
  const { client, tokenRequests } = await clientFor(broker, {
    // The broker's budget windows run on its injected clock: waiting moves that clock.
    sleep: async (ms) => { slept.push(ms); broker.clock.advance(ms); },
  });
  await client.getToken({ audience: TICKETS });
  const second = await client.getToken({ audience: 'https://kb.test' });
  t.ok(second.value, 'the second token came after the wait');
  t.ok(slept.length >= 1 && slept.every((ms) => ms === 1000), `waited exactly the Retry-After of 1 s (${slept.join(', ')})`);
  t.equal(tokenRequests(), 2 + slept.length, 'one more request per wait');
});

t.test('503 with Retry-After (the revocation window): waits, then succeeds', async (t) => {
  const { policy, admin } = policyWithOperator('ops', 'operator', 'ops-key');
  const broker = await listeningBroker({ policy });
  t.teardown(broker.close);
  const slept: number[] = [];
  const { client, tokenRequests } = await clientFor(broker, {
    // The broker's revocation window runs on its injected clock: waiting moves that clock.
    sleep: async (ms) => { slept.push(ms); broker.clock.advance(ms); },
  });
  await broker.app.inject({ method: 'POST', url: '/admin/agents/ticket-summarizer/revoke', headers: admin, payload: { reason: 'test' } });
  await broker.app.inject({ method: 'POST', url: '/admin/agents/ticket-summarizer/resume', headers: admin, payload: {} });
  const token = await client.getToken({ audience: TICKETS });
  t.ok(token.value);
  t.equal(slept.length, 1);
  t.ok(slept[0]! >= 1000 && slept[0]! <= 6000, `waited the broker's ${slept[0]} ms`);
  t.equal(tokenRequests(), 2);
});

t.test('a Retry-After beyond the cap is not waited for: the error says how long', async (t) => {
  const { policy, admin } = policyWithOperator('ops', 'operator', 'ops-key');
  const broker = await listeningBroker({ policy });
  t.teardown(broker.close);
  const { client, slept, tokenRequests } = await clientFor(broker, { retry: { maxRetryAfterMs: 500 } });
  await broker.app.inject({ method: 'POST', url: '/admin/agents/ticket-summarizer/revoke', headers: admin, payload: { reason: 'test' } });
  await broker.app.inject({ method: 'POST', url: '/admin/agents/ticket-summarizer/resume', headers: admin, payload: {} });
  const error = await client.getToken({ audience: TICKETS }).catch((e: unknown) => e);
  t.match(error, { error: 'temporarily_unavailable', status: 503 });
  t.ok((error as TokenClientError).retryAfterMs! >= 1000);
  t.same(slept, []);
  t.equal(tokenRequests(), 1);
});

t.test('a 4xx is final: one request, no wait', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const { client, slept, tokenRequests } = await clientFor(broker);
  const error = await client.getToken({ audience: 'https://nobody.test' }).catch((e: unknown) => e);
  t.type(error, TokenClientError);
  t.match(error, { status: 400, retryable: false });
  t.equal(tokenRequests(), 1);
  t.same(slept, []);
});

t.test('5xx: bounded retries with growing backoff', async (t) => {
  const server = await localServer({ '/token': (_req, res) => json(res, 500, { error: 'server_error', error_description: 'boom' }) });
  t.teardown(server.close);
  const slept: number[] = [];
  const client = createTokenClient({
    issuer: server.url,
    attestation: { presentAs: 'subject_token', read: async () => 'attestation' },
    retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300 },
    random: () => 0.5,
    sleep: async (ms) => { slept.push(ms); },
  });
  await t.rejects(client.getToken({ audience: TICKETS }), { name: 'TokenClientError', error: 'server_error', status: 500, errorDescription: 'boom' });
  t.equal(server.hits('/token'), 5, 'maxAttempts in all');
  t.same(slept, [75, 150, 225, 225], 'doubling, half jittered, capped at maxDelayMs');
});

t.test('network failures are retried, then reported', async (t) => {
  const closedPort = await freePort();
  const server = await localServer({}, { token_endpoint: `http://127.0.0.1:${closedPort}/token` });
  t.teardown(server.close);
  const slept: number[] = [];
  const client = createTokenClient({
    issuer: server.url,
    attestation: { presentAs: 'subject_token', read: async () => 'attestation' },
    retry: { maxAttempts: 3, baseDelayMs: 10 },
    sleep: async (ms) => { slept.push(ms); },
  });
  const error = await client.getToken({ audience: TICKETS }).catch((e: unknown) => e);
  t.match(error, { error: 'network_error', status: undefined });
  t.match((error as Error).message, /ECONNREFUSED/);
  t.equal(slept.length, 2);
});

t.test('retry rules, pure', async (t) => {
  const policy = retryPolicy({ maxAttempts: 3 });
  const err = (status: number | undefined, retryAfterMs?: number) =>
    new TokenClientError(status === undefined ? 'network_error' : 'x', undefined, { ...(status === undefined ? {} : { status }), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  t.equal(nextDelayMs(err(400), 1, policy, 0), undefined, '400: no retry');
  t.equal(nextDelayMs(err(401), 1, policy, 0), undefined, '401: no retry');
  t.equal(nextDelayMs(err(429, 2000), 1, policy, 0), 2000, '429: Retry-After');
  t.equal(nextDelayMs(err(503, 2000), 1, policy, 0.9), 2000, '503: Retry-After, no jitter added');
  t.equal(nextDelayMs(err(502), 1, policy, 0), 100);
  t.equal(nextDelayMs(err(undefined), 2, policy, 0), 200);
  t.equal(nextDelayMs(err(502), 3, policy, 0), undefined, 'attempts exhausted');
  t.equal(parseRetryAfter('7', 0), 7000);
  t.equal(parseRetryAfter(new Date(60_000).toUTCString(), 0), 60_000, 'an HTTP-date');
  t.equal(parseRetryAfter('soon', 0), undefined);
  t.throws(() => retryPolicy({ maxAttempts: 0 }), TypeError);
});
