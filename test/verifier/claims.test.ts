/**
 * Every claim rule of the verifier. Tokens from the real broker where it can mint the case;
 * tokens signed by a local issuer (its own metadata and JWKS) for what the broker never mints:
 * a wrong typ, alg none or HS256, several audiences, missing claims, a delegation chain.
 */
import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { createVerifier, VerifyError, type Verifier } from '../../src/verifier/index.js';
import { actorChain, MAX_ACT_DEPTH } from '../../src/verifier/principal.js';
import { checkRequirements } from '../../src/verifier/requirements.js';
import { keyPair, TICKETS } from '../helpers/broker.js';
import { listeningBroker } from '../helpers/listening-broker.js';
import { json, localServer } from '../helpers/local-server.js';

const AUD = 'https://tickets.test';

async function refusal(t: Test, promise: Promise<unknown>, code: string, reason: string): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  t.type(error, VerifyError, `refused (${reason})`);
  t.match(error, { code, reason }, `${code} / ${reason}`);
}

t.test('real broker tokens: accepted here, refused for another audience, exp/nbf with leeway', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const verifier = createVerifier({ issuer: broker.issuer, audience: TICKETS, now: broker.clock, clockToleranceSeconds: 5 });
  const issued = (await broker.exchange(await broker.attest())).json().access_token as string;
  const principal = await verifier.verify(issued, { scopes: ['tickets:read'], intent: 'summarize-tickets' });
  t.match(principal, {
    agent: 'ticket-summarizer', subject: 'ticket-summarizer', owner: 'team-support', tier: 'read-only',
    intent: 'summarize-tickets', scopes: ['tickets:read'], issuer: broker.issuer, audience: TICKETS,
  });
  t.notOk('act' in principal, 'no act chain when the token has none');
  t.equal(principal.expiresAtMs - principal.issuedAtMs, 600_000);

  const kbToken = (await broker.exchange(await broker.attest(), { audience: 'https://kb.test' })).json().access_token as string;
  await refusal(t, verifier.verify(kbToken), 'invalid_token', 'wrong_audience');
  const elsewhere = createVerifier({ issuer: broker.issuer, audience: 'https://kb.test', now: broker.clock });
  t.ok(await elsewhere.verify(kbToken), 'the kb API accepts its own');

  await refusal(t, verifier.verify(issued, { scopes: ['tickets:write'] }), 'insufficient_scope', 'missing_scope');
  await refusal(t, verifier.verify(issued, { intent: 'close-tickets' }), 'insufficient_scope', 'wrong_intent');
  t.ok(await verifier.verify(issued, { intent: ['close-tickets', 'summarize-tickets'] }), 'one of several intents');

  broker.clock.advance(600_000 + 4_000);
  t.ok(await verifier.verify(issued), 'expired 4 s ago: within the 5 s leeway');
  broker.clock.advance(2_000);
  await refusal(t, verifier.verify(issued), 'invalid_token', 'expired');
});

