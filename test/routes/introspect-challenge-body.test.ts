/**
 * Regression: the introspection endpoint's callers authenticate with RFC 6750 bearer tokens of
 * ours (not as RFC 6749 §2.3 clients), so its refusals follow RFC 6750 §3.1. A request without
 * any credential got the bare challenge `Bearer realm="agent-sts"` but a body saying
 * `"error":"invalid_token"`: the body now carries no error code either. A presented credential
 * that is bad keeps its error code in both the challenge and the body.
 */
import t from 'tap';
import { buildHarness, STS } from '../admin/helpers.js';

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const h = await buildHarness();
  t.teardown(h.close);
  const introspect = (headers: Record<string, string>) => h.form('/oauth/introspect', { token: h.mint('healthy') }, headers);
  return { h, introspect };
}

t.test('no credential: a bare challenge and a body without an error code', async (t) => {
  const { introspect } = await setup(t);
  for (const [name, headers] of [['no Authorization header', {}], ['an empty Authorization header', { authorization: '' }]] as const) {
    const res = await introspect(headers);
    t.equal(res.statusCode, 401, name);
    t.equal(res.headers['www-authenticate'], 'Bearer realm="agent-sts"', `${name}: the challenge has no error code`);
    t.same(res.json(), {}, `${name}: nor has the body (RFC 6750 §3.1)`);
    t.equal(res.headers['cache-control'], 'no-store', name);
  }
});

t.test('a bad or insufficient credential: the error code in the challenge and in the body', async (t) => {
  const { h, introspect } = await setup(t);
  const garbage = await introspect({ authorization: 'Bearer garbage' });
  t.equal(garbage.statusCode, 401);
  t.match(garbage.headers['www-authenticate'], /^Bearer realm="agent-sts", error="invalid_token"/);
  t.same(garbage.json(), { error: 'invalid_token', error_description: 'the token is not valid' });

  const malformed = await introspect({ authorization: 'Basic dXNlcjpwYXNz' });
  t.equal(malformed.statusCode, 401, 'another scheme is a credential presented, not none');
  t.match(malformed.headers['www-authenticate'], /error="invalid_token"/);
  t.equal(malformed.json().error, 'invalid_token');

  const noScope = await introspect({ authorization: `Bearer ${h.mint('resource-server', { audience: STS, scopes: ['tickets:read'] })}` });
  t.equal(noScope.statusCode, 403);
  t.match(noScope.headers['www-authenticate'], /error="insufficient_scope"/);
  t.equal(noScope.json().error, 'insufficient_scope');
});
