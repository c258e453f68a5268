/**
 * POST /oauth/token, RFC 8693 token exchange: every success path and every error code of
 * issue 2 "Minting", through inject, each with its status, error code and no-store header.
 */
import t, { type Test } from 'tap';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { agentDoc, basePolicy, buildTestBroker, SA, STS, TICKETS, type PolicyDoc, type TestBroker } from '../helpers/broker.js';

type Reply = Awaited<ReturnType<TestBroker['token']>>;

const KB = 'https://kb.test';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** The sample agent plus a second kb intent, so that two intents can match one request. */
function policy(): PolicyDoc {
  const doc = basePolicy();
  const agent = agentDoc('ticket-summarizer');
  agent.intents = [
    ...(agent.intents as PolicyDoc[]),
    { name: 'review-drafts', description: 'Review drafts', audience: KB, scopes: ['kb-drafts:read'], max_ttl: '2m' },
  ];
  const pending = agentDoc('pending-agent');
  delete pending.approved_by;
  doc.agents = [agent, pending];
  return doc;
}

interface Want {
  aud: string;
  scope: string;
  intent: string;
  ttl: number;
  sub?: string;
  tier?: string;
  owner?: string;
}

/** A 200 whose access token verifies against the broker's own JWKS as an RFC 9068 token. */
async function expectIssued(t: Test, broker: TestBroker, res: Reply, want: Want): Promise<JWTPayload> {
  t.equal(res.statusCode, 200, res.statusCode === 200 ? 'issued' : res.body);
  t.equal(res.headers['cache-control'], 'no-store');
  const body = res.json();
  t.equal(body.token_type, 'Bearer');
  t.equal(body.issued_token_type, ACCESS_TOKEN_TYPE);
  t.equal(body.expires_in, want.ttl);
  t.equal(body.scope, want.scope);
  const jwks = (await broker.app.inject('/.well-known/jwks.json')).json();
  const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), {
    issuer: STS,
    audience: want.aud,
    typ: 'at+jwt',
    algorithms: ['ES256'],
    currentDate: new Date(broker.clock()),
  });
  t.equal(protectedHeader.alg, 'ES256');
  t.equal(protectedHeader.typ, 'at+jwt');
  t.ok(jwks.keys.some((k: { kid?: string }) => k.kid === protectedHeader.kid), 'kid is published in the JWKS');
  const sub = want.sub ?? 'ticket-summarizer';
  const now = Math.floor(broker.clock() / 1000);
  t.equal(payload.iss, STS);
  t.equal(payload.sub, sub);
  t.equal(payload.client_id, sub);
  t.equal(payload.aud, want.aud, 'aud is the one audience, as a string');
  t.equal(payload.iat, now);
  t.equal(payload.nbf, now);
  t.equal(payload.exp, now + want.ttl);
  t.match(payload.jti, /^[0-9a-f-]{36}$/);
  t.equal(payload.scope, want.scope);
  t.equal(payload.intent, want.intent);
  t.equal(payload.tier, want.tier ?? 'read-only');
  t.equal(payload.owner, want.owner ?? 'team-support');
  return payload;
}

function expectError(t: Test, res: Reply, status: number, error: string, description?: RegExp): void {
  t.equal(res.statusCode, status, res.body);
  t.equal(res.headers['cache-control'], 'no-store');
  const body = res.json();
  t.equal(body.error, error);
  t.type(body.error_description, 'string');
  if (description) t.match(body.error_description, description);
  t.notOk(body.access_token, 'no token');
}

