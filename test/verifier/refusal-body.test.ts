/**
 * Regressions: a refusal's body and challenge say the same thing. RFC 6750 §3.1: a request with
 * no credential gets no error code, in the `WWW-Authenticate` challenge nor in the body; a bad
 * one gets it in both. RFC 9110 §15.5.2: a refused push to the revocation receiver (a 401)
 * carries a `Bearer` challenge too.
 */
import t from 'tap';
import { createVerifier, VerifyError } from '../../src/verifier/index.js';
import { checkPushAuthorization } from '../../src/verifier/push-authorization.js';

const verifier = createVerifier({ issuer: 'https://sts.test', audience: 'https://tickets.test' });
const refusal = (promise: Promise<unknown>) => promise.then(() => t.fail('accepted'), (error: unknown) => error as VerifyError);

t.test('no credential: no error code in the body, as in the challenge', async (t) => {
  const none = await refusal(verifier.verifyRequest({ method: 'GET', url: 'https://tickets.test/x', authorization: undefined, dpop: undefined }));
  t.ok(none instanceof VerifyError);
  if (!(none instanceof VerifyError)) return;
  t.equal(none.status, 401);
  t.same(none.toJSON(), {});
  t.equal(JSON.stringify(none), '{}', 'any framework sending the error as JSON sends no error code');
  t.notMatch(verifier.refusalHeaders(none)['www-authenticate'], /error=/);
});

t.test('a credential presented and bad: the error code in both', async (t) => {
  const bad = new VerifyError('invalid_token', 'bad_signature', 'the access token is not valid', { scheme: 'Bearer' });
  t.same(bad.toJSON(), { error: 'invalid_token', error_description: 'the access token is not valid' });
  t.match(verifier.refusalHeaders(bad)['www-authenticate'], /error="invalid_token"/);
});

t.test('the push receiver: every 401 carries its Bearer challenge', async (t) => {
  const realm = 'https://tickets.test/ssf/events';
  t.equal(checkPushAuthorization('Bearer s3cret', 'Bearer s3cret', realm), undefined, 'the stream\'s secret');
  t.same(checkPushAuthorization('Bearer s3cret', undefined, realm), { status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}"` } }, 'none: no error code');
  t.same(checkPushAuthorization('Bearer s3cret', '', realm), { status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}"` } }, 'empty is none');
  t.same(checkPushAuthorization('Bearer s3cret', 'Bearer s3creT', realm), {
    status: 401, headers: { 'www-authenticate': `Bearer realm="${realm}", error="invalid_token", error_description="not the authorization of this stream"` },
  }, 'another secret: invalid_token');
});
