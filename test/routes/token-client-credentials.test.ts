/**
 * POST /oauth/token, grant_type=client_credentials with an RFC 7523 §2.2 client assertion:
 * the success path, every invalid_client case, and unauthorized_client for agents that may
 * not get tokens (issue 2 "Attestation" 2 and "Minting").
 */
import t, { type Test } from 'tap';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { agentDoc, basePolicy, buildTestBroker, STS, TICKETS, type PolicyDoc, type TestBroker } from '../helpers/broker.js';

type Reply = Awaited<ReturnType<TestBroker['token']>>;

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const AGENT = 'ticket-summarizer';

function policy(): PolicyDoc {
  const doc = basePolicy();
  const pending = agentDoc('pending-agent');
  delete pending.approved_by;
  doc.agents = [
    agentDoc(AGENT),
    agentDoc('other-agent'),
    pending,
    agentDoc('retired-agent', { status: 'retired' }),
    agentDoc('orphan-agent', { owner: 'team-gone' }),
    // transactional reviews every 90d: overdue once the clock passes 2026-12-30.
    agentDoc('overdue-agent', { tier: 'transactional' }),
  ];
  return doc;
}

function expectError(t: Test, res: Reply, status: number, error: string, description?: RegExp): void {
  t.equal(res.statusCode, status, res.body);
  t.equal(res.headers['cache-control'], 'no-store');
  const body = res.json();
  t.equal(body.error, error);
  if (description) t.match(body.error_description, description);
  t.notOk(body.access_token, 'no token');
}

async function expectIssued(t: Test, broker: TestBroker, res: Reply, sub = AGENT): Promise<void> {
  t.equal(res.statusCode, 200, res.statusCode === 200 ? 'issued' : res.body);
  t.equal(res.headers['cache-control'], 'no-store');
  const body = res.json();
  t.equal(body.token_type, 'Bearer');
  t.equal(body.expires_in, 600);
  t.equal(body.scope, 'tickets:read');
  t.notOk('issued_token_type' in body, 'issued_token_type is for token exchange only');
  const jwks = (await broker.app.inject('/.well-known/jwks.json')).json();
  const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
    issuer: STS,
    audience: TICKETS,
    typ: 'at+jwt',
    algorithms: ['ES256'],
    currentDate: new Date(broker.clock()),
  });
  const now = Math.floor(broker.clock() / 1000);
  t.equal(protectedHeader.alg, 'ES256');
  t.ok(jwks.keys.some((k: { kid?: string }) => k.kid === protectedHeader.kid), 'kid is published');
  t.match(payload, { iss: STS, sub, client_id: sub, aud: TICKETS, iat: now, nbf: now, exp: now + 600, scope: 'tickets:read', intent: 'summarize-tickets', tier: 'read-only', owner: 'team-support' });
  t.match(payload.jti, /^[0-9a-f-]{36}$/);
}

