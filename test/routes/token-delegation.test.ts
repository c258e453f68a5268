/**
 * RFC 8693 delegation: an agent acting for a person gets a token naming both, carrying only
 * what both may do, never the person's token alone; chains narrow at every hop.
 */
import { decodeJwt } from 'jose';
import t from 'tap';
import { buildTestBroker, STS } from '../helpers/broker.js';
import {
  ACCESS_TOKEN_TYPE, agentSubject, delegated, delegationPolicy, EXPENSES, IDP, idpKey, MAIL, METRICS, personToken, TOOLS,
} from '../helpers/delegation.js';

const idp = await idpKey();
const broker = await buildTestBroker({ policy: delegationPolicy(), files: { 'idp.jwks.json': { keys: [idp.publicJwk] } } });
t.teardown(broker.close);
const attest = (agentId: string) => broker.attest(agentSubject(agentId));
const person = (o: Parameters<typeof personToken>[3] = {}, sub = 'alice') => personToken(broker, idp, sub, o);
const refusedSame = { error: 'invalid_request', error_description: 'subject_token was not accepted' };
const actorRefused = { error: 'invalid_request', error_description: 'actor_token was not accepted' };

t.test('an agent acting for a person: sub is the person, act the agent, scopes narrowed to both', async (t) => {
  const res = await delegated(broker, await person({ scope: 'mail:read' }), await attest('mail-assistant'), { audience: MAIL });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.equal(body.scope, 'mail:read', 'the person lacks mail:send: removed');
  t.equal(body.issued_token_type, ACCESS_TOKEN_TYPE);
  const claims = decodeJwt(body.access_token as string);
  t.equal(claims.sub, 'alice');
  t.equal(claims.subject_issuer, IDP, 'the person\'s issuer, so two IdPs\' subjects are never confused');
  t.same(claims.act, { sub: 'mail-assistant' });
  t.equal(claims.client_id, 'mail-assistant');
  t.equal(claims.intent, 'read-mail');
  t.equal(claims.tier, 'assistant');
  const audit = broker.auditLines.filter((l) => l.event === 'token_issued').at(-1) as Record<string, Record<string, unknown>>;
  t.same(audit.on_behalf_of?.removed_scopes, [{ scope: 'mail:send', by: 'person' }], 'what removed each scope is audited');
  t.same(audit.on_behalf_of?.requested_scopes, ['mail:read', 'mail:send']);
  t.notOk(JSON.stringify(broker.auditLines).includes(body.access_token as string), 'no token in the audit trail');
});

t.test('narrowing on each side; nothing left is invalid_scope naming who removed what', async (t) => {
  const both = await delegated(broker, await person({ scope: 'mail:send expenses:file' }), await attest('mail-assistant'), { audience: TOOLS, scope: 'mail:read expenses:file admin:write' });
  t.equal(both.statusCode, 200, both.body);
  t.equal(both.json().scope, 'expenses:file', 'the person lacks mail:read; the intent lacks admin:write');
  const none = await delegated(broker, await person({ scope: 'mail:send' }), await attest('mail-assistant'), { audience: TOOLS });
  t.equal(none.statusCode, 400);
  t.equal(none.json().error, 'invalid_scope');
  t.match(none.json().error_description, /person does not have 'expenses:file' 'mail:read'/);
  const denied = broker.auditLines.filter((l) => l.event === 'token_denied').at(-1);
  t.match(denied, {
    reason: 'scope', on_behalf_of: { kind: 'person', subject: 'alice' },
    requested_scopes: ['expenses:file', 'mail:read'],
    removed_scopes: [{ scope: 'expenses:file', by: 'person' }, { scope: 'mail:read', by: 'person' }],
  }, 'the refusal audits what was asked for and what removed each scope');
});