t.test('token exchange', async (t) => {
  const broker = await buildTestBroker({ policy: policy() });
  t.teardown(broker.close);
  const ok = (want: Partial<Want> = {}): Want => ({ aud: TICKETS, scope: 'tickets:read', intent: 'summarize-tickets', ttl: 600, ...want });
  // A Kubernetes projected token lives an hour: long enough not to cap the tier's 15 minutes.
  const hourLong = () => broker.attest(SA, undefined, { ttlS: 3600 });

  t.test('success with intent', async (t) => {
    await expectIssued(t, broker, await broker.exchange(await broker.attest(), { intent: 'summarize-tickets' }), ok());
  });

  t.test('success without intent: the one intent for the audience', async (t) => {
    await expectIssued(t, broker, await broker.exchange(await broker.attest()), ok());
  });

  t.test('success without intent when the scope singles out one of two intents', async (t) => {
    const res = await broker.exchange(await hourLong(), { audience: KB, scope: 'kb:read' });
    await expectIssued(t, broker, res, { aud: KB, scope: 'kb:read', intent: 'read-kb', ttl: 900 });
  });

  t.test('success with resource instead of audience', async (t) => {
    await expectIssued(t, broker, await broker.exchange(await broker.attest(), { audience: [], resource: TICKETS }), ok());
  });

  t.test('success with requested_token_type access_token', async (t) => {
    await expectIssued(t, broker, await broker.exchange(await broker.attest(), { requested_token_type: ACCESS_TOKEN_TYPE }), ok());
  });

  t.test('success with an agent-signed assertion as subject_token (the token dies with the assertion)', async (t) => {
    await expectIssued(t, broker, await broker.exchange(await broker.assertion()), ok({ ttl: 120 }));
  });

  t.test('a client_id must name the agent the subject token proves (RFC 6749 section 3.2.1)', async (t) => {
    await expectIssued(t, broker, await broker.exchange(await broker.attest(), { client_id: 'ticket-summarizer' }), ok());
    const other = await broker.exchange(await broker.attest(), { client_id: 'someone-else' });
    t.same([other.statusCode, other.json().error], [401, 'invalid_client']);
  });

  t.test('scope subset: only what was requested', async (t) => {
    const res = await broker.exchange(await hourLong(), { audience: KB, intent: 'read-kb', scope: 'kb-drafts:read' });
    await expectIssued(t, broker, res, { aud: KB, scope: 'kb-drafts:read', intent: 'read-kb', ttl: 900 });
  });

  t.test('default scopes: all of the intent', async (t) => {
    const res = await broker.exchange(await hourLong(), { audience: KB, intent: 'read-kb' });
    await expectIssued(t, broker, res, { aud: KB, scope: 'kb:read kb-drafts:read', intent: 'read-kb', ttl: 900 });
  });

  t.test('TTL is min(tier, intent)', async (t) => {
    // summarize-tickets 10m < tier 15m; read-kb has none (tier 15m); review-drafts 2m.
    await expectIssued(t, broker, await broker.exchange(await broker.attest(), { intent: 'summarize-tickets' }), ok({ ttl: 600 }));
    const kb = await broker.exchange(await hourLong(), { audience: KB, intent: 'read-kb' });
    await expectIssued(t, broker, kb, { aud: KB, scope: 'kb:read kb-drafts:read', intent: 'read-kb', ttl: 900 });
    const drafts = await broker.exchange(await hourLong(), { audience: KB, intent: 'review-drafts' });
    await expectIssued(t, broker, drafts, { aud: KB, scope: 'kb-drafts:read', intent: 'review-drafts', ttl: 120 });
  });

  t.test('several matching intents: invalid_request naming them', async (t) => {
    const res = await broker.exchange(await hourLong(), { audience: KB, scope: 'kb-drafts:read' });
    expectError(t, res, 400, 'invalid_request', /read-kb.*review-drafts|review-drafts.*read-kb/);
  });

  t.test('unknown intent: invalid_request naming it', async (t) => {
    expectError(t, await broker.exchange(await broker.attest(), { intent: 'delete-everything' }), 400, 'invalid_request', /delete-everything/);
  });

  t.test('audience not granted: invalid_target', async (t) => {
    expectError(t, await broker.exchange(await broker.attest(), { audience: 'https://payroll.test' }), 400, 'invalid_target');
    expectError(t, await broker.exchange(await hourLong(), { audience: KB, intent: 'summarize-tickets' }), 400, 'invalid_target');
  });

  t.test('scope escalation: invalid_scope', async (t) => {
    // Beyond the intent and the tier ceiling.
    expectError(t, await broker.exchange(await broker.attest(), { intent: 'summarize-tickets', scope: 'tickets:write' }), 400, 'invalid_scope', /tickets:write/);
    expectError(t, await broker.exchange(await broker.attest(), { scope: 'tickets:write' }), 400, 'invalid_scope');
    // Within the tier ceiling (*:read) but not in the intent.
    expectError(t, await broker.exchange(await broker.attest(), { intent: 'summarize-tickets', scope: 'kb:read' }), 400, 'invalid_scope', /kb:read/);
    expectError(t, await broker.exchange(await broker.attest(), { intent: 'summarize-tickets', scope: 'tickets:read kb:read' }), 400, 'invalid_scope');
    expectError(t, await broker.exchange(await broker.attest(), { scope: 'kb:read' }), 400, 'invalid_scope');
  });

  t.test('target: neither, both or several audience/resource is invalid_target', async (t) => {
    expectError(t, await broker.exchange(await broker.attest(), { audience: [] }), 400, 'invalid_target');
    expectError(t, await broker.exchange(await broker.attest(), { resource: TICKETS }), 400, 'invalid_target');
    expectError(t, await broker.exchange(await broker.attest(), { audience: [TICKETS, KB] }), 400, 'invalid_target');
    expectError(t, await broker.exchange(await broker.attest(), { audience: [TICKETS, TICKETS] }), 400, 'invalid_target');
    expectError(t, await broker.exchange(await broker.attest(), { audience: [], resource: [TICKETS, KB] }), 400, 'invalid_target');
  });

  t.test('resource that is not an absolute URI: invalid_target', async (t) => {
    for (const resource of ['tickets.test', '/relative/path', `${TICKETS}#fragment`]) {
      expectError(t, await broker.exchange(await broker.attest(), { audience: [], resource }), 400, 'invalid_target');
    }
  });

  t.test('malformed request parameters: invalid_request', async (t) => {
    const attestation = await broker.attest();
    const base = { grant_type: TOKEN_EXCHANGE, subject_token: attestation, subject_token_type: JWT_TYPE, audience: TICKETS };
    const { subject_token: _st, ...noSubjectToken } = base;
    const { subject_token_type: _stt, ...noSubjectTokenType } = base;
    expectError(t, await broker.token(noSubjectToken), 400, 'invalid_request', /subject_token/);
    expectError(t, await broker.token(noSubjectTokenType), 400, 'invalid_request', /subject_token_type/);
    expectError(t, await broker.token({ ...base, subject_token_type: ACCESS_TOKEN_TYPE }), 400, 'invalid_request', /subject_token_type/);
    expectError(t, await broker.token({ ...base, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }), 400, 'invalid_request');
    expectError(t, await broker.token({ ...base, requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }), 400, 'invalid_request', /requested_token_type/);
    expectError(t, await broker.token({ ...base, requested_token_type: JWT_TYPE }), 400, 'invalid_request', /requested_token_type/);
    expectError(t, await broker.token({ ...base, actor_token: await broker.attest(), actor_token_type: JWT_TYPE }), 400, 'invalid_request', /subject_token/);
    expectError(t, await broker.token({ ...base, actor_token: await broker.attest() }), 400, 'invalid_request', /actor_token/);
  });

  t.test('grant_type: missing is invalid_request, unknown is unsupported_grant_type', async (t) => {
    const form = { subject_token: await broker.attest(), subject_token_type: JWT_TYPE, audience: TICKETS };
    expectError(t, await broker.token(form), 400, 'invalid_request', /grant_type/);
    expectError(t, await broker.token({ ...form, grant_type: '' }), 400, 'invalid_request', /grant_type/);
    for (const grant of ['password', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:saml2-bearer', 'TOKEN-EXCHANGE']) {
      expectError(t, await broker.token({ ...form, grant_type: grant }), 400, 'unsupported_grant_type');
    }
  });

  t.test('order of checks: attestation, agent state, intent, audience, scope', async (t) => {
    // A bad attestation wins over everything else.
    const bad = await broker.exchange('x.y.z', { intent: 'nope', audience: 'https://payroll.test', scope: 'x:write' });
    expectError(t, bad, 400, 'invalid_request', /^subject_token was not accepted$/);
    // Agent state wins over an unknown intent.
    const pending = await broker.exchange(await broker.attest('system:serviceaccount:agents:pending-agent'), { intent: 'nope' });
    expectError(t, pending, 400, 'invalid_request', /pending-agent.*awaiting creation review/);
    t.notMatch(pending.json().error_description, /nope/);
    // Intent wins over audience and scope.
    expectError(t, await broker.exchange(await broker.attest(), { intent: 'nope', audience: 'https://payroll.test', scope: 'x:write' }), 400, 'invalid_request', /nope/);
    // Audience wins over scope.
    expectError(t, await broker.exchange(await hourLong(), { audience: KB, intent: 'summarize-tickets', scope: 'tickets:write' }), 400, 'invalid_target');
    expectError(t, await broker.exchange(await broker.attest(), { audience: 'https://payroll.test', scope: 'payroll:write' }), 400, 'invalid_target');
  });
});

t.test('TTL never exceeds 1 hour whatever the policy says', async (t) => {
  const doc = basePolicy();
  (doc.tiers as Record<string, unknown>).long = { description: 'Long', scopes: ['*:read'], max_ttl: '2h', review_every: '180d' };
  doc.agents = [
    agentDoc('ticket-summarizer', {
      tier: 'long',
      intents: [
        { name: 'summarize-tickets', description: 'no intent ttl', audience: TICKETS, scopes: ['tickets:read'] },
        { name: 'read-kb', description: 'intent ttl over the cap', audience: KB, scopes: ['kb:read'], max_ttl: '3h' },
      ],
    }),
  ];
  const broker = await buildTestBroker({ policy: doc });
  t.teardown(broker.close);
  // An hour-long attestation: its own expiry does not cap the token below the hour.
  const hourLong = () => broker.attest(SA, undefined, { ttlS: 3600 });
  const want = { aud: TICKETS, scope: 'tickets:read', intent: 'summarize-tickets', ttl: 3600, tier: 'long' };
  await expectIssued(t, broker, await broker.exchange(await hourLong()), want);
  const kb = await broker.exchange(await hourLong(), { audience: KB });
  await expectIssued(t, broker, kb, { aud: KB, scope: 'kb:read', intent: 'read-kb', ttl: 3600, tier: 'long' });
});