t.test('client credentials', async (t) => {
  const broker = await buildTestBroker({ policy: policy() });
  t.teardown(broker.close);

  t.test('success', async (t) => {
    await expectIssued(t, broker, await broker.clientCredentials(await broker.assertion(), { intent: 'summarize-tickets', scope: 'tickets:read' }));
    await expectIssued(t, broker, await broker.clientCredentials(await broker.assertion()));
  });

  t.test('client_id equal to the assertion sub is accepted', async (t) => {
    await expectIssued(t, broker, await broker.clientCredentials(await broker.assertion(), { client_id: AGENT }));
  });

  t.test('client_id different from the assertion sub: invalid_client 401', async (t) => {
    expectError(t, await broker.clientCredentials(await broker.assertion(), { client_id: 'other-agent' }), 401, 'invalid_client');
  });

  t.test('missing or wrongly typed assertion: invalid_client', async (t) => {
    const base = { grant_type: 'client_credentials', audience: TICKETS };
    expectError(t, await broker.token(base), 401, 'invalid_client');
    expectError(t, await broker.token({ ...base, client_id: AGENT }), 401, 'invalid_client');
    expectError(t, await broker.token({ ...base, client_assertion_type: ASSERTION_TYPE }), 401, 'invalid_client');
    expectError(t, await broker.token({ ...base, client_assertion: await broker.assertion() }), 401, 'invalid_client');
    const saml = 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer';
    expectError(t, await broker.clientCredentials(await broker.assertion(), { client_assertion_type: saml }), 401, 'invalid_client');
  });

  t.test("aud is the broker's issuer identifier, nothing else (draft-ietf-oauth-rfc7523bis)", async (t) => {
    await expectIssued(t, broker, await broker.clientCredentials(await broker.assertion(AGENT, { aud: STS })));
    for (const aud of [`${STS}/oauth/token`, 'https://elsewhere.test', `${STS}/`, `${STS}/oauth/token/`, 'https://STS.test']) {
      expectError(t, await broker.clientCredentials(await broker.assertion(AGENT, { aud })), 401, 'invalid_client', /^client authentication failed$/);
    }
  });

  t.test('iss different from sub: invalid_client', async (t) => {
    expectError(t, await broker.clientCredentials(await broker.assertion(AGENT, { iss: 'other-agent' })), 401, 'invalid_client');
    expectError(t, await broker.clientCredentials(await broker.assertion(AGENT, { sub: 'other-agent' })), 401, 'invalid_client');
  });

  t.test('exp at most 5 minutes after iat', async (t) => {
    await expectIssued(t, broker, await broker.clientCredentials(await broker.assertion(AGENT, { ttlS: 300 })));
    expectError(t, await broker.clientCredentials(await broker.assertion(AGENT, { ttlS: 301 })), 401, 'invalid_client');
    expectError(t, await broker.clientCredentials(await broker.assertion(AGENT, { ttlS: 3600 })), 401, 'invalid_client');
  });

  t.test('a replayed assertion is refused the second time', async (t) => {
    const assertion = await broker.assertion();
    await expectIssued(t, broker, await broker.clientCredentials(assertion));
    expectError(t, await broker.clientCredentials(assertion), 401, 'invalid_client', /^client authentication failed$/);
    // The jti is what is single-use: a new signature over the same jti is a replay too.
    const jti = 'fixed-jti-1';
    await expectIssued(t, broker, await broker.clientCredentials(await broker.assertion(AGENT, { jti })));
    expectError(t, await broker.clientCredentials(await broker.assertion(AGENT, { jti })), 401, 'invalid_client');
  });

  t.test("an assertion signed by another agent's key: invalid_client", async (t) => {
    const key = broker.agentKeys.get('other-agent')?.privateKey;
    expectError(t, await broker.clientCredentials(await broker.assertion(AGENT, { key })), 401, 'invalid_client', /^client authentication failed$/);
  });

  t.test('agents that may not get tokens: unauthorized_client naming the reason', async (t) => {
    const cases: Array<[string, RegExp]> = [
      ['pending-agent', /pending-agent.*awaiting creation review/],
      ['retired-agent', /retired-agent.*retired/],
      ['orphan-agent', /orphan-agent.*orphaned/],
    ];
    for (const [agent, description] of cases) {
      expectError(t, await broker.clientCredentials(await broker.assertion(agent)), 400, 'unauthorized_client', description);
    }
  });

  t.test('an agent overdue for review: unauthorized_client naming the reason', async (t) => {
    // reviewed_at 2026-10-01 + 90d (transactional) = 2026-12-30; this test runs last in the file.
    broker.clock.set(Date.parse('2026-12-29T12:00:00Z'));
    const before = await broker.clientCredentials(await broker.assertion('overdue-agent'));
    t.equal(before.statusCode, 200, 'still in time the day before');
    broker.clock.set(Date.parse('2026-12-31T12:00:00Z'));
    const res = await broker.clientCredentials(await broker.assertion('overdue-agent'));
    expectError(t, res, 400, 'unauthorized_client', /overdue-agent.*overdue for its permission review/);
  });
});
