/**
 * agent-sts/fastify against a real broker: RFC 6750 §3 refusals (no credentials: a challenge
 * without an error code; malformed: 400 invalid_request; bad token: 401 invalid_token;
 * missing scope or another intent: 403 insufficient_scope with scope=), RFC 9728 metadata
 * and resource_metadata in every challenge, routes protected unless declared public.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import t from 'tap';
import { agentStsPlugin, type AgentStsPluginOptions } from '../../src/fastify-plugin/index.js';
import { parseBearerChallenge } from '../../src/client/index.js';
import { DEFAULT_ALGORITHMS } from '../../src/verifier/index.js';
import { TICKETS } from '../helpers/broker.js';
import { listeningBroker, type ListeningBroker } from '../helpers/listening-broker.js';
import { freePort } from '../helpers/redis.js';

async function toolServer(broker: ListeningBroker, options: Partial<AgentStsPluginOptions> = {}): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(agentStsPlugin, { issuer: broker.issuer, resource: TICKETS, verifierOptions: { now: broker.clock }, ...options });
  app.get('/tickets', { config: { agent: { scopes: ['tickets:read'] } } }, async (request) => ({ agent: request.agent.agent, intent: request.agent.intent, scopes: request.agent.scopes }));
  app.post('/tickets/:id/close', { config: { agent: { scopes: ['tickets:write'], intent: 'triage-tickets' } } }, async () => ({ closed: true }));
  app.get('/any-token', async (request) => ({ owner: request.agent.owner }));
  app.get('/health', { config: { agent: false } }, async (request) => {
    try {
      return { agent: request.agent.agent };
    } catch (error) {
      return { public: true, agentReadable: false, message: (error as Error).message };
    }
  });
  t.teardown(() => app.close());
  return app;
}

const METADATA_URL = `${TICKETS}/.well-known/oauth-protected-resource`;
const ALGS = DEFAULT_ALGORITHMS.join(' ');

t.test('RFC 6750 refusals and the protected route', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const app = await toolServer(broker);
  const token = (await broker.exchange(await broker.attest())).json().access_token as string;
  const bearer = { authorization: `Bearer ${token}` };

  const none = await app.inject('/tickets');
  t.equal(none.statusCode, 401);
  t.equal(none.headers['www-authenticate'], `Bearer realm="${TICKETS}", resource_metadata="${METADATA_URL}", DPoP realm="${TICKETS}", algs="${ALGS}", resource_metadata="${METADATA_URL}"`,
    '§3.1: no credentials, no error code; both schemes offered (RFC 9449 §7.2)');
  t.same(none.json(), {}, '§3.1: nor an error code in the body');

  const basic = await app.inject({ url: '/tickets', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
  t.equal(basic.statusCode, 400);
  t.match(parseBearerChallenge(basic.headers['www-authenticate'] as string), { error: 'invalid_request', resource_metadata: METADATA_URL });

  const garbage = await app.inject({ url: '/tickets', headers: { authorization: 'Bearer abc.def.ghi' } });
  t.equal(garbage.statusCode, 401);
  t.match(parseBearerChallenge(garbage.headers['www-authenticate'] as string), { error: 'invalid_token', error_description: /not valid/, resource_metadata: METADATA_URL });
  t.same(garbage.json(), { error: 'invalid_token', error_description: 'the access token is not valid' });
  t.equal(garbage.headers['cache-control'], 'no-store');

  const ok = await app.inject({ url: '/tickets', headers: bearer });
  t.equal(ok.statusCode, 200);
  t.same(ok.json(), { agent: 'ticket-summarizer', intent: 'summarize-tickets', scopes: ['tickets:read'] }, 'request.agent is the typed principal');

  const close = await app.inject({ method: 'POST', url: '/tickets/42/close', headers: bearer });
  t.equal(close.statusCode, 403);
  t.equal(close.headers['www-authenticate'],
    `Bearer realm="${TICKETS}", error="insufficient_scope", error_description="the access token lacks the scope tickets:write", scope="tickets:write", resource_metadata="${METADATA_URL}", `
    + `DPoP realm="${TICKETS}", algs="${ALGS}", resource_metadata="${METADATA_URL}"`, 'the error on the challenge of the scheme used');

  t.equal((await app.inject('/any-token')).statusCode, 401, 'a route without config is protected (fail closed)');
  t.same((await app.inject({ url: '/any-token', headers: bearer })).json(), { owner: 'team-support' });
  t.equal((await app.inject({ method: 'HEAD', url: '/tickets' })).statusCode, 401, 'the HEAD twin of a GET route is protected too');
  t.equal((await app.inject(`/tickets?access_token=${token}`)).statusCode, 401, 'a token in the URL is not a credential');
  const health = await app.inject('/health');
  t.equal(health.statusCode, 200, 'agent: false makes a route public');
  t.match(health.json(), { agentReadable: false, message: /only set on routes/ }, 'reading request.agent on a public route throws');
  t.equal((await app.inject('/nowhere')).statusCode, 404, 'unknown paths are plain 404s');

  const kbToken = (await broker.exchange(await broker.attest(), { audience: 'https://kb.test' })).json().access_token as string;
  const foreign = await app.inject({ url: '/tickets', headers: { authorization: `Bearer ${kbToken}` } });
  t.equal(foreign.statusCode, 401);
  t.match(parseBearerChallenge(foreign.headers['www-authenticate'] as string), { error: 'invalid_token', error_description: 'the access token is for another audience' });
});

t.test('RFC 9728 protected resource metadata', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const app = await toolServer(broker, { resourceName: 'Tickets', resourceDocumentation: 'https://docs.example.com/tickets' });
  const reply = await app.inject('/.well-known/oauth-protected-resource');
  t.equal(reply.statusCode, 200);
  t.same(reply.json(), {
    resource: TICKETS,
    authorization_servers: [broker.issuer],
    scopes_supported: ['tickets:read', 'tickets:write'],
    bearer_methods_supported: ['header'],
    dpop_signing_alg_values_supported: [...DEFAULT_ALGORITHMS],
    dpop_bound_access_tokens_required: false,
    resource_name: 'Tickets',
    resource_documentation: 'https://docs.example.com/tickets',
  }, 'scopes_supported gathered from the routes');

  const mcp = Fastify();
  t.teardown(() => mcp.close());
  await mcp.register(agentStsPlugin, { issuer: broker.issuer, resource: 'https://tools.test/mcp', scopesSupported: ['tools:call'] });
  mcp.post('/mcp', async () => ({}));
  const pathMetadata = await mcp.inject('/.well-known/oauth-protected-resource/mcp');
  t.equal(pathMetadata.statusCode, 200, '§3.1: the resource path follows the well-known segment');
  t.match(pathMetadata.json(), { resource: 'https://tools.test/mcp', scopes_supported: ['tools:call'] });
  const challenge = await mcp.inject({ method: 'POST', url: '/mcp' });
  t.equal(challenge.headers['www-authenticate'], `Bearer realm="https://tools.test/mcp", resource_metadata="https://tools.test/.well-known/oauth-protected-resource/mcp", DPoP realm="https://tools.test/mcp", algs="${ALGS}", resource_metadata="https://tools.test/.well-known/oauth-protected-resource/mcp"`);
  t.equal(mcp.agentSts.resourceMetadataUrl, 'https://tools.test/.well-known/oauth-protected-resource/mcp');

  // Only a slash ending the host is dropped: `/mcp/` is its own resource, and its path is kept.
  const slashed = Fastify();
  t.teardown(() => slashed.close());
  await slashed.register(agentStsPlugin, { issuer: broker.issuer, resource: 'https://tools.test/mcp/' });
  const kept = await slashed.inject('/.well-known/oauth-protected-resource/mcp/');
  t.equal(kept.statusCode, 200, 'RFC 9728 §3.1: the trailing slash of the path stays');
  t.equal(kept.json().resource, 'https://tools.test/mcp/');
  t.equal(slashed.agentSts.resourceMetadataUrl, 'https://tools.test/.well-known/oauth-protected-resource/mcp/');
});

t.test('the broker out of reach: 503, no challenge, never a pass', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  await app.register(agentStsPlugin, { issuer: `http://127.0.0.1:${await freePort()}`, resource: TICKETS, verifierOptions: { timeoutMs: 500 } });
  app.get('/tickets', async () => ({ leaked: true }));
  const reply = await app.inject({ url: '/tickets', headers: { authorization: 'Bearer abc.def.ghi' } });
  t.equal(reply.statusCode, 503);
  t.equal(reply.json().error, 'temporarily_unavailable');
  t.equal(reply.headers['retry-after'], '5');
  t.notOk(reply.headers['www-authenticate']);
});

t.test('bad options fail at registration', async (t) => {
  const app = Fastify();
  t.teardown(() => app.close());
  await t.rejects(async () => { await app.register(agentStsPlugin, { issuer: 'https://sts.test', resource: 'http://api.example.com' }); }, /https/);
  const other = Fastify();
  t.teardown(() => other.close());
  await other.register(agentStsPlugin, { issuer: 'https://sts.test', resource: TICKETS });
  t.throws(() => other.get('/x', { config: { agent: { scopes: ['bad scope"'] } } }, async () => ({})), /not a valid scope/);
});
