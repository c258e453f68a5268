/**
 * Delegation rules that a chain or a different proof could get around: a person's `may_act`
 * binds every later hop, a chain started from an agent's own token counts that agent in its
 * depth and never meets `on_behalf_of: required`, and a client assertion standing in for the
 * actor is client authentication (RFC 7523 §2.2), not a platform attestation.
 */
import { decodeJwt } from 'jose';
import t from 'tap';
import { agentDoc, buildTestBroker, type PolicyDoc } from '../helpers/broker.js';
import {
  agentSubject, delegated, delegationPolicy, EXPENSES, idpKey, personToken, TOKEN_EXCHANGE, TOOLS,
} from '../helpers/delegation.js';

const LEDGER = 'https://ledger.test';
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function policy(): PolicyDoc {
  const doc = delegationPolicy();
  const agents = doc.agents as PolicyDoc[];
  const k8s = (id: string) => ({ issuer: 'https://k8s.test', subject: agentSubject(id), claims: { '/kubernetes.io/namespace': 'agents' } });
  // The assistant also holds a key of its own, so it can authenticate by client assertion.
  const assistant = agents.find((a) => a.id === 'mail-assistant') as PolicyDoc;
  assistant.attestation = [k8s('mail-assistant'), { keys: { jwks_file: 'mail-assistant.jwks.json' } }];
  agents.push(
    agentDoc('ledger-tool', {
      tier: 'assistant', serves: [EXPENSES], attestation: [k8s('ledger-tool')],
      intents: [{ name: 'post', audience: LEDGER, scopes: ['ledger:file'], on_behalf_of: 'allowed' }],
    }),
    agentDoc('people-only-tool', {
      tier: 'assistant', serves: [TOOLS], attestation: [k8s('people-only-tool')],
      intents: [{ name: 'submit', audience: EXPENSES, scopes: ['expenses:file'], on_behalf_of: 'required' }],
    }),
  );
  (doc.tiers as Record<string, { scopes: string[] }>).assistant?.scopes.push('ledger:file');
  return doc;
}

const idp = await idpKey();
const broker = await buildTestBroker({ policy: policy(), files: { 'idp.jwks.json': { keys: [idp.publicJwk] } } });
t.teardown(broker.close);
const attest = (agentId: string) => broker.attest(agentSubject(agentId));
const refusedSame = { error: 'invalid_request', error_description: 'subject_token was not accepted' };
const lastDenial = () => broker.auditLines.filter((l) => l.event === 'token_denied').at(-1);

/** The assistant's own token for the tools' audience: a chain that starts with an agent, not a person. */
async function assistantsOwnToken(): Promise<string> {
  const res = await broker.exchange(await attest('mail-assistant'), { audience: TOOLS });
  if (res.statusCode !== 200) throw new Error(res.body);
  return res.json().access_token as string;
}

t.test('may_act binds every hop: a tool the person did not name cannot act on the token the named agent got', async (t) => {
  const named = await delegated(broker, await personToken(broker, idp, 'alice', { mayAct: { sub: 'mail-assistant' }, scope: 'expenses:file' }), await attest('mail-assistant'), { audience: TOOLS });
  t.equal(named.statusCode, 200, named.body);
  const hop1 = named.json().access_token as string;
  t.same(decodeJwt(hop1).may_act, { sub: 'mail-assistant' }, 'the person\'s may_act travels with the token (RFC 8693 §4.4)');

  const onward = await delegated(broker, hop1, await attest('expense-tool'), { audience: EXPENSES });
  t.same([onward.statusCode, onward.json()], [400, refusedSame], 'alice never admitted expense-tool');
  t.match(lastDenial(), { reason: 'delegation', check: 'may_act' });

  // Without may_act the same chain is fine: the refusal is the person's restriction, nothing else.
  const open = await delegated(broker, await personToken(broker, idp, 'alice', { scope: 'expenses:file' }), await attest('mail-assistant'), { audience: TOOLS });
  const free = await delegated(broker, open.json().access_token as string, await attest('expense-tool'), { audience: EXPENSES });
  t.equal(free.statusCode, 200, free.body);
  t.equal(decodeJwt(free.json().access_token as string).may_act, undefined);
});

