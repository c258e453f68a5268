/**
 * client.fetch against a real tool server (fastify + agent-sts/fastify) and a real broker:
 * the bearer token is added, a 401 invalid_token renews the token once (here: the broker's
 * key was withdrawn as compromised and the server refreshed its keys), a second refusal or
 * a 403 is returned as is, and a token for a resource never goes to another URL.
 */
import Fastify from 'fastify';
import t from 'tap';
import { parseBearerChallenge, parseChallenge } from '../../src/client/index.js';
import { agentStsPlugin } from '../../src/fastify-plugin/index.js';
import { agentDoc, basePolicy } from '../helpers/broker.js';
import { agentClient, listeningBroker } from '../helpers/listening-broker.js';
import { freePort } from '../helpers/redis.js';

t.test('fetch with the token; one renewal on invalid_token', async (t) => {
  const toolPort = await freePort();
  const resource = `http://127.0.0.1:${toolPort}`;
  const policy = basePolicy();
  policy.agents = [agentDoc('ticket-summarizer', {
    intents: [
      { name: 'summarize-tickets', description: 'Read', audience: resource, scopes: ['tickets:read'] },
      { name: 'read-kb', description: 'Read kb', audience: 'https://kb.test', scopes: ['kb:read'] },
    ],
  })];
  const broker = await listeningBroker({ policy });
  t.teardown(broker.close);
  const tool = Fastify();
  t.teardown(() => tool.close());
  await tool.register(agentStsPlugin, { issuer: broker.issuer, resource, verifierOptions: { now: broker.clock } });
  let hits = 0;
  tool.addHook('onRequest', async () => { hits++; });
  tool.get('/tickets', { config: { agent: { scopes: ['tickets:read'] } } }, async (request) => ({ for: request.agent.agent }));
  tool.post('/tickets', { config: { agent: { scopes: ['tickets:write'] } } }, async () => ({}));
  let leaked = 0;
  tool.get('/moved', async (_request, reply) => reply.redirect('/outside', 307));
  tool.get('/outside', async () => ({}));
  tool.addHook('onRequest', async (request) => {
    if (request.url === '/outside' && (request.headers.authorization || request.headers.dpop)) leaked++;
  });
  await tool.listen({ host: '127.0.0.1', port: toolPort });

  const { client, tokenRequests } = await agentClient(broker);
  const target = { resource, intent: 'summarize-tickets' };
  const first = await client.fetch(`${resource}/tickets`, {}, target);
  t.equal(first.status, 200);
  t.same(await first.json(), { for: 'ticket-summarizer' });
  t.equal(tokenRequests(), 1);

  await broker.keyRing.rotateNow({ compromised: true });
  await tool.agentSts.verifier.refreshKeys();
  hits = 0;
  const renewed = await client.fetch(`${resource}/tickets`, { headers: { accept: 'application/json' } }, target);
  t.equal(renewed.status, 200, 'the cached token was refused, a fresh one accepted');
  t.equal(hits, 2, 'one retry');
  t.equal(tokenRequests(), 2);

  hits = 0;
  const write = await client.fetch(`${resource}/tickets`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }, target);
  t.equal(write.status, 403, 'insufficient_scope is returned, not retried');
  // The client binds its tokens (DPoP) by default: the error is on the DPoP challenge (RFC 9449 §7.1).
  t.equal(parseChallenge(write.headers.get('www-authenticate'), 'DPoP')?.scope, 'tickets:write');
  t.equal(hits, 1);

  hits = 0;
  const wrongAudience = await client.fetch(`${resource}/tickets`, {}, { audience: 'https://kb.test' });
  t.equal(wrongAudience.status, 401, 'still refused after the one renewal: the answer is returned');
  t.equal(hits, 2, 'exactly one retry');

  const moved = await client.fetch(`${resource}/moved`, {}, target);
  t.equal(leaked, 0, 'a redirect never carries the token or its proof on');
  t.equal(moved.status, 307, 'the redirect is returned to the caller');
  await t.rejects(client.fetch(`${resource}/moved`, { redirect: 'error' }, target), TypeError, 'or is an error when asked');
  t.equal(leaked, 0);

  await t.rejects(client.fetch('http://127.0.0.1:1/tickets', {}, target), TypeError, 'a token for a resource never goes to another server');
  await t.rejects(client.fetch(`${resource}/tickets-admin`, {}, { resource: `${resource}/tickets` }), /refusing to send a token for the resource/, 'nor outside its path');
});

t.test('reading challenges', async (t) => {
  t.same(parseBearerChallenge('Bearer realm="api", error="invalid_token", error_description="expired \\"now\\"", resource_metadata="https://x/.well-known/oauth-protected-resource"'), {
    realm: 'api', error: 'invalid_token', error_description: 'expired "now"', resource_metadata: 'https://x/.well-known/oauth-protected-resource',
  });
  t.same(parseBearerChallenge('DPoP algs="ES256", Bearer scope="a b", error=insufficient_scope'), { scope: 'a b', error: 'insufficient_scope' }, 'another scheme first');
  t.same(parseBearerChallenge('Basic realm="x"'), undefined);
  t.same(parseBearerChallenge('Bearer'), {});
  t.same(parseBearerChallenge('Bearer error="invalid_token", Basic realm="other"'), { error: 'invalid_token' }, 'params of a later scheme are not mixed in');
  t.equal(parseBearerChallenge(undefined), undefined);
});
