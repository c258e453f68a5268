/**
 * agent-sts/client against a real broker over HTTP: one token per (audience or resource,
 * intent, scope), one request in flight per target, renewal ahead of expiry on the injected
 * clock, and what happens to the cached token when a renewal fails.
 */
import t from 'tap';
import { decodeJwt } from 'jose';
import { TokenClientError } from '../../src/client/index.js';
import { refreshAtMs, REFRESH_AHEAD_FRACTION, REFRESH_JITTER_FRACTION } from '../../src/client/refresh-schedule.js';
import { agentDoc, basePolicy, policyWithOperator, TICKETS } from '../helpers/broker.js';
import { agentClient, listeningBroker } from '../helpers/listening-broker.js';


t.test('one token per target: audience or resource, intent, scope set', async (t) => {
  const policy = basePolicy();
  policy.agents = [agentDoc('ticket-summarizer', {
    intents: [
      { name: 'summarize-tickets', description: 'Read', audience: TICKETS, scopes: ['tickets:read', 'tickets:comments:read'] },
      { name: 'read-kb', description: 'Read kb', audience: 'https://kb.test', scopes: ['kb:read'] },
    ],
  })];
  const broker = await listeningBroker({ policy });
  t.teardown(broker.close);
  const { client, tokenRequests } = await agentClient(broker);

  const first = await client.getToken({ audience: TICKETS, intent: 'summarize-tickets' });
  const again = await client.getToken({ audience: TICKETS, intent: 'summarize-tickets' });
  t.equal(again, first, 'the same target is served from the cache');
  t.equal(tokenRequests(), 1);
  t.same(first.scopes, ['tickets:read', 'tickets:comments:read']);
  t.equal(decodeJwt(first.value).aud, TICKETS);

  const narrower = await client.getToken({ audience: TICKETS, intent: 'summarize-tickets', scope: 'tickets:read' });
  t.not(narrower.value, first.value, 'another scope set is another token');
  t.same(narrower.scopes, ['tickets:read']);
  const sameSet = await client.getToken({ audience: TICKETS, intent: 'summarize-tickets', scope: ['tickets:read', 'tickets:read'] });
  t.equal(sameSet, narrower, 'order and repeats do not make another key');
  const viaResource = await client.getToken({ resource: TICKETS, intent: 'summarize-tickets' });
  t.not(viaResource.value, first.value, 'resource and audience are cached apart');
  t.equal(decodeJwt(viaResource.value).aud, TICKETS, 'RFC 8707 resource is the audience');
  const implicitIntent = await client.getToken({ audience: 'https://kb.test' });
  t.equal(decodeJwt(implicitIntent.value).intent, 'read-kb');
  t.equal(tokenRequests(), 4);
  await t.rejects(client.getToken({ audience: TICKETS, resource: TICKETS } as never), TypeError);
});

t.test('single flight: many callers, one request per target', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const { client, tokenRequests } = await agentClient(broker);
  const tokens = await Promise.all(Array.from({ length: 25 }, () => client.getToken({ audience: TICKETS })));
  t.equal(tokenRequests(), 1, 'one request for 25 concurrent callers');
  t.ok(tokens.every((token) => token === tokens[0]), 'all get the same token');
  const mixed = await Promise.all([
    ...Array.from({ length: 5 }, () => client.getToken({ audience: 'https://kb.test' })),
    ...Array.from({ length: 5 }, () => client.getToken({ audience: 'https://kb.test', scope: 'kb:read' })),
  ]);
  t.equal(tokenRequests(), 3, 'one more per distinct target');
  t.equal(new Set(mixed.map((token) => token.value)).size, 2);
});

t.test('renewal ahead of expiry, on the injected clock', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const { client, tokenRequests } = await agentClient(broker);
  const first = await client.getToken({ audience: TICKETS });
  const lifetime = first.expiresAtMs - first.obtainedAtMs;
  t.equal(lifetime, 600_000, 'the intent max_ttl, from expires_in');

  broker.clock.advance(lifetime * (1 - REFRESH_AHEAD_FRACTION - REFRESH_JITTER_FRACTION) - 1_000);
  t.equal(await client.getToken({ audience: TICKETS }), first, 'before the renewal window: cached');
  broker.clock.advance(REFRESH_JITTER_FRACTION * lifetime + 2_000);
  const renewed = await client.getToken({ audience: TICKETS });
  t.not(renewed.value, first.value, 'inside the last fifth of its life: renewed');
  t.ok(first.expiresAtMs - broker.clock() > 60_000, 'renewed well before exp');
  t.equal(tokenRequests(), 2);
});

t.test('the renewal instant is spread by jitter within bounds', async (t) => {
  const obtained = 1_000_000;
  const expires = obtained + 600_000;
  t.equal(refreshAtMs(obtained, expires, 0), expires - 120_000, 'no jitter: a fifth ahead');
  t.ok(Math.abs(refreshAtMs(obtained, expires, 0.999999) - (expires - 180_000)) < 1, 'full jitter: three tenths ahead');
  t.equal(refreshAtMs(obtained, obtained, 0.5), obtained, 'never before the token was obtained');
  const spread = new Set(Array.from({ length: 20 }, (_, i) => refreshAtMs(obtained, expires, i / 20)));
  t.equal(spread.size, 20, 'different draws, different instants');
});

t.test('a refused renewal drops the token; a broker that cannot answer leaves the valid one in use', async (t) => {
  const { policy, admin } = policyWithOperator('ops', 'operator', 'ops-key');
  const broker = await listeningBroker({ policy });
  t.teardown(broker.close);
  const warnings: string[] = [];
  const { client } = await agentClient(broker, {
    retry: { maxAttempts: 2, baseDelayMs: 1 },
    logger: { warn: (_fields, message) => warnings.push(message) },
  });
  const first = await client.getToken({ audience: TICKETS });

  const suspended = await broker.app.inject({ method: 'POST', url: '/admin/agents/ticket-summarizer/suspend', headers: admin, payload: { reason: 'test' } });
  t.equal(suspended.statusCode, 200);
  broker.clock.advance(500_000);
  const refused = await client.getToken({ audience: TICKETS }).catch((error: unknown) => error);
  t.type(refused, TokenClientError);
  t.match(refused, { error: 'unauthorized_client', status: 400 }, 'the broker refused: no stale token');
  t.match((refused as TokenClientError).errorDescription, /suspended/);

  await broker.app.inject({ method: 'POST', url: '/admin/agents/ticket-summarizer/resume', headers: admin, payload: {} });
  const second = await client.getToken({ audience: TICKETS });
  t.not(second.value, first.value);
  await broker.app.close(); // the broker stops answering
  broker.clock.advance(500_000);
  const kept = await client.getToken({ audience: TICKETS });
  t.equal(kept, second, 'renewal failed for want of an answer: the still-valid token is used');
  t.match(warnings, [/retrying/, /using the current token/]);
  broker.clock.advance(96_000);
  await t.rejects(client.getToken({ audience: TICKETS }), { name: 'TokenClientError', error: 'network_error' }, 'but not within 5 s of its expiry');
});

t.test('the cache is bounded', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const { client, tokenRequests } = await agentClient(broker, { maxCachedTokens: 1 });
  await client.getToken({ audience: TICKETS });
  await client.getToken({ audience: 'https://kb.test' });
  await client.getToken({ audience: TICKETS });
  t.equal(tokenRequests(), 3, 'the oldest entry went when a second one came');
  client.invalidate({ audience: TICKETS });
  await client.getToken({ audience: TICKETS });
  t.equal(tokenRequests(), 4, 'invalidate forgets the token');
});
