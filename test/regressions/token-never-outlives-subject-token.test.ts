/**
 * Regression (probe of the running broker): a token exchanged from an attestation with two
 * minutes left lived the tier's full fifteen. A minted token now never outlives its subject
 * token (RFC 8693 §2.1: the new token stands for the subject; it cannot be worth more than
 * it); a client assertion only authenticates and does not cap the lifetime. Acting for a
 * person, the token dies with the person's token and with the agent's own attestation
 * (actor_token), whichever ends first.
 */
import { decodeJwt } from 'jose';
import t from 'tap';
import { buildTestBroker, KB_AUDIENCE, SA } from '../helpers/broker.js';
import { agentSubject, delegated, delegationPolicy, idpKey, MAIL, personToken } from '../helpers/delegation.js';

const NAMESPACE = { 'kubernetes.io': { namespace: 'agents' } };

t.test('exp is at most the subject token\'s exp', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  // read-kb: the tier's 15 minutes; the attestation has 120 s left.
  const attestation = await broker.attest(SA, NAMESPACE, { iatOffsetS: -300, ttlS: 420 });
  const res = await broker.exchange(attestation, { audience: KB_AUDIENCE });
  t.equal(res.statusCode, 200, res.body);
  const { exp } = decodeJwt(res.json().access_token as string);
  t.equal(exp, decodeJwt(attestation).exp, 'the token expires with the attestation');
  t.equal(res.json().expires_in, 120);
});

t.test('an attestation inside its last clock-tolerance seconds gets no token', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  // Expired 10 s ago: accepted by the 60 s tolerance, but nothing of its life is left to give.
  const res = await broker.exchange(await broker.attest(SA, NAMESPACE, { iatOffsetS: -600, ttlS: 590 }), { audience: KB_AUDIENCE });
  t.equal(res.statusCode, 400, res.body);
  t.equal(res.json().error, 'invalid_request');
});

t.test('a client assertion does not cap the lifetime', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const res = await broker.clientCredentials(await broker.assertion('ticket-summarizer', { ttlS: 60 }), { audience: KB_AUDIENCE });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().expires_in, 900, 'the tier\'s 15 minutes, though the assertion lives 60 s');
  const alongside = await broker.exchange(await broker.attest(SA, NAMESPACE, { ttlS: 3600 }), {
    audience: KB_AUDIENCE,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await broker.assertion('ticket-summarizer', { ttlS: 60 }),
  });
  t.equal(alongside.statusCode, 200, alongside.body);
  t.equal(alongside.json().expires_in, 900, 'nor does one sent alongside a subject token');
});

t.test('delegated: exp is at most the person\'s token\'s and the actor attestation\'s', async (t) => {
  const idp = await idpKey();
  const broker = await buildTestBroker({ policy: delegationPolicy(), files: { 'idp.jwks.json': { keys: [idp.publicJwk] } } });
  t.teardown(broker.close);
  // read-mail: the tier's 10 minutes.
  const shortActor = await broker.attest(agentSubject('mail-assistant'), NAMESPACE, { iatOffsetS: -300, ttlS: 330 });
  const byActor = await delegated(broker, await personToken(broker, idp, 'alice', { ttlS: 3600 }), shortActor, { audience: MAIL });
  t.equal(byActor.statusCode, 200, byActor.body);
  t.equal(decodeJwt(byActor.json().access_token as string).exp, decodeJwt(shortActor).exp, 'dies with the actor\'s attestation');
  t.equal(byActor.json().expires_in, 30);
  const shortPerson = await personToken(broker, idp, 'alice', { ttlS: 45 });
  const byPerson = await delegated(broker, shortPerson, await broker.attest(agentSubject('mail-assistant'), NAMESPACE, { ttlS: 3600 }), { audience: MAIL });
  t.equal(byPerson.statusCode, 200, byPerson.body);
  t.equal(byPerson.json().expires_in, 45, 'dies with the person\'s token');
  const neither = await delegated(broker, await personToken(broker, idp, 'alice', { ttlS: 3600 }), await broker.attest(agentSubject('mail-assistant'), NAMESPACE, { ttlS: 3600 }), { audience: MAIL });
  t.equal(neither.json().expires_in, 600, 'the tier\'s lifetime when both outlive it');
});
