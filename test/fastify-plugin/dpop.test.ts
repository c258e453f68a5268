/**
 * agent-sts/fastify with DPoP (RFC 9449 §7): the request's URI for `htu` comes from the
 * configured public URL, never from the Host header; repeated DPoP or Authorization headers are
 * refused; request.agent exposes the key binding; RFC 9728 metadata announces the DPoP
 * settings; nonces travel on every answer; a DPoP-only API offers only the DPoP challenge.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { parseChallenge } from '../../src/client/index.js';
import { agentStsPlugin, type AgentStsPluginOptions } from '../../src/fastify-plugin/index.js';
import { requestUrl } from '../../src/fastify-plugin/request-url.js';
import { createVerifier } from '../../src/verifier/index.js';
import { TICKETS } from '../helpers/broker.js';
import { boundTokenSetup } from '../helpers/dpop.js';
import type { ListeningBroker } from '../helpers/listening-broker.js';

async function api(t: Test, broker: ListeningBroker, options: Partial<AgentStsPluginOptions> = {}): Promise<FastifyInstance> {
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(agentStsPlugin, { issuer: broker.issuer, resource: TICKETS, verifierOptions: { now: broker.clock }, ...options });
  app.get('/tickets', { config: { agent: { scopes: ['tickets:read'] } } }, async (request) => ({ agent: request.agent.agent, jkt: request.agent.jkt ?? null }));
  return app;
}

async function boundSetup(t: Test) {
  const setup = await boundTokenSetup(t);
  return { ...setup, dpop: (p = setup.proof()) => ({ authorization: `DPoP ${setup.token}`, dpop: p }) };
}

t.test('htu is the public URL of the request, whatever the Host header says', async (t) => {
  const { broker, key, proof, dpop } = await boundSetup(t);
  const app = await api(t, broker);
  const ok = await app.inject({ url: '/tickets?page=1', headers: { ...dpop(), host: 'evil.test' } });
  t.equal(ok.statusCode, 200, 'the proof for the resource\'s URL is accepted, the Host plays no part');
  t.same(ok.json(), { agent: 'ticket-summarizer', jkt: key.jkt }, 'request.agent.jkt: the key the token is bound to');
  const forHost = await app.inject({ url: '/tickets', headers: { ...dpop(proof({ htu: 'https://evil.test/tickets' })), host: 'evil.test' } });
  t.equal(forHost.statusCode, 401, 'a proof for the URL the Host header names is not one for this API');
  t.match(parseChallenge(forHost.headers['www-authenticate'] as string, 'DPoP'), { error: 'invalid_dpop_proof', error_description: 'the DPoP proof is for another URL' });

  const proxied = await api(t, broker, { publicBaseUrl: 'https://gateway.test/tickets-svc/' });
  t.equal((await proxied.inject({ url: '/tickets', headers: dpop(proof({ htu: 'https://gateway.test/tickets-svc/tickets' })) })).statusCode, 200, 'behind a proxy: the configured public base URL');
  t.equal((await proxied.inject({ url: '/tickets', headers: dpop(proof()) })).statusCode, 401);
  t.equal(requestUrl('https://a.test', '//b.test/x?y'), 'https://a.test//b.test/x', 'an origin-form path is taken as sent');
  t.equal(requestUrl('https://a.test', 'http://b.test/x?y'), 'https://a.test/x', 'absolute-form gives its path only');
  await t.rejects(async () => { await Fastify().register(agentStsPlugin, { issuer: broker.issuer, resource: TICKETS, publicBaseUrl: 'http://gateway.test' }); }, /publicBaseUrl must be https/);
});

t.test('repeated headers are refused, not reduced to one', async (t) => {
  const { broker, proof, token, issued } = await boundSetup(t);
  const app = await api(t, broker);
  const twoProofs = await app.inject({ url: '/tickets', headers: { authorization: `DPoP ${token}`, dpop: [proof(), proof()] } });
  t.equal(twoProofs.statusCode, 401);
  t.match(parseChallenge(twoProofs.headers['www-authenticate'] as string, 'DPoP'), { error: 'invalid_dpop_proof', error_description: 'send exactly one DPoP header' });
  const twoTokens = await app.inject({ url: '/tickets', headers: { authorization: [`Bearer ${issued}`, `Bearer ${issued}`] as unknown as string } });
  t.equal(twoTokens.statusCode, 400);
  t.match(twoTokens.json(), { error: 'invalid_request' });
  const asBearer = await app.inject({ url: '/tickets', headers: { authorization: `Bearer ${token}` } });
  t.equal(asBearer.statusCode, 401, 'a bound token as a bearer token');
  t.match(parseChallenge(asBearer.headers['www-authenticate'] as string, 'Bearer'), { error: 'invalid_token' });
  const bearer = await app.inject({ url: '/tickets', headers: { authorization: `Bearer ${issued}` } });
  t.same(bearer.json(), { agent: 'ticket-summarizer', jkt: null }, 'bearer tokens still work where DPoP is not required');
});

t.test('a DPoP-only API: metadata, challenges, bearer tokens refused', async (t) => {
  const { broker, issued, dpop } = await boundSetup(t);
  const app = await api(t, broker, { dpop: { required: true, algorithms: ['ES256', 'EdDSA'] } });
  t.match((await app.inject('/.well-known/oauth-protected-resource')).json(), {
    dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
    dpop_bound_access_tokens_required: true,
  }, 'RFC 9728 §2');
  const bearer = await app.inject({ url: '/tickets', headers: { authorization: `Bearer ${issued}` } });
  t.equal(bearer.statusCode, 401);
  t.equal(bearer.headers['www-authenticate'],
    `DPoP realm="${TICKETS}", error="invalid_token", error_description="this API accepts only DPoP-bound access tokens", algs="ES256 EdDSA", resource_metadata="${TICKETS}/.well-known/oauth-protected-resource"`);
  t.equal((await app.inject({ url: '/tickets', headers: dpop() })).statusCode, 200);
  await t.rejects(async () => {
    await Fastify().register(agentStsPlugin, { issuer: broker.issuer, resource: TICKETS, verifier: createVerifier({ issuer: broker.issuer, audience: TICKETS }), dpop: { required: true } });
  }, /give dpop in the options of the verifier/);
});

t.test('nonces: on every answer of a protected route, and required in proofs', async (t) => {
  const { broker, proof, dpop } = await boundSetup(t);
  const app = await api(t, broker, { dpop: { nonce: true } });
  const first = await app.inject({ url: '/tickets', headers: dpop() });
  t.equal(first.statusCode, 401);
  t.match(parseChallenge(first.headers['www-authenticate'] as string, 'DPoP'), { error: 'use_dpop_nonce' });
  const nonce = first.headers['dpop-nonce'] as string;
  t.type(nonce, 'string');
  const second = await app.inject({ url: '/tickets', headers: dpop(proof({ nonce })) });
  t.equal(second.statusCode, 200);
  t.type(second.headers['dpop-nonce'], 'string', 'a fresh nonce on success too');
  t.notOk((await app.inject('/.well-known/oauth-protected-resource')).headers['dpop-nonce'], 'not on public routes');
});
