import t from 'tap';
import { buildTestBroker } from '../helpers/broker.js';

t.test('an issuer with a path: RFC 8414 §3.1 metadata at the path-inserted well-known URL', async (t) => {
  const issuer = 'https://sts.test/tenant-a';
  const broker = await buildTestBroker({ env: { STS_ISSUER: issuer } });
  t.teardown(broker.close);
  const inserted = await broker.app.inject('/.well-known/oauth-authorization-server/tenant-a');
  t.equal(inserted.statusCode, 200);
  t.equal(inserted.json().issuer, issuer, 'the issuer is the one the document was found by');
  t.equal(inserted.json().token_endpoint, `${issuer}/oauth/token`);
  const root = await broker.app.inject('/.well-known/oauth-authorization-server');
  t.same(root.json(), inserted.json(), 'the root location (behind a path-stripping proxy) serves the same document');
  t.equal((await broker.app.inject('/.well-known/oauth-authorization-server/tenant-b')).statusCode, 404, 'another path is no issuer of ours');
});

t.test('an issuer without a path has no path-inserted location', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  t.equal((await broker.app.inject('/.well-known/oauth-authorization-server/x')).statusCode, 404);
});
