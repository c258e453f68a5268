/**
 * Regression: client_credentials accepted a client_assertion alongside a client_secret
 * parameter or an Authorization header. RFC 6749 §2.3 forbids more than one client
 * authentication method per request and §5.2 makes that invalid_request.
 */
import t from 'tap';
import { buildTestBroker, TICKETS } from '../helpers/broker.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

t.test('client_credentials with a second authentication method is invalid_request', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const form = { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await broker.assertion(), audience: TICKETS };
  const attempts = [
    await broker.token({ ...form, client_secret: 'hunter2' }),
    await broker.token(form, { authorization: `Basic ${Buffer.from('ticket-summarizer:hunter2').toString('base64')}` }),
    await broker.token(form, { authorization: 'Bearer something' }),
  ];
  for (const res of attempts) {
    t.equal(res.statusCode, 400);
    t.equal(res.headers['cache-control'], 'no-store');
    t.same(res.json(), { error: 'invalid_request', error_description: 'use exactly one client authentication method: private_key_jwt (RFC 7523 section 2.2)' });
  }
  // The refused requests did not spend the assertion.
  t.equal((await broker.token(form)).statusCode, 200);
});
