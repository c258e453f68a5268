import t from 'tap';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { buildTestBroker, STS, TICKETS } from '../helpers/broker.js';

t.test('token exchange and client credentials issue verifiable RFC 9068 tokens', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const res = await broker.exchange(await broker.attest(), { intent: 'summarize-tickets' });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.equal(res.headers['cache-control'], 'no-store');
  t.equal(body.token_type, 'Bearer');
  t.equal(body.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
  const jwks = (await broker.app.inject('/.well-known/jwks.json')).json();
  const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), { issuer: STS, audience: TICKETS, typ: 'at+jwt', currentDate: new Date(broker.clock()) });
  t.equal(protectedHeader.alg, 'ES256');
  t.equal(payload.sub, 'ticket-summarizer');
  t.equal(payload.scope, 'tickets:read');
  t.equal(payload.exp! - payload.iat!, 600);
  const cc = await broker.clientCredentials(await broker.assertion(), { scope: 'tickets:read' });
  t.equal(cc.statusCode, 200, cc.body);
  t.notOk(cc.json().issued_token_type);
});