t.test('the person\'s scopes: scope when the token has it, else scp (an array)', async (t) => {
  const scp = await delegated(broker, await person({ scp: ['mail:read'] }), await attest('mail-assistant'), { audience: MAIL });
  t.equal(scp.statusCode, 200, scp.body);
  t.equal(scp.json().scope, 'mail:read', 'scp read when there is no scope');
  const both = await delegated(broker, await person({ scope: 'mail:read', scp: ['mail:read', 'mail:send'] }), await attest('mail-assistant'), { audience: MAIL });
  t.equal(both.json().scope, 'mail:read', 'scope wins: scp never widens it');
});

t.test('lifetime: min(tier, intent, 1 h, the person\'s token\'s remaining life)', async (t) => {
  const short = await delegated(broker, await person({ ttlS: 100 }), await attest('mail-assistant'), { audience: MAIL });
  t.equal(short.statusCode, 200, short.body);
  t.equal(short.json().expires_in, 100, 'capped by the person\'s token');
  const long = await delegated(broker, await person({ ttlS: 3600 }), await attest('mail-assistant'), { audience: MAIL });
  t.equal(long.json().expires_in, 600, 'the tier\'s 10 minutes');
});

t.test('a person\'s token alone never gets a token', async (t) => {
  const res = await delegated(broker, await person(), undefined, { audience: MAIL });
  t.equal(res.statusCode, 400);
  t.equal(res.json().error, 'invalid_request');
  t.match(res.json().error_description, /actor_token/, 'says to present the agent\'s own attestation as actor_token');
});

t.test('on_behalf_of: forbidden refuses a person, required refuses an agent alone', async (t) => {
  const forbidden = await delegated(broker, await person(), await attest('mail-assistant'), { audience: METRICS });
  t.equal(forbidden.statusCode, 400);
  t.equal(forbidden.json().error, 'invalid_request');
  const alone = await broker.exchange(await attest('mail-assistant'), { audience: MAIL });
  t.equal(alone.statusCode, 400);
  t.match(alone.json().error_description, /only on behalf of a person/);
  t.equal((await broker.exchange(await attest('mail-assistant'), { audience: METRICS })).statusCode, 200, 'a forbidden intent still works for the agent itself');
});

t.test('may_act (RFC 8693 §4.4): the actor must be the one named', async (t) => {
  const byId = await delegated(broker, await person({ mayAct: { sub: 'mail-assistant' } }), await attest('mail-assistant'), { audience: MAIL });
  t.equal(byId.statusCode, 200, byId.body);
  const byIssuer = await delegated(broker, await person({ mayAct: { sub: 'mail-assistant', iss: STS } }), await attest('mail-assistant'), { audience: MAIL });
  t.equal(byIssuer.statusCode, 200, 'iss, when given, is the broker');
  const byAttestation = await delegated(broker, await person({ mayAct: { iss: 'https://k8s.test', sub: agentSubject('mail-assistant') } }), await attest('mail-assistant'), { audience: MAIL });
  t.equal(byAttestation.statusCode, 200, 'or the identity the attestation proves');
  const other = await delegated(broker, await person({ mayAct: { sub: 'expense-tool' } }), await attest('mail-assistant'), { audience: MAIL });
  t.same([other.statusCode, other.json()], [400, refusedSame], 'another actor: refused');
  const wrongIss = await delegated(broker, await person({ mayAct: { sub: 'mail-assistant', iss: 'https://elsewhere.test' } }), await attest('mail-assistant'), { audience: MAIL });
  t.equal(wrongIss.statusCode, 400);
});

