import t from 'tap';
import { agentDoc, basePolicy, buildTestBroker } from '../helpers/broker.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const policy = basePolicy();
  policy.agents = [agentDoc('ticket-summarizer'), agentDoc('expense-assistant')];
  const h = await buildTestBroker({ policy });
  t.teardown(h.close);
  const tokenOf = async (agentId: string) => {
    const res = await h.clientCredentials(await h.assertion(agentId), { intent: 'summarize-tickets' });
    if (res.statusCode !== 200) throw new Error(`no token for ${agentId}: ${res.body}`);
    return res.json().access_token as string;
  };
  const form = (body: Record<string, string>, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: new URLSearchParams(body).toString() });
  const revokedAudit = () => h.auditLines.filter((l) => l.event === 'token_revoked');
  return { h, tokenOf, form, revokedAudit };
}

t.test('RFC 7009 §2.1: a client that authenticates revokes its own token', async (t) => {
  const { h, tokenOf, form, revokedAudit } = await setup(t);
  const token = await tokenOf('ticket-summarizer');
  const res = await form({ token, client_assertion_type: ASSERTION_TYPE, client_assertion: await h.assertion('ticket-summarizer') });
  t.equal(res.statusCode, 200);
  t.equal(res.body, '');
  t.match(revokedAudit().at(-1), { agent: 'ticket-summarizer', by: 'client' });
  const again = await form({ token, client_id: 'ticket-summarizer' });
  t.equal(again.statusCode, 200, 'an already revoked token: 200 (§2.2)');
  t.equal(revokedAudit().length, 1, 'and nothing revoked twice');
});

t.test('§2.1: a client does not revoke a token issued to another client', async (t) => {
  const { h, tokenOf, form, revokedAudit } = await setup(t);
  const token = await tokenOf('ticket-summarizer');
  const byAssertion = await form({ token, client_assertion_type: ASSERTION_TYPE, client_assertion: await h.assertion('expense-assistant') });
  t.equal(byAssertion.statusCode, 400);
  t.equal(byAssertion.json().error, 'invalid_request');
  const byName = await form({ token, client_id: 'expense-assistant' });
  t.equal(byName.statusCode, 400, 'a client that only names itself is held to its name');
  t.equal(revokedAudit().length, 0, 'nothing revoked');
  const holder = await form({ token });
  t.equal(holder.statusCode, 200, 'the holder, unnamed, still revokes it');
  t.match(revokedAudit().at(-1), { agent: 'ticket-summarizer', by: 'holder' });
});

t.test('a client authentication that fails is invalid_client, and revokes nothing', async (t) => {
  const { h, tokenOf, form, revokedAudit } = await setup(t);
  const token = await tokenOf('ticket-summarizer');
  const cases: Array<[string, Record<string, string>, Record<string, string>]> = [
    ['a garbage assertion', { client_assertion_type: ASSERTION_TYPE, client_assertion: 'garbage' }, {}],
    ['an assertion for the token endpoint URL', { client_assertion_type: ASSERTION_TYPE, client_assertion: await h.assertion('ticket-summarizer', { aud: `${h.config.issuer}/oauth/token` }) }, {}],
    ['an expired assertion', { client_assertion_type: ASSERTION_TYPE, client_assertion: await h.assertion('ticket-summarizer', { iatOffsetS: -600, ttlS: 60 }) }, {}],
    ['an assertion signed by another agent\'s key', { client_assertion_type: ASSERTION_TYPE, client_assertion: await h.assertion('ticket-summarizer', { key: h.agentKeys.get('expense-assistant')?.privateKey }) }, {}],
    ['another assertion type', { client_assertion_type: 'urn:example:saml', client_assertion: await h.assertion('ticket-summarizer') }, {}],
    ['a client secret', { client_id: 'ticket-summarizer', client_secret: 'hunter2' }, {}],
    ['a client_id that is not the assertion\'s', { client_id: 'expense-assistant', client_assertion_type: ASSERTION_TYPE, client_assertion: await h.assertion('ticket-summarizer') }, {}],
    ['HTTP Basic', {}, { authorization: `Basic ${Buffer.from('ticket-summarizer:x').toString('base64')}` }],
  ];
  for (const [name, body, headers] of cases) {
    const res = await form({ token, ...body }, headers);
    t.equal(res.statusCode, 401, name);
    t.equal(res.json().error, 'invalid_client', name);
    t.equal(res.headers['cache-control'], 'no-store', name);
  }
  const basic = await form({ token }, { authorization: 'Basic eDp5' });
  t.match(basic.headers['www-authenticate'], /^Basic /, 'RFC 6749 §5.2: the challenge in the scheme the client used');
  t.equal(revokedAudit().length, 0, 'nothing revoked');
  t.equal((await form({ token })).statusCode, 200);
  t.equal(revokedAudit().length, 1, 'the token was still active: its holder revokes it now');
});

t.test('a client assertion is single-use here as at the token endpoint (RFC 7523 §3)', async (t) => {
  const { h, tokenOf, form } = await setup(t);
  const token = await tokenOf('ticket-summarizer');
  const assertion = await h.assertion('ticket-summarizer');
  t.equal((await form({ token: 'garbage', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion })).statusCode, 200);
  const replayed = await form({ token, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion });
  t.equal(replayed.statusCode, 401, 'replayed at the revocation endpoint');
  t.equal(replayed.json().error, 'invalid_client');
  const used = await h.assertion('ticket-summarizer');
  t.equal((await form({ token: 'garbage', client_assertion_type: ASSERTION_TYPE, client_assertion: used })).statusCode, 200);
  const atTokenEndpoint = await h.clientCredentials(used, { intent: 'summarize-tickets' });
  t.equal(atTokenEndpoint.statusCode, 401, 'then replayed at the token endpoint');
  t.equal(atTokenEndpoint.json().error, 'invalid_client');
  t.match(h.auditLines.at(-1), { event: 'token_denied', reason: 'replay' }, 'refused as a replay');
  t.equal((await h.clientCredentials(await h.assertion('ticket-summarizer'), { intent: 'summarize-tickets' })).statusCode, 200, 'a fresh assertion is accepted');
});
