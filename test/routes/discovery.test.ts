import t from 'tap';
import { buildTestBroker, STS } from '../helpers/broker.js';

t.test('RFC 8414 metadata at both well-known paths', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    const res = await broker.app.inject(path);
    t.equal(res.statusCode, 200);
    const doc = res.json();
    t.equal(doc.issuer, STS);
    t.equal(doc.token_endpoint, `${STS}/oauth/token`);
    t.equal(doc.jwks_uri, `${STS}/.well-known/jwks.json`);
    t.equal(doc.introspection_endpoint, `${STS}/oauth/introspect`);
    t.equal(doc.revocation_endpoint, `${STS}/oauth/revoke`);
    t.same(doc.grant_types_supported, ['urn:ietf:params:oauth:grant-type:token-exchange', 'client_credentials', 'urn:ietf:params:oauth:grant-type:jwt-bearer']);
    t.same(doc.token_endpoint_auth_methods_supported, ['private_key_jwt', 'none']);
    // §3.2: members with zero elements are omitted (no authorization endpoint, no response type).
    t.notOk('response_types_supported' in doc);
    for (const [name, value] of Object.entries(doc)) t.notOk(Array.isArray(value) && value.length === 0, `${name} is not an empty array`);
    t.notOk(doc.token_endpoint_auth_signing_alg_values_supported.some((a: string) => a === 'none' || a.startsWith('HS')));
    // §2: an endpoint that accepts private_key_jwt lists the algorithms it verifies.
    t.same(doc.revocation_endpoint_auth_methods_supported, ['private_key_jwt', 'none']);
    t.same(doc.revocation_endpoint_auth_signing_alg_values_supported, doc.token_endpoint_auth_signing_alg_values_supported);
  }
});

t.test('JWKS: public members only, kid/alg/use, max-age shorter than the publish-ahead window', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const res = await broker.app.inject('/.well-known/jwks.json');
  t.equal(res.statusCode, 200);
  const maxAge = Number(/max-age=(\d+)/.exec(String(res.headers['cache-control']))?.[1]);
  t.ok(maxAge * 1000 < broker.config.keyPublishAheadMs, `max-age ${maxAge}s < publish-ahead`);
  const { keys } = res.json();
  t.ok(keys.length >= 1);
  for (const key of keys) {
    t.ok(key.kid);
    t.equal(key.alg, 'ES256');
    t.equal(key.use, 'sig');
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) t.notOk(secret in key, `no ${secret}`);
  }
});

t.test('healthz while alive; readyz once the broker can mint', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  t.equal((await broker.app.inject('/healthz')).statusCode, 200);
  const ready = await broker.app.inject('/readyz');
  t.equal(ready.statusCode, 200, ready.body);
  t.equal(ready.json().status, 'ready');
});

t.test('readyz is 503 when the store is unreachable', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  broker.store.ping = async () => {
    throw new Error('down');
  };
  const res = await broker.app.inject('/readyz');
  t.equal(res.statusCode, 503);
  t.equal(res.json().checks.store, false);
  t.ok(Number(res.headers['retry-after']) >= 1, 'RFC 9110 §10.2.3: the 503 says when to ask again');
});

t.test('unknown paths answer a JSON 404', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const res = await broker.app.inject('/nope');
  t.equal(res.statusCode, 404);
  t.equal(res.json().error, 'not_found');
});
