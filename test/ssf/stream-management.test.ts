/**
 * SSF §8.1 stream management against a real broker (in-process): the transmitter
 * configuration, a stream's whole life (create, read, list, update, replace, status, subjects,
 * verification, delete), who may manage streams (a token of ours for the broker with
 * ssf:stream; each receiver only its own streams) and the bounds.
 */
import t, { type Test as Tap } from 'tap';
import { createDpopProof } from '../../src/dpop/index.js';
import { buildTestBroker, STS, type TestBroker } from '../helpers/broker.js';
import { proofKey } from '../helpers/dpop.js';
import { OTHER_RECEIVER, RECEIVER, receiverToken, ssfPolicy } from '../helpers/ssf.js';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
const GAP = `${STS}/secevent/event-type/events-dropped`;

const tokenFor = (broker: TestBroker, agentId: string) => receiverToken(broker, agentId);

async function setup(t: Tap, env: Record<string, string> = {}) {
  const broker = await buildTestBroker({ policy: ssfPolicy(STS), env: { STS_RATE_LIMIT_ADDRESS: '100000/1s', ...env } });
  t.teardown(broker.close);
  const token = await tokenFor(broker, RECEIVER);
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown, bearer = token) =>
    broker.app.inject({ method, url, headers: { authorization: `Bearer ${bearer}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { broker, token, call };
}

t.test('the transmitter configuration names every endpoint and both delivery methods', async (t) => {
  const { broker } = await setup(t);
  const res = await broker.app.inject({ method: 'GET', url: '/.well-known/ssf-configuration' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /application\/json/);
  t.same(res.json(), {
    spec_version: '1_0',
    issuer: STS,
    jwks_uri: `${STS}/.well-known/jwks.json`,
    delivery_methods_supported: ['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936'],
    configuration_endpoint: `${STS}/ssf/stream`,
    status_endpoint: `${STS}/ssf/status`,
    add_subject_endpoint: `${STS}/ssf/subjects:add`,
    remove_subject_endpoint: `${STS}/ssf/subjects:remove`,
    verification_endpoint: `${STS}/ssf/verify`,
    authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
    default_subjects: 'ALL',
  });
});

t.test('a stream from creation to deletion', async (t) => {
  const { call } = await setup(t);
  const created = await call('POST', '/ssf/stream', { description: 'tickets API revocations' });
  t.equal(created.statusCode, 201);
  const stream = created.json();
  t.match(stream.stream_id, /^[0-9a-f]{32}$/);
  t.equal(stream.iss, STS);
  t.equal(stream.aud, RECEIVER, 'the audience is the receiver');
  t.same(stream.delivery, { method: 'urn:ietf:rfc:8936', endpoint_url: `${STS}/ssf/poll/${stream.stream_id}` }, 'no delivery: poll (SSF §8.1.1.1)');
  t.same(stream.events_supported, [SESSION_REVOKED, CREDENTIAL_CHANGE, GAP]);
  t.same(stream.events_delivered, stream.events_supported, 'nothing requested: everything');
  t.equal(created.headers['cache-control'], 'no-store');
  const id = stream.stream_id as string;

  t.same((await call('GET', `/ssf/stream?stream_id=${id}`)).json(), stream, 'read one');
  t.same((await call('GET', '/ssf/stream')).json(), [stream], 'no stream_id: the list');

  const patched = await call('PATCH', '/ssf/stream', { stream_id: id, events_requested: [SESSION_REVOKED, 'urn:example:unknown'] });
  t.equal(patched.statusCode, 200);
  t.same(patched.json().events_delivered, [SESSION_REVOKED], 'unknown types are ignored');
  t.equal(patched.json().description, 'tickets API revocations', 'PATCH keeps what it does not name');

  const replaced = await call('PUT', '/ssf/stream', { stream_id: id, delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'https://api.example/events', authorization_header: 'Bearer s3cret' } });
  t.equal(replaced.statusCode, 200);
  t.same(replaced.json().delivery, { method: 'urn:ietf:rfc:8935', endpoint_url: 'https://api.example/events', authorization_header: 'Bearer s3cret' });
  t.notOk('description' in replaced.json(), 'PUT removes what it leaves out');
  t.notOk('events_requested' in replaced.json());
  t.notOk('inactivity_timeout' in replaced.json(), 'push streams do not time out');

  const mismatch = await call('PATCH', '/ssf/stream', { stream_id: id, aud: 'someone-else' });
  t.equal(mismatch.statusCode, 400, 'a transmitter-supplied member that does not match');
  t.equal((await call('PATCH', '/ssf/stream', { stream_id: id, iss: STS })).statusCode, 200, 'one that matches is accepted');

  t.same((await call('GET', `/ssf/status?stream_id=${id}`)).json(), { stream_id: id, status: 'enabled' });
  const paused = await call('POST', '/ssf/status', { stream_id: id, status: 'paused', reason: 'maintenance' });
  t.same(paused.json(), { stream_id: id, status: 'paused', reason: 'maintenance' });
  t.same((await call('GET', `/ssf/status?stream_id=${id}`)).json(), { stream_id: id, status: 'paused', reason: 'maintenance' });

  t.equal((await call('POST', '/ssf/subjects:remove', { stream_id: id, subject: { format: 'opaque', id: 'ticket-summarizer' } })).statusCode, 204);
  t.equal((await call('POST', '/ssf/subjects:add', { stream_id: id, subject: { format: 'opaque', id: 'ticket-summarizer' } })).statusCode, 200);
  t.equal((await call('POST', '/ssf/subjects:add', { stream_id: id, subject: { format: 'email', email: 'a@example.com' } })).statusCode, 200, 'another format: accepted, no effect');
  t.equal((await call('POST', '/ssf/subjects:remove', { stream_id: id, subject: { format: 'iss_sub', iss: STS } })).statusCode, 400, 'a malformed subject');

  t.equal((await call('POST', '/ssf/verify', { stream_id: id, state: 'abc' })).statusCode, 204);
  const again = await call('POST', '/ssf/verify', { stream_id: id });
  t.equal(again.statusCode, 429, 'min_verification_interval');
  t.ok(again.headers['retry-after']);

  t.equal((await call('DELETE', `/ssf/stream?stream_id=${id}`)).statusCode, 204);
  t.equal((await call('GET', `/ssf/stream?stream_id=${id}`)).statusCode, 404);
  t.same((await call('GET', '/ssf/stream')).json(), []);
  t.equal((await call('DELETE', `/ssf/stream?stream_id=${id}`)).statusCode, 404);
  t.equal((await call('DELETE', '/ssf/stream')).statusCode, 400, 'DELETE names its stream');
  t.equal((await call('PATCH', '/ssf/stream', { description: 'which one?' })).statusCode, 400, 'so does PATCH');
  t.equal((await call('GET', '/ssf/status')).statusCode, 400, 'and a status read');
});

t.test('push endpoints: https, or http to a loopback host only; no credentials in the URL, no metadata address', async (t) => {
  const { call } = await setup(t);
  const push = (endpoint_url: string, extra: Record<string, unknown> = {}) => call('POST', '/ssf/stream', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url, ...extra } });
  t.equal((await push('http://api.example/events')).statusCode, 400, 'plain http to another host');
  t.equal((await push('http://10.0.0.5/events')).statusCode, 400, 'plain http to an internal address');
  t.equal((await push('https://user:pw@api.example/events')).statusCode, 400, 'credentials in the URL');
  t.equal((await push('https://api.example/events#x')).statusCode, 400, 'a fragment');
  t.equal((await push('ftp://api.example/events')).statusCode, 400);
  t.equal((await push('https://api.example/events', { authorization_header: 'Bearer x\r\nX-Injected: 1' })).statusCode, 400, 'no header smuggling');
  for (const metadata of ['https://169.254.169.254/latest/meta-data/', 'https://[fe80::1]/e', 'https://[::ffff:169.254.169.254]/e',
    'https://[fd00:ec2::254]/e', 'https://metadata.google.internal/computeMetadata/v1/', 'https://0.0.0.0/e', 'https://[::]/e',
    // The same addresses spelled otherwise: NAT64, IPv4-compatible, uncompressed; Alibaba's metadata service.
    'https://[64:ff9b::a9fe:a9fe]/e', 'https://[64:ff9b::169.254.169.254]/e', 'https://[::a9fe:a9fe]/e',
    'https://[0:0:0:0:0:ffff:a9fe:a9fe]/e', 'https://[FE80:0:0:0:0:0:0:1]/e', 'https://100.100.100.200/latest/meta-data/']) {
    t.equal((await push(metadata)).statusCode, 400, `an instance metadata or link-local address: ${metadata}`);
  }
  t.equal((await push('https://10.0.0.5/events')).statusCode, 400, 'an internal address: only where the operator allows private targets');
  t.equal((await push('http://127.0.0.1:9/events')).statusCode, 400, 'loopback: only for a loopback broker or where private targets are allowed');
  t.equal((await push('https://api.example/events')).statusCode, 201);
  t.equal((await call('POST', '/ssf/stream', { delivery: { method: 'urn:example:smoke-signals' } })).statusCode, 400, 'an unknown method');
});

t.test('STS_SSF_PRIVATE_PUSH_TARGETS: internal and loopback receivers, never metadata', async (t) => {
  const { call } = await setup(t, { STS_SSF_PRIVATE_PUSH_TARGETS: 'true' });
  const push = (endpoint_url: string) => call('POST', '/ssf/stream', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url } });
  t.equal((await push('https://10.0.0.5/events')).statusCode, 201, 'an internal API over https');
  t.equal((await push('http://127.0.0.1:9/events')).statusCode, 201, 'loopback http (development)');
  t.equal((await push('https://[::ffff:0:a9fe:a9fe]/e')).statusCode, 400, 'a metadata address still is not');
});

t.test('who may manage streams', async (t) => {
  const { broker, call, token } = await setup(t);
  const none = await broker.app.inject({ method: 'GET', url: '/ssf/stream' });
  t.equal(none.statusCode, 401, 'no token');
  t.equal(none.headers['www-authenticate'], 'Bearer realm="agent-sts"');
  const garbage = await call('GET', '/ssf/stream', undefined, 'not-a-token');
  t.equal(garbage.statusCode, 401);
  t.match(garbage.headers['www-authenticate'], /error="invalid_token"/);

  const introspectOnly = await tokenFor(broker, 'introspector');
  const wrongScope = await call('GET', '/ssf/stream', undefined, introspectOnly);
  t.equal(wrongScope.statusCode, 403, 'a token for the broker without ssf:stream');
  t.match(wrongScope.headers['www-authenticate'], /error="insufficient_scope", scope="ssf:stream"/);
  const agentToken = (await broker.exchange(await broker.attest())).json().access_token as string;
  t.equal((await call('GET', '/ssf/stream', undefined, agentToken)).statusCode, 401, 'a token for another audience is not valid here');

  const mine = (await call('POST', '/ssf/stream', {})).json().stream_id as string;
  const other = await tokenFor(broker, OTHER_RECEIVER);
  t.same((await call('GET', '/ssf/stream', undefined, other)).json(), [], 'another receiver lists none of mine');
  for (const [method, url, body] of [
    ['GET', `/ssf/stream?stream_id=${mine}`, undefined],
    ['PATCH', '/ssf/stream', { stream_id: mine, description: 'x' }],
    ['PUT', '/ssf/stream', { stream_id: mine }],
    ['DELETE', `/ssf/stream?stream_id=${mine}`, undefined],
    ['GET', `/ssf/status?stream_id=${mine}`, undefined],
    ['POST', '/ssf/status', { stream_id: mine, status: 'disabled' }],
    ['POST', '/ssf/subjects:remove', { stream_id: mine, subject: { format: 'opaque', id: 'x' } }],
    ['POST', '/ssf/verify', { stream_id: mine }],
    ['POST', `/ssf/poll/${mine}`, { returnImmediately: true }],
  ] as const) {
    t.equal((await call(method, url, body, other)).statusCode, 404, `${method} ${url.split('?')[0]}: another receiver's stream is not found`);
  }
  t.same((await call('GET', `/ssf/status?stream_id=${mine}`, undefined, token)).json(), { stream_id: mine, status: 'enabled' }, 'untouched');

  const revoked = await broker.app.inject({ method: 'POST', url: '/oauth/revoke', payload: `token=${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.equal(revoked.statusCode, 200);
  t.equal((await call('GET', '/ssf/stream')).statusCode, 401, 'a revoked token no longer manages streams');
});

t.test('bounds: streams per receiver, request bodies', async (t) => {
  const { call, broker, token } = await setup(t, { STS_SSF_MAX_STREAMS: '2' });
  const form = await broker.app.inject({
    method: 'POST', url: '/ssf/stream', payload: 'x=1',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(form.statusCode, 415, 'a form body is not a stream configuration (SSF speaks JSON)');
  const lenient = await call('POST', '/ssf/stream', { surprise: true });
  t.equal(lenient.statusCode, 201, 'an unknown member is dropped (fastify removes what the schema does not name)');
  t.notOk('surprise' in lenient.json());
  t.equal((await call('POST', '/ssf/stream', {})).statusCode, 201);
  const third = await call('POST', '/ssf/stream', {});
  t.equal(third.statusCode, 409, 'SSF §8.1.1.1: 409 past the receiver\'s limit');
  t.match(third.json(), { error: 'invalid_request' });
  t.equal((await call('POST', '/ssf/stream', { description: 'x'.repeat(20_000) })).statusCode, 413);
  t.equal((await call('POST', '/ssf/stream', { delivery: 'poll please' })).statusCode, 400, 'a member of the wrong type');
  t.equal((await call('GET', '/ssf/stream?stream_id=../../etc')).statusCode, 404, 'a malformed stream id is simply not found');
});

t.test('poll streams nobody polls are deleted after the inactivity timeout', async (t) => {
  const { broker, call } = await setup(t, { STS_SSF_INACTIVITY_TIMEOUT: '1m' });
  const stream = (await call('POST', '/ssf/stream', {})).json();
  t.equal(stream.inactivity_timeout, 60);
  const push = (await call('POST', '/ssf/stream', { delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'https://api.example/e' } })).json();
  broker.clock.advance(30_000);
  t.equal((await call('POST', `/ssf/poll/${stream.stream_id}`, { returnImmediately: true })).statusCode, 200, 'a poll is activity');
  broker.clock.advance(45_000);
  t.equal((await call('GET', '/ssf/stream')).json().length, 2, 'polled 45 s ago: kept');
  broker.clock.advance(16_000);
  t.same((await call('GET', '/ssf/stream')).json().map((s: { stream_id: string }) => s.stream_id), [push.stream_id], 'idle past the timeout: deleted; push streams stay');
});

t.test('a receiver whose token is DPoP-bound manages its streams with a proof per request (RFC 9449 §7)', async (t) => {
  const { broker } = await setup(t);
  const key = proofKey();
  const iatS = () => Math.floor(broker.clock() / 1000);
  const bound = await broker.token({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: await broker.attest(`system:serviceaccount:agents:${RECEIVER}`),
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    audience: STS,
  }, { dpop: createDpopProof(key, { htm: 'POST', htu: `${STS}/oauth/token`, iatS: iatS() }) });
  t.equal(bound.json().token_type, 'DPoP');
  const token = bound.json().access_token as string;
  const create = (headers: Record<string, string>) => broker.app.inject({ method: 'POST', url: '/ssf/stream', headers, payload: { description: 'bound' } });
  const proof = (htu = `${STS}/ssf/stream`, htm = 'POST') => createDpopProof(key, { htm, htu, accessToken: token, iatS: iatS() });

  const asBearer = await create({ authorization: `Bearer ${token}` });
  t.equal(asBearer.statusCode, 401, 'a bound token is not a bearer token');
  t.match(asBearer.headers['www-authenticate'], /^DPoP /);
  t.equal((await create({ authorization: `DPoP ${token}` })).statusCode, 401, 'no proof: refused');
  t.equal((await create({ authorization: `DPoP ${token}`, dpop: proof(`${STS}/ssf/status`) })).statusCode, 401, 'a proof for another URL: refused');
  const once = proof();
  const created = await create({ authorization: `DPoP ${token}`, dpop: once });
  t.equal(created.statusCode, 201, 'with a proof for this request: created');
  t.equal((await create({ authorization: `DPoP ${token}`, dpop: once })).statusCode, 401, 'the same proof again: refused');
  const id = created.json().stream_id as string;
  const read = await broker.app.inject({ method: 'GET', url: `/ssf/stream?stream_id=${id}`, headers: { authorization: `DPoP ${token}`, dpop: proof(`${STS}/ssf/stream`, 'GET') } });
  t.equal(read.statusCode, 200, 'htu is the URL without its query');
});
