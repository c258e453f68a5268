/**
 * The one error serializer: every error a client sees is RFC 6749 §5.2 JSON, never cached; an
 * OAuthError keeps its headers, a store outage is 503 with Retry-After, a schema failure names
 * the caller's bad input, fastify's client errors keep 413, anything else is 500 without detail.
 */
import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import t from 'tap';
import { OAuthError, StoreUnavailableError } from '../../src/errors.js';
import { insufficientRole, insufficientScope, installErrorHandler, invalidToken } from '../../src/http/index.js';

async function appThrowing(error: unknown) {
  const app = Fastify({ logger: false, bodyLimit: 64 });
  installErrorHandler(app);
  app.get('/throw', async () => { throw error; });
  app.post('/schema', { schema: { body: Type.Object({ reason: Type.String({ minLength: 1 }) }) } }, async () => ({ ok: true }));
  await app.ready();
  return app;
}

t.test('an OAuthError goes out with its status, code and its own headers', async (t) => {
  const app = await appThrowing(new OAuthError('temporarily_unavailable', 'slow down', { status: 429, headers: { 'retry-after': '7' } }));
  t.teardown(() => app.close());
  const res = await app.inject('/throw');
  t.equal(res.statusCode, 429);
  t.same(res.json(), { error: 'temporarily_unavailable', error_description: 'slow down' });
  t.equal(res.headers['retry-after'], '7');
  t.equal(res.headers['cache-control'], 'no-store');
  t.match(res.headers['content-type'], /^application\/json/);
});

t.test('a store outage is 503 temporarily_unavailable with Retry-After, without the internal reason', async (t) => {
  const app = await appThrowing(new StoreUnavailableError('redis at 10.0.0.7:6379 did not answer'));
  t.teardown(() => app.close());
  const res = await app.inject('/throw');
  t.equal(res.statusCode, 503);
  t.equal(res.json().error, 'temporarily_unavailable');
  t.ok(Number(res.headers['retry-after']) >= 1, `Retry-After ${String(res.headers['retry-after'])}`);
  t.notMatch(res.body, /10\.0\.0\.7/);
  t.equal(res.headers['cache-control'], 'no-store');
});

t.test('a 503 that names its own Retry-After keeps it', async (t) => {
  const app = await appThrowing(new OAuthError('temporarily_unavailable', 'revocation window', { headers: { 'retry-after': '5' } }));
  t.teardown(() => app.close());
  t.equal((await app.inject('/throw')).headers['retry-after'], '5');
});

t.test("a schema failure is 400 invalid_request describing the caller's input", async (t) => {
  const app = await appThrowing(null);
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'POST', url: '/schema', payload: { reason: '' } });
  t.equal(res.statusCode, 400);
  t.equal(res.json().error, 'invalid_request');
  t.match(res.json().error_description, /reason/);
  t.equal(res.headers['cache-control'], 'no-store');
});

t.test('fastify client errors: a body too large keeps 413, bad JSON is 400', async (t) => {
  const app = await appThrowing(null);
  t.teardown(() => app.close());
  const big = await app.inject({ method: 'POST', url: '/schema', payload: { reason: 'x'.repeat(200) } });
  t.equal(big.statusCode, 413);
  t.same(big.json(), { error: 'invalid_request', error_description: 'the request body is too large' });
  const bad = await app.inject({ method: 'POST', url: '/schema', headers: { 'content-type': 'application/json' }, payload: '{"reason":' });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().error, 'invalid_request');
});

t.test('anything else is 500 server_error with no detail', async (t) => {
  const app = await appThrowing(new TypeError('secret internals at /srv/app.ts:12'));
  t.teardown(() => app.close());
  const res = await app.inject('/throw');
  t.equal(res.statusCode, 500);
  t.same(res.json(), { error: 'server_error', error_description: 'internal error' });
  t.notMatch(res.body, /secret|srv/);
  t.equal(res.headers['cache-control'], 'no-store');
});

t.test('RFC 6750 §3 challenges', async (t) => {
  t.equal(invalidToken('operator credential required', 'no_credential').headers['www-authenticate'], 'Bearer realm="agent-sts"', 'no error code without a credential');
  const bad = invalidToken('invalid operator credential', 'unknown_key');
  t.equal(bad.status, 401);
  t.equal(bad.headers['www-authenticate'], 'Bearer realm="agent-sts", error="invalid_token", error_description="invalid operator credential"');
  const scope = insufficientScope('needs sts:introspect', 'caller_refused', 'sts:introspect');
  t.equal(scope.status, 403);
  t.equal(scope.headers['www-authenticate'], 'Bearer realm="agent-sts", error="insufficient_scope", scope="sts:introspect"');
  const role = insufficientRole('admin');
  t.match(role, { status: 403, code: 'insufficient_scope', reason: 'insufficient_role', description: 'requires the admin role' });
  t.equal(role.headers['www-authenticate'], 'Bearer realm="agent-sts", error="insufficient_scope"');
});
