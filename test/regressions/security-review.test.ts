/**
 * Regressions for the findings of the first security review (each block names its finding).
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import { serializeRequest } from '../../src/logger.js';
import { agentDoc, basePolicy, buildTestBroker, STS, TICKETS } from '../helpers/broker.js';

const RFC6749_DESCRIPTION = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;
const OPERATOR_KEY = 'review-operator-key';

function policyWithOperator() {
  const doc = basePolicy();
  doc.agents = [agentDoc('ticket-summarizer'), agentDoc('other-agent')];
  doc.operators = [{ id: 'ops@example.com', role: 'operator', key_sha256: createHash('sha256').update(OPERATOR_KEY).digest('hex') }];
  return doc;
}

t.test('finding 1: credentials in a URL are refused and never logged with the query', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const attestation = await broker.attest();
  const res = await broker.app.inject({
    method: 'POST',
    url: `/oauth/token?subject_token=${attestation}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials',
  });
  t.equal(res.statusCode, 400);
  t.equal(res.json().error, 'invalid_request');
  t.same(serializeRequest({ method: 'POST', url: `/oauth/token?subject_token=${attestation}` }).url, '/oauth/token');
  // Introspection and revocation follow the same rule (a token in their URL is refused).
  for (const path of ['/oauth/introspect', '/oauth/revoke']) {
    const res = await broker.app.inject({ method: 'POST', url: `${path}?token=${attestation}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=x' });
    t.equal(res.statusCode, path === '/oauth/revoke' ? 400 : 401, path);
  }
  const revoke = await broker.app.inject({ method: 'POST', url: `/oauth/revoke?token=${attestation}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=x' });
  t.equal(revoke.json().error, 'invalid_request');
});

t.test('finding 2: token exchange refuses client authentication it cannot verify', async (t) => {
  const broker = await buildTestBroker({ policy: policyWithOperator() });
  t.teardown(broker.close);
  const secret = await broker.exchange(await broker.attest(), { client_id: 'ticket-summarizer', client_secret: 'hunter2' });
  t.equal(secret.statusCode, 401);
  t.equal(secret.json().error, 'invalid_client');

  const basic = await broker.token(
    { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: await broker.attest(), subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', audience: TICKETS },
    { authorization: `Basic ${Buffer.from('ticket-summarizer:x').toString('base64')}` },
  );
  t.equal(basic.statusCode, 401);
  t.match(String(basic.headers['www-authenticate']), /^Basic realm=/);

  const type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
  const garbage = await broker.exchange(await broker.attest(), { client_assertion_type: type, client_assertion: 'a.b.c' });
  t.equal(garbage.json().error, 'invalid_client');

  const same = await broker.exchange(await broker.attest(), { client_assertion_type: type, client_assertion: await broker.assertion('ticket-summarizer') });
  t.equal(same.statusCode, 200, same.body);

  const other = await broker.exchange(await broker.attest(), { client_assertion_type: type, client_assertion: await broker.assertion('other-agent') });
  t.equal(other.statusCode, 400);
  t.equal(other.json().error, 'invalid_request');
});

t.test('finding 3: client_credentials with only an Authorization header is 401 invalid_client with a challenge', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const res = await broker.token({ grant_type: 'client_credentials', audience: TICKETS }, { authorization: 'Basic dGlja2V0LXN1bW1hcml6ZXI6eA==' });
  t.equal(res.statusCode, 401);
  t.equal(res.json().error, 'invalid_client');
  t.match(String(res.headers['www-authenticate']), /^Basic realm=/);
});

t.test('finding 4: an assertion whose aud also names another server is refused', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const injected = await broker.assertion('ticket-summarizer', { aud: ['https://evil.example', STS] as unknown as string });
  t.equal((await broker.clientCredentials(injected)).json().error, 'invalid_client');
  t.equal((await broker.clientCredentials(await broker.assertion('ticket-summarizer', { aud: STS }))).statusCode, 200);
});

t.test('finding 5: IPv6 clients share one bucket per /64', async (t) => {
  const broker = await buildTestBroker({ env: { STS_RATE_LIMIT_ADDRESS: '3/10s' } });
  t.teardown(broker.close);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await broker.token({ grant_type: 'nope' }, {}, { remoteAddress: `2001:db8::${i + 1}` });
    statuses.push(res.statusCode);
  }
  t.same(statuses, [400, 400, 400, 429]);
});

// A token of ours for the broker itself but without the scope is 403 insufficient_scope
// (test/routes/introspect-challenge-body.test.ts); one for another audience is not valid here.
t.test('finding 6: a valid token for another audience is refused at introspection as invalid_token (RFC 9068 §4)', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const token = (await broker.exchange(await broker.attest())).json().access_token as string;
  const res = await broker.app.inject({
    method: 'POST',
    url: '/oauth/introspect',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `token=${token}`,
  });
  t.equal(res.statusCode, 401);
  t.equal(res.json().error, 'invalid_token');
  t.match(res.headers['www-authenticate'], /^Bearer .*error="invalid_token"/);
});

t.test('findings 8-11: descriptions in the RFC 6749 charset, UTF-8 only, bounded and non-empty audiences', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const utf16 = await broker.token({ grant_type: 'client_credentials' }, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-16' });
  t.equal(utf16.json().error, 'invalid_request');
  const long = await broker.exchange(await broker.attest(), { audience: `https://${'a'.repeat(600)}.example` });
  t.equal(long.json().error, 'invalid_target');
  const empty = await broker.exchange(await broker.attest(), { audience: ['', TICKETS] });
  t.equal(empty.json().error, 'invalid_target');
  for (const res of [utf16, long, empty, await broker.token({})]) {
    t.match(res.json().error_description, RFC6749_DESCRIPTION);
  }
  const cc = await broker.token({ grant_type: 'client_credentials', audience: TICKETS });
  t.match(cc.json().error_description, RFC6749_DESCRIPTION, 'no section signs');
});

t.test('finding 12: admin answers are never cached', async (t) => {
  const broker = await buildTestBroker({ policy: policyWithOperator() });
  t.teardown(broker.close);
  const res = await broker.app.inject({
    method: 'POST',
    url: '/admin/tokens/revoke',
    headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': 'application/json' },
    payload: { jti: 'some-jti', reason: 'test' },
  });
  t.equal(res.headers['cache-control'], 'no-store', res.body);
});
