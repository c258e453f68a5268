/**
 * The fastify plugin subscribed to the broker's revocations by push (RFC 8935): it serves the
 * receiver route the stream names, the broker pushes, and a token whose agent an operator
 * suspends is refused within 2 s. The route takes only what the broker sent on this stream:
 * the stream's secret, a SET signed by the broker's key for this receiver, once.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { generateKeyPair, SignJWT } from 'jose';
import t, { type Test as Tap } from 'tap';
import { agentStsPlugin } from '../../src/fastify-plugin/index.js';
import { signJwt } from '../../src/signing/index.js';
import { NOW, TICKETS } from '../helpers/broker.js';
import { agentClient, listeningBroker, type ListeningBroker } from '../helpers/listening-broker.js';
import { pollUntil } from '../helpers/redis-broker.js';
import { freePort } from '../helpers/redis.js';
import { RECEIVER, receiverToken, SSF_ADMIN_KEY, ssfPolicy, withSsfOperator } from '../helpers/ssf.js';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

async function setup(t: Tap, extra: { now?: () => number; heartbeatMs?: number } = {}) {
  const broker = await listeningBroker({ policy: (issuer) => withSsfOperator(ssfPolicy(issuer)) });
  const { client } = await agentClient(broker, { agentId: RECEIVER });
  const port = await freePort();
  const app: FastifyInstance = Fastify();
  await app.register(agentStsPlugin, {
    issuer: broker.issuer, resource: TICKETS, verifierOptions: { now: extra.now ?? broker.clock },
    revocations: { client, push: { endpointUrl: `http://127.0.0.1:${port}/ssf/events` }, ...(extra.heartbeatMs ? { heartbeatMs: extra.heartbeatMs } : {}) },
  });
  app.get('/tickets', { config: { agent: { scopes: ['tickets:read'] } } }, async (request) => ({ agent: request.agent.agent }));
  await app.listen({ host: '127.0.0.1', port });
  t.teardown(async () => {
    await broker.close();
    await app.close();
  });
  await app.agentSts.verifier.revocations?.start();
  return { broker, app, url: `http://127.0.0.1:${port}` };
}

const mint = async (broker: ListeningBroker) => (await broker.exchange(await broker.attest())).json().access_token as string;

t.test('push: a suspended agent\'s token is refused within 2 s of the suspension', async (t) => {
  const { broker, url } = await setup(t);
  const token = await mint(broker);
  const call = () => fetch(`${url}/tickets`, { headers: { authorization: `Bearer ${token}` } });
  t.equal((await call()).status, 200);
  const suspended = performance.now();
  const answer = await fetch(`${broker.issuer}/admin/agents/ticket-summarizer/suspend`, {
    method: 'POST', headers: { authorization: `Bearer ${SSF_ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'test' }),
  });
  t.equal(answer.status, 200);
  const refused = await pollUntil(async () => (await call()).status === 401, 2_000, 20);
  t.ok(refused !== null, `refused ${Math.round(performance.now() - suspended)} ms after the suspension`);
  const response = await call();
  t.match(response.headers.get('www-authenticate'), /error="invalid_token"/);
});

t.test('push: a stream disabled behind the API\'s back is enabled again at the next heartbeat; earlier tokens are refused', async (t) => {
  const { broker, app, url } = await setup(t, { heartbeatMs: 100 });
  const token = await mint(broker);
  const call = () => fetch(`${url}/tickets`, { headers: { authorization: `Bearer ${token}` } });
  t.equal((await call()).status, 200);
  const id = app.agentSts.verifier.revocations?.streamId();
  const asReceiver = async () => ({ authorization: `Bearer ${await receiverToken(broker, RECEIVER, broker.issuer)}` });
  const disabled = await broker.app.inject({ method: 'POST', url: '/ssf/status', headers: await asReceiver(), payload: { stream_id: id, status: 'disabled' } });
  t.equal(disabled.statusCode, 200);
  t.equal((await fetch(`${broker.issuer}/admin/agents/ticket-summarizer/suspend`, {
    method: 'POST', headers: { authorization: `Bearer ${SSF_ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'while disabled' }),
  })).status, 200);
  t.not(await pollUntil(async () => (await call()).status === 401, 3_000, 20), null, 'refused: the suspension was dropped by the disabled stream');
  const status = await broker.app.inject({ method: 'GET', url: `/ssf/status?stream_id=${id}`, headers: await asReceiver() });
  t.equal(status.json().status, 'enabled');
});

t.test('the receiver route takes only the broker\'s SETs for this stream', async (t) => {
  const { broker, app } = await setup(t);
  const feed = app.agentSts.verifier.revocations;
  const listed = await broker.app.inject({ method: 'GET', url: '/ssf/stream', headers: { authorization: `Bearer ${await receiverToken(broker, RECEIVER, broker.issuer)}` } });
  const [stream] = listed.json() as Array<{ stream_id: string; aud: string; delivery: { authorization_header: string; endpoint_url: string } }>;
  t.ok(stream && stream.stream_id === feed?.streamId(), 'the stream the plugin created');
  t.match(stream?.delivery, { method: 'urn:ietf:rfc:8935', endpoint_url: feed?.pushEndpoint, authorization_header: /^Bearer [\w-]{43}$/ });
  const secret = stream?.delivery.authorization_header as string;
  const iat = Math.floor(broker.clock() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: broker.issuer, aud: RECEIVER, iat, jti: randomUUID(),
    sub_id: { format: 'opaque', id: 'ticket-summarizer' }, events: { [SESSION_REVOKED]: { event_timestamp: iat } }, ...extra,
  });
  const signer = broker.keyRing.currentSigner();
  const signed = (payload: object, typ = 'secevent+jwt') => signJwt({ alg: signer.alg, kid: signer.kid, typ }, payload, signer);
  const push = (body: string, authorization: string | null = secret) =>
    app.inject({ method: 'POST', url: '/ssf/events', headers: { 'content-type': 'application/secevent+jwt', ...(authorization === null ? {} : { authorization }) }, payload: body });

  // RFC 9110 §15.5.2: every 401 has a challenge; its realm is the receiver's, RFC 6750 §3.1 says when it has an error.
  const realm = feed?.pushEndpoint as string;
  const none = await push(signed(claims()), null);
  t.equal(none.statusCode, 401, 'without the stream\'s secret');
  t.equal(none.headers['www-authenticate'], `Bearer realm="${realm}"`, 'without it: the challenge, no error code');
  t.equal(none.body, '', 'and no error in the body either');
  const guessed = await push(signed(claims()), 'Bearer guessed');
  t.equal(guessed.statusCode, 401, 'with another secret');
  t.equal(guessed.headers['www-authenticate'], `Bearer realm="${realm}", error="invalid_token", error_description="not the authorization of this stream"`);
  const expect = async (body: string, err: string, why: string) => {
    const res = await push(body);
    t.equal(res.statusCode, 400, why);
    t.match(res.json(), { err }, why);
  };
  await expect('not-a-jwt', 'invalid_request', 'not a JWS');
  const { privateKey } = await generateKeyPair('ES256');
  await expect(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: signer.kid, typ: 'secevent+jwt' }).sign(privateKey), 'invalid_key', 'signed by another key under the broker\'s kid');
  await expect(signed(claims(), 'at+jwt'), 'invalid_request', 'typ is not secevent+jwt');
  await expect(signed(claims({ iss: 'https://elsewhere.test' })), 'invalid_issuer', 'another issuer');
  await expect(signed(claims({ aud: 'billing-api' })), 'invalid_audience', 'another receiver');
  await expect(signed(claims({ sub: 'ticket-summarizer' })), 'invalid_request', 'a sub: it is not a SET of SSF');
  await expect(signed(claims({ exp: iat + 60 })), 'invalid_request', 'an exp');
  await expect(signed(claims({ iat: iat + 3_600 })), 'invalid_request', 'issued in the future');
  await expect(signed(claims({ iat: iat - 2 * 3_600 })), 'invalid_request', 'older than any token it could be about');
  t.equal(feed?.state.size(), 0, 'nothing refused was applied');

  const good = signed(claims());
  t.equal((await push(good)).statusCode, 202);
  t.equal((await push(good)).statusCode, 202, 'the same SET again: acknowledged');
  t.equal(feed?.state.size(), 1, 'applied once');
  const text = await app.inject({ method: 'POST', url: '/ssf/events', headers: { 'content-type': 'text/plain', authorization: secret }, payload: good });
  t.equal(text.statusCode, 415, 'only application/secevent+jwt');
});

t.test('push: verification events prove the stream works; one this receiver did not ask for is invalid_state', async (t) => {
  // The test broker's fixed date, with real time flowing from it: contacts are told apart.
  const started = performance.now();
  const { broker, app } = await setup(t, { now: () => NOW + (performance.now() - started), heartbeatMs: 100 });
  const feed = app.agentSts.verifier.revocations;
  const subscribedAt = feed?.lastContactMs() as number;
  t.not(await pollUntil(async () => (feed?.lastContactMs() as number) > subscribedAt + 50, 3_000), null, 'the first heartbeat\'s verification event arrived');

  const listed = await broker.app.inject({ method: 'GET', url: '/ssf/stream', headers: { authorization: `Bearer ${await receiverToken(broker, RECEIVER, broker.issuer)}` } });
  const [stream] = listed.json() as Array<{ stream_id: string; delivery: { authorization_header: string } }>;
  const signer = broker.keyRing.currentSigner();
  const verification = (streamId: string, state?: string) => signJwt({ alg: signer.alg, kid: signer.kid, typ: 'secevent+jwt' }, {
    iss: broker.issuer, aud: RECEIVER, iat: Math.floor(broker.clock() / 1000), jti: randomUUID(),
    sub_id: { format: 'opaque', id: streamId }, events: { 'https://schemas.openid.net/secevent/ssf/event-type/verification': state === undefined ? {} : { state } },
  }, signer);
  const push = (set: string) => app.inject({ method: 'POST', url: '/ssf/events', headers: { 'content-type': 'application/secevent+jwt', authorization: stream?.delivery.authorization_header }, payload: set });
  t.match((await push(verification(stream?.stream_id as string, 'not-ours'))).json(), { err: 'invalid_state' });
  t.match((await push(verification('f'.repeat(32)))).json(), { err: 'invalid_state' }, 'about another stream');
  t.equal((await push(verification(stream?.stream_id as string))).statusCode, 202, 'the transmitter\'s own, without state');
});