t.test('each delegation refusal names its rule in the audit trail and the metrics, not in the answer', async (t) => {
  const lastDenial = () => broker.auditLines.filter((l) => l.event === 'token_denied').at(-1);
  const cases: Array<[string, () => Promise<{ statusCode: number }>]> = [
    ['may_act', async () => delegated(broker, await person({ mayAct: { sub: 'expense-tool' } }), await attest('mail-assistant'), { audience: MAIL })],
    ['intent_forbidden', async () => delegated(broker, await person(), await attest('mail-assistant'), { audience: METRICS })],
    ['person_required', async () => broker.exchange(await attest('mail-assistant'), { audience: MAIL })],
    ['actor_missing', async () => delegated(broker, await person(), undefined, { audience: MAIL })],
    ['not_served', async () => {
      const hop = (await delegated(broker, await person(), await attest('mail-assistant'), { audience: TOOLS })).json().access_token as string;
      return delegated(broker, hop, await attest('deaf-tool'), { audience: EXPENSES });
    }],
  ];
  for (const [check, send] of cases) {
    t.equal((await send()).statusCode, 400, check);
    t.match(lastDenial(), { reason: 'delegation', check }, `${check}: audited`);
  }
  await broker.flush();
  const metrics = await broker.registry.getSingleMetricAsString('sts_delegation_requests_total');
  for (const [check] of cases) t.match(metrics, new RegExp(`result="denied",reason="delegation",check="${check}"\\} [1-9]`), `${check}: counted`);
});

t.test('a chain of two hops narrows at each hop; depth limits and served audiences hold', async (t) => {
  const first = await delegated(broker, await person({ scope: 'expenses:file mail:read' }), await attest('mail-assistant'), { audience: TOOLS });
  t.equal(first.statusCode, 200, first.body);
  const hop1 = first.json().access_token as string;
  t.equal(first.json().scope, 'expenses:file mail:read');

  const second = await delegated(broker, hop1, await attest('expense-tool'), { audience: EXPENSES });
  t.equal(second.statusCode, 200, second.body);
  const claims = decodeJwt(second.json().access_token as string);
  t.equal(claims.sub, 'alice');
  t.equal(claims.subject_issuer, IDP);
  t.same(claims.act, { sub: 'expense-tool', act: { sub: 'mail-assistant' } }, 'act nests the previous actor');
  t.equal(claims.scope, 'expenses:file', 'within the presented token, the new intent and the tier');
  t.ok((claims.exp as number) <= (decodeJwt(hop1).exp as number), 'never past the presented token');

  const tooDeep = await delegated(broker, hop1, await attest('shallow-tool'), { audience: EXPENSES });
  t.equal(tooDeep.statusCode, 400);
  t.equal(tooDeep.json().error, 'invalid_request');
  t.match(tooDeep.json().error_description, /allows 1/, 'tier shallow allows one agent');

  const notServed = await delegated(broker, hop1, await attest('deaf-tool'), { audience: EXPENSES });
  t.same([notServed.statusCode, notServed.json()], [400, refusedSame], 'an actor that does not serve the audience is refused');
});

t.test('same answer for every bad subject or actor token', async (t) => {
  const attacker = await idpKey();
  const cases = [
    ['person token signed by another key', await person({ key: attacker }), await attest('mail-assistant')],
    ['person token for another audience', await person({ aud: 'someone-else' }), await attest('mail-assistant')],
    ['expired person token', await person({ iatOffsetS: -7300, ttlS: 3600 }), await attest('mail-assistant')],
    ['an agent attestation as the subject', await attest('expense-tool'), await attest('mail-assistant')],
    ['a person token that already names an actor (RFC 8693 section 4.1)', await person({ act: { sub: 'mallory' } }), await attest('mail-assistant')],
  ] as const;
  for (const [name, subject, actor] of cases) {
    const res = await delegated(broker, subject, actor, { audience: MAIL });
    t.same([res.statusCode, res.json()], [400, refusedSame], name);
  }
  // A bad actor proof gets one answer too, naming the parameter that carried it.
  const actorCases = [
    ['a person token as the actor', await person(), await person()],
    ['garbage as the actor', await person(), 'not-a-jwt'],
    ['a token of ours as the actor', await person(), (await delegated(broker, await person(), await attest('mail-assistant'), { audience: MAIL })).json().access_token as string],
  ] as const;
  for (const [name, subject, actor] of actorCases) {
    const res = await delegated(broker, subject, actor, { audience: MAIL });
    t.same([res.statusCode, res.json()], [400, actorRefused], name);
  }
  const userKeyAsAttestation = await broker.exchange(await person(), { audience: MAIL, subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' });
  t.equal(userKeyAsAttestation.statusCode, 400, 'a person\'s token is never an agent attestation');
});
