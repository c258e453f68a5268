/**
 * Hostile request shapes at the token endpoint (issue 2 hardening list): repeated form
 * parameters, bodies that are not form-encoded, malformed compact JWTs and oversized
 * bodies and tokens. Each gets a 4xx RFC 6749 error with no-store, never a 5xx.
 */
import t, { type Test } from 'tap';
import { buildTestBroker, TICKETS, type TestBroker } from '../helpers/broker.js';

type Reply = Awaited<ReturnType<TestBroker['token']>>;

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

function expectError(t: Test, res: Reply, status: number, error: string, msg = ''): void {
  t.equal(res.statusCode, status, msg || res.body);
  t.equal(res.headers['cache-control'], 'no-store', msg);
  t.match(res.headers['content-type'], /^application\/json/, msg);
  const body = res.json();
  t.equal(body.error, error, msg);
  t.type(body.error_description, 'string', msg);
  t.notOk(body.access_token, msg);
}

const b64 = (text: string): string => Buffer.from(text).toString('base64url');

t.test('hostile request shapes', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const post = (payload: string, contentType?: string) =>
    broker.app.inject({ method: 'POST', url: '/oauth/token', payload, ...(contentType ? { headers: { 'content-type': contentType } } : {}) });

  t.test('a repeated form parameter is invalid_request (RFC 6749 §3.2)', async (t) => {
    const attestation = await broker.attest();
    const form = { grant_type: TOKEN_EXCHANGE, subject_token: attestation, subject_token_type: JWT_TYPE, audience: TICKETS };
    expectError(t, await broker.token({ ...form, grant_type: [TOKEN_EXCHANGE, TOKEN_EXCHANGE] }), 400, 'invalid_request', 'two grant_type');
    expectError(t, await broker.token({ ...form, grant_type: [TOKEN_EXCHANGE, 'client_credentials'] }), 400, 'invalid_request', 'two different grant_type');
    expectError(t, await broker.token({ ...form, subject_token: [attestation, attestation] }), 400, 'invalid_request', 'two subject_token');
    expectError(t, await broker.token({ ...form, subject_token_type: [JWT_TYPE, JWT_TYPE] }), 400, 'invalid_request', 'two subject_token_type');
    expectError(t, await broker.token({ ...form, scope: ['tickets:read', 'tickets:read'] }), 400, 'invalid_request', 'two scope');
    expectError(t, await broker.token({ ...form, intent: ['summarize-tickets', 'read-kb'] }), 400, 'invalid_request', 'two intent');
    const cc = { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', audience: TICKETS };
    const assertion = await broker.assertion();
    expectError(t, await broker.token({ ...cc, client_assertion: [assertion, assertion] }), 400, 'invalid_request', 'two client_assertion');
    // The attestation was never spent by the refused requests.
    t.equal((await broker.exchange(attestation)).statusCode, 200);
  });

  t.test('a body that is not form-encoded is invalid_request', async (t) => {
    const fields = { grant_type: TOKEN_EXCHANGE, subject_token: await broker.attest(), subject_token_type: JWT_TYPE, audience: TICKETS };
    expectError(t, await post(JSON.stringify(fields), 'application/json'), 400, 'invalid_request', 'JSON body');
    expectError(t, await post('{"grant_type":', 'application/json'), 400, 'invalid_request', 'broken JSON');
    expectError(t, await post(new URLSearchParams(fields).toString(), 'text/plain'), 400, 'invalid_request', 'text/plain');
    expectError(t, await post(new URLSearchParams(fields).toString(), 'multipart/form-data; boundary=x'), 400, 'invalid_request', 'multipart');
    expectError(t, await post(new URLSearchParams(fields).toString()), 400, 'invalid_request', 'no content type');
    const get = await broker.app.inject({ method: 'GET', url: `/oauth/token?${new URLSearchParams(fields).toString()}` });
    t.ok(get.statusCode >= 400 && get.statusCode < 500, 'GET is a 4xx');
    t.notOk(get.json().access_token);
  });

  t.test('malformed compact JWTs give a 4xx, never a 5xx', async (t) => {
    const header = b64('{"alg":"ES256","kid":"k8s-1"}');
    const payload = b64('{"iss":"https://k8s.test","sub":"x"}');
    const malformed: Record<string, string> = {
      'one segment': 'abc',
      'two segments': `${header}.${payload}`,
      'four segments': `${header}.${payload}.c2ln.c2ln`,
      'five segments (JWE shape)': `${header}..${payload}.c2ln.c2ln`,
      'bad base64url header': `${header}*.${payload}.c2ln`,
      'bad base64url payload': `${header}.pay+load/.c2ln`,
      'bad base64url signature': `${header}.${payload}.s!g`,
      'padded base64': `${header}=.${payload}.c2ln`,
      'impossible base64 length': `a.${payload}.c2ln`,
      'non-JSON header': `${b64('not json')}.${payload}.c2ln`,
      'JSON array header': `${b64('["alg","ES256"]')}.${payload}.c2ln`,
      'JSON string header': `${b64('"ES256"')}.${payload}.c2ln`,
      'header without alg': `${b64('{"kid":"k8s-1"}')}.${payload}.c2ln`,
      'non-JSON payload': `${header}.${b64('not json')}.c2ln`,
      'invalid UTF-8 header': `${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}.${payload}.c2ln`,
      'empty segments': '..',
      'dots only': '....',
      'whitespace': ' ',
      'non-ASCII': 'é.ü.ß',
      '__proto__ header': `${b64('{"__proto__":{"alg":"none"},"alg":"ES256"}')}.${payload}.c2ln`,
    };
    for (const [name, token] of Object.entries(malformed)) {
      expectError(t, await broker.exchange(token), 400, 'invalid_request', `${name} as subject_token`);
      expectError(t, await broker.clientCredentials(token), 401, 'invalid_client', `${name} as client_assertion`);
    }
  });

  t.test('a body over 64 KiB gets 413 with an invalid_request body', async (t) => {
    const form = new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token_type: JWT_TYPE, audience: TICKETS, pad: 'a'.repeat(65 * 1024) });
    expectError(t, await post(form.toString(), 'application/x-www-form-urlencoded'), 413, 'invalid_request');
    expectError(t, await post(JSON.stringify({ pad: 'a'.repeat(65 * 1024) }), 'application/json'), 413, 'invalid_request', 'JSON too');
  });

  t.test('tokens over 16 KiB are refused before any parsing', async (t) => {
    // A genuinely signed attestation, inflated by a padding claim: its size alone refuses it.
    const big = await broker.attest(undefined, { 'kubernetes.io': { namespace: 'agents' }, pad: 'p'.repeat(16 * 1024) });
    t.ok(big.length > 16 * 1024 && big.length < 60 * 1024);
    expectError(t, await broker.exchange(big), 400, 'invalid_request', 'subject_token');
    expectError(t, await broker.clientCredentials('x'.repeat(16 * 1024 + 1)), 401, 'invalid_client', 'client_assertion');
    expectError(t, await broker.exchange('x'.repeat(16 * 1024 + 1)), 400, 'invalid_request', 'garbage subject_token');
  });
});