t.test('tokens the broker never mints', async (t) => {
  const key = await keyPair('ES256', 'local-1');
  const server = await localServer({ '/jwks': (_req, res) => json(res, 200, { keys: [key.publicJwk] }) });
  t.teardown(server.close);
  const nowS = Math.floor(Date.now() / 1000);
  const good = (): JWTPayload => ({
    iss: server.url, sub: 'agent-x', client_id: 'agent-x', aud: AUD, iat: nowS, nbf: nowS, exp: nowS + 300, jti: randomUUID(),
    scope: 'tickets:read', intent: 'summarize-tickets', tier: 'read-only', owner: 'team-x',
  });
  const sign = (payload: JWTPayload, header: Record<string, unknown> = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'local-1', typ: 'at+jwt', ...header }).sign(key.privateKey);
  const without = (claim: string) => { const p = good(); delete p[claim]; return p; };
  const verifier: Verifier = createVerifier({ issuer: server.url, audience: AUD });

  t.ok(await verifier.verify(await sign(good())), 'the control case passes');
  t.ok(await verifier.verify(await sign(good(), { typ: 'application/at+jwt' })), 'typ with the media type prefix (RFC 9068 §2.1)');
  t.ok(await verifier.verify(await sign({ ...good(), aud: [AUD] })), 'aud as a list of exactly us');
  await refusal(t, verifier.verify(await sign(good(), { typ: 'JWT' })), 'invalid_token', 'wrong_type');
  const noTyp = await new SignJWT(good()).setProtectedHeader({ alg: 'ES256', kid: 'local-1' }).sign(key.privateKey);
  await refusal(t, verifier.verify(noTyp), 'invalid_token', 'wrong_type');
  await refusal(t, verifier.verify(await sign({ ...good(), aud: [AUD, 'https://other.test'] })), 'invalid_token', 'wrong_audience');
  // RFC 3986 §6.2.3, as the broker compares a resource with the policy: a root slash is no other audience.
  const slashed = createVerifier({ issuer: server.url, audience: `${AUD}/` });
  t.ok(await slashed.verify(await sign(good())), 'an API configured with a root slash accepts the token the broker minted without it');
  t.ok(await verifier.verify(await sign({ ...good(), aud: `${AUD}/` })), 'and the other way round');
  await refusal(t, verifier.verify(await sign({ ...good(), aud: `${AUD}/v1` })), 'invalid_token', 'wrong_audience');
  await refusal(t, verifier.verify(await sign({ ...good(), aud: `${AUD}//` })), 'invalid_token', 'wrong_audience');
  await refusal(t, createVerifier({ issuer: server.url, audience: `${AUD}/mcp/` }).verify(await sign({ ...good(), aud: `${AUD}/mcp` })), 'invalid_token', 'wrong_audience');
  await refusal(t, verifier.verify(await sign({ ...good(), iss: 'https://sts.other' })), 'invalid_token', 'wrong_issuer');
  await refusal(t, verifier.verify(await sign({ ...good(), nbf: nowS + 60 })), 'invalid_token', 'not_yet_valid');
  await refusal(t, verifier.verify(await sign({ ...good(), iat: nowS + 60 })), 'invalid_token', 'issued_in_future');
  for (const claim of ['client_id', 'jti', 'sub', 'exp', 'iat']) await refusal(t, verifier.verify(await sign(without(claim))), 'invalid_token', 'bad_claims');
  for (const claim of ['intent', 'tier', 'owner', 'scope']) await refusal(t, verifier.verify(await sign(without(claim))), 'invalid_token', 'bad_claims');
  await refusal(t, verifier.verify(await sign({ ...good(), intent: 42 })), 'invalid_token', 'bad_claims');

  const unsecured = new UnsecuredJWT(good()).encode();
  await refusal(t, verifier.verify(unsecured), 'invalid_token', 'malformed');
  const hs256 = await new SignJWT(good()).setProtectedHeader({ alg: 'HS256', kid: 'local-1', typ: 'at+jwt' }).sign(new TextEncoder().encode('x'.repeat(32)));
  await refusal(t, verifier.verify(hs256), 'invalid_token', 'algorithm_not_allowed');
  const valid = await sign(good());
  const [header, , signature] = valid.split('.');
  const tampered = `${header}.${Buffer.from(JSON.stringify({ ...good(), scope: 'tickets:write' })).toString('base64url')}.${signature}`;
  await refusal(t, verifier.verify(tampered), 'invalid_token', 'bad_signature');
  const stranger = await keyPair('ES256', 'local-1');
  await refusal(t, verifier.verify(await new SignJWT(good()).setProtectedHeader({ alg: 'ES256', kid: 'local-1', typ: 'at+jwt' }).sign(stranger.privateKey)), 'invalid_token', 'bad_signature');
  await refusal(t, verifier.verify('a.b'), 'invalid_token', 'malformed');
  await refusal(t, verifier.verify(`${'a'.repeat(17_000)}.b.c`), 'invalid_token', 'too_large');

  const es384 = createVerifier({ issuer: server.url, audience: AUD, algorithms: ['ES384'] });
  await refusal(t, es384.verify(valid), 'invalid_token', 'algorithm_not_allowed');
  t.throws(() => createVerifier({ issuer: server.url, audience: AUD, algorithms: ['HS256'] }), TypeError);
  t.throws(() => createVerifier({ issuer: server.url, audience: AUD, algorithms: ['none'] }), TypeError);
  t.throws(() => createVerifier({ issuer: server.url, audience: AUD, clockToleranceSeconds: 600 }), TypeError);
  t.throws(() => createVerifier({ issuer: 'http://sts.example.com', audience: AUD }), TypeError, 'http only on loopback');

  const delegated = await verifier.verify(await sign({ ...good(), sub: 'alice', act: { sub: 'agent-x', iss: server.url, act: { sub: 'orchestrator' } } }));
  t.equal(delegated.agent, 'agent-x');
  t.equal(delegated.subject, 'alice');
  t.same(delegated.act, [{ sub: 'agent-x', iss: server.url }, { sub: 'orchestrator' }], 'the act chain, current actor first');
  await refusal(t, verifier.verify(await sign({ ...good(), act: { iss: 'x' } })), 'invalid_token', 'bad_claims');
});

t.test('the act chain and requirements, pure', async (t) => {
  let deep: Record<string, unknown> = { sub: 'last' };
  for (let i = 0; i < MAX_ACT_DEPTH; i++) deep = { sub: `a${i}`, act: deep };
  t.throws(() => actorChain(deep), { name: 'VerifyError', reason: 'bad_claims' }, 'too deep');
  t.throws(() => actorChain([{ sub: 'x' }]), { name: 'VerifyError', reason: 'bad_claims' }, 'not an object');
  t.throws(() => actorChain({ sub: 'x', client_id: 7 }), { name: 'VerifyError', reason: 'bad_claims' });
  t.equal(actorChain({ sub: 'x', act: { sub: 'y' } }).length, 2);
  const principal = { scopes: ['a', 'b'], intent: 'i' } as unknown as Parameters<typeof checkRequirements>[0];
  t.doesNotThrow(() => checkRequirements(principal, {}));
  t.doesNotThrow(() => checkRequirements(principal, { scopes: ['b', 'a'], intent: 'i' }));
  t.throws(() => checkRequirements(principal, { scopes: ['a', 'c'] }), { code: 'insufficient_scope', requiredScopes: ['a', 'c'] });
});