t.test('a chain that starts with an agent counts that agent: depth holds as for a person\'s chain', async (t) => {
  const hop1 = await delegated(broker, await assistantsOwnToken(), await attest('expense-tool'), { audience: EXPENSES });
  t.equal(hop1.statusCode, 200, hop1.body);
  const claims = decodeJwt(hop1.json().access_token as string);
  t.same([claims.sub, claims.act], ['mail-assistant', { sub: 'expense-tool' }], 'two agents: the one acted for and its actor');

  const hop2 = await delegated(broker, hop1.json().access_token as string, await attest('ledger-tool'), { audience: LEDGER });
  t.equal(hop2.statusCode, 400, 'three agents, tier assistant allows two');
  t.match(hop2.json().error_description, /pass through 3 agents; tier assistant allows 2/);
  t.match(lastDenial(), { reason: 'delegation', check: 'depth' });
});

t.test('on_behalf_of: required means a person: acting for another agent does not meet it', async (t) => {
  const forAgent = await delegated(broker, await assistantsOwnToken(), await attest('people-only-tool'), { audience: EXPENSES });
  t.equal(forAgent.statusCode, 400);
  t.match(forAgent.json().error_description, /only on behalf of a person/);
  t.match(lastDenial(), { reason: 'delegation', check: 'person_required' });

  const named = await delegated(broker, await assistantsOwnToken(), await attest('people-only-tool'), { audience: EXPENSES, intent: 'submit' });
  t.equal(named.statusCode, 400, 'naming the intent changes nothing');
  t.match(lastDenial(), { check: 'person_required' });

  const person = await delegated(broker, await personToken(broker, idp, 'alice', { scope: 'expenses:file' }), await attest('mail-assistant'), { audience: TOOLS });
  const forPerson = await delegated(broker, person.json().access_token as string, await attest('people-only-tool'), { audience: EXPENSES });
  t.equal(forPerson.statusCode, 200, `with alice at the chain's start it is used as declared: ${forPerson.body}`);
});

t.test('a client assertion acting for a person is client authentication: the agent\'s key, single-use, invalid_client when it fails', async (t) => {
  const actAs = (clientAssertion: string) => personToken(broker, idp, 'alice', { scope: 'expenses:file' }).then((subject) => broker.token({
    grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: clientAssertion, audience: TOOLS,
  }));
  const platform = await actAs(await attest('mail-assistant'));
  t.equal(platform.statusCode, 401, 'a platform attestation is no client assertion');
  t.equal(platform.json().error, 'invalid_client');

  const assertion = await broker.assertion('mail-assistant', { ttlS: 20 });
  const first = await actAs(assertion);
  t.equal(first.statusCode, 200, first.body);
  t.same(decodeJwt(first.json().access_token as string).act, { sub: 'mail-assistant' });
  t.equal(first.json().expires_in, 600, 'authentication only: the assertion does not cap the lifetime');

  const again = await actAs(assertion);
  t.same([again.statusCode, again.json().error], [401, 'invalid_client'], 'replayed: refused for the parameter that carried it');
});

t.test('a replayed actor_token is refused as the actor_token; an unsupported actor_token_type is named as such', async (t) => {
  // The test policy's Kubernetes issuer is reusable; the agent's own assertion is single-use.
  const actor = await broker.assertion('mail-assistant');
  const person = () => personToken(broker, idp, 'alice', { scope: 'expenses:file' });
  t.equal((await delegated(broker, await person(), actor, { audience: TOOLS })).statusCode, 200);
  const replayed = await delegated(broker, await person(), actor, { audience: TOOLS });
  t.same([replayed.statusCode, replayed.json()], [400, { error: 'invalid_request', error_description: 'actor_token was not accepted' }]);

  const wrongType = await broker.token({
    grant_type: TOKEN_EXCHANGE, subject_token: await person(), subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    actor_token: await attest('mail-assistant'), actor_token_type: 'urn:ietf:params:oauth:token-type:access_token', audience: TOOLS,
  });
  t.equal(wrongType.statusCode, 400);
  t.match(wrongType.json().error_description, /^unsupported actor_token_type/);
});
