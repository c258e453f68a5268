/**
 * Regression: an agent assertion whose `aud` was the token endpoint URL, or an array holding
 * the broker, was accepted. draft-ietf-oauth-rfc7523bis: "the aud claim value MUST be a JSON
 * string, and not a single-valued JSON array. The authorization server MUST reject any JWT
 * that does not contain its issuer identifier as its sole audience value". This holds for an
 * assertion sent as client_assertion and as a token-exchange subject_token alike; every
 * refusal gets the same opaque answer.
 */
import { SignJWT } from 'jose';
import t from 'tap';
import { buildTestBroker, STS, type TestBroker } from '../helpers/broker.js';

const AGENT = 'ticket-summarizer';
const TOKEN_ENDPOINT = `${STS}/oauth/token`;

/** An assertion signed by the agent's own key with this `aud`, whatever its JSON type. */
async function assertionFor(broker: TestBroker, aud: unknown, jti: string): Promise<string> {
  const key = broker.agentKeys.get(AGENT);
  if (!key) throw new Error('no agent key');
  const iat = Math.floor(broker.clock() / 1000);
  return new SignJWT({ iss: AGENT, sub: AGENT, aud: aud as string, jti, iat, exp: iat + 60 })
    .setProtectedHeader({ alg: 'ES256', kid: `${AGENT}-k1` })
    .sign(key.privateKey);
}

const REFUSED: Array<[string, unknown]> = [
  ['the token endpoint URL', TOKEN_ENDPOINT],
  ['the issuer in a one-element array', [STS]],
  ['the token endpoint in a one-element array', [TOKEN_ENDPOINT]],
  ['the issuer and the token endpoint', [STS, TOKEN_ENDPOINT]],
  ['the issuer and another server', [STS, 'https://elsewhere.example']],
];

const USES: Array<{ as: string; send: (broker: TestBroker, assertion: string) => ReturnType<TestBroker['token']>; status: number; answer: object }> = [
  { as: 'client_assertion', send: (broker, assertion) => broker.clientCredentials(assertion), status: 401,
    answer: { error: 'invalid_client', error_description: 'client authentication failed' } },
  { as: 'subject_token', send: (broker, assertion) => broker.exchange(assertion), status: 400,
    answer: { error: 'invalid_request', error_description: 'subject_token was not accepted' } },
];

for (const use of USES) {
  t.test(`as ${use.as}: only the issuer identifier, as a string, is accepted`, async (t) => {
    const broker = await buildTestBroker();
    t.teardown(broker.close);
    let n = 0;
    for (const [name, aud] of REFUSED) {
      const res = await use.send(broker, await assertionFor(broker, aud, `${use.as}-${n++}`));
      t.equal(res.statusCode, use.status, name);
      t.same(res.json(), use.answer, `${name}: the opaque answer`);
    }
    t.equal((await use.send(broker, await assertionFor(broker, STS, `${use.as}-ok`))).statusCode, 200, 'aud = the issuer, a string');
  });
}

t.test('the refusal is audited for the agent it names; the answer says nothing about aud', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const res = await broker.clientCredentials(await assertionFor(broker, TOKEN_ENDPOINT, 'logged'));
  t.notMatch(res.body, /aud|endpoint/);
  await broker.flush();
  const denied = broker.auditLines.filter((line) => line.event === 'token_denied');
  t.equal(denied.length, 1, 'one denial in the audit trail');
  t.match(denied[0], { claimed_agent: AGENT, reason: 'attestation_invalid', status: 401 });
});
