import t from 'tap';
import { buildTestBroker } from '../helpers/broker.js';

t.test('RFC 9110 §15.5.6: a served path asked with another method is 405 with Allow', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const cases: Array<[string, string, string]> = [
    ['GET', '/oauth/token', 'POST'],
    ['PUT', '/oauth/token', 'POST'],
    ['OPTIONS', '/oauth/token', 'POST'],
    ['GET', '/oauth/revoke', 'POST'],
    ['GET', '/oauth/introspect', 'POST'],
    ['POST', '/.well-known/jwks.json', 'GET, HEAD'],
    ['DELETE', '/.well-known/oauth-authorization-server', 'GET, HEAD'],
  ];
  for (const [method, url, allow] of cases) {
    const res = await broker.app.inject({ method: method as 'GET', url });
    t.equal(res.statusCode, 405, `${method} ${url}`);
    t.equal(res.headers.allow, allow, `${method} ${url}: Allow`);
    t.equal(res.headers['cache-control'], 'no-store');
    t.equal(res.json().error, 'invalid_request', 'RFC 6749 §5.2 shape');
  }
  const query = await broker.app.inject({ method: 'GET', url: '/oauth/token?grant_type=client_credentials' });
  t.equal(query.statusCode, 405, 'the query string does not change the path');
  const unknown = await broker.app.inject({ method: 'GET', url: '/oauth/nothing' });
  t.equal(unknown.statusCode, 404);
  t.notOk(unknown.headers.allow);
  t.equal(unknown.json().error, 'not_found');
});

t.test('a URL the router cannot read is answered in the RFC 6749 §5.2 shape, and allows no method', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const long = 'a'.repeat(300);
  for (const url of [`/admin/agents/${long}`, '/oauth/%zz']) {
    const res = await broker.app.inject({ url });
    t.equal(res.statusCode, 400, url.slice(0, 40));
    t.same(res.json(), { error: 'invalid_request', error_description: 'malformed request' });
    t.equal(res.headers['cache-control'], 'no-store');
  }
  const other = await broker.app.inject({ method: 'PUT', url: `/admin/agents/${long}/suspend` });
  t.equal(other.statusCode, 404, 'a parameter over its bound names no endpoint');
  t.notOk(other.headers.allow, 'so no method is offered');
});
