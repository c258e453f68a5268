/**
 * The RFC 7523 §2.1 JWT bearer grant, as MCP's workload identity federation uses it: the
 * workload's platform token is the assertion; the same attestation, replay, governance and
 * grant checks as a token exchange; a bad assertion is invalid_grant (§3.1). Also driven by an
 * unmodified standard client (openid-client) through discovery.
 */
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import t from 'tap';
import { basePolicy, buildTestBroker, keyPair, SA, TICKETS } from '../helpers/broker.js';
import { listeningBroker } from '../helpers/listening-broker.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const NAMESPACE = { 'kubernetes.io': { namespace: 'agents' } };

t.test('the jwt-bearer grant: valid, replayed single-use, wrong audience, bad signature', async (t) => {
  const policy = basePolicy();
  (policy.issuers as Array<Record<string, unknown>>)[0]!.single_use = true;
  const b = await buildTestBroker({ policy });
  t.teardown(b.close);
  const grant = (assertion: string, extra: Record<string, string> = {}) => b.token({ grant_type: JWT_BEARER, assertion, resource: TICKETS, ...extra });

  const attestation = await b.attest();
  const ok = await grant(attestation, { scope: 'tickets:read' });
  t.equal(ok.statusCode, 200, ok.body);
  t.equal(ok.json().token_type, 'Bearer');
  t.notOk(ok.json().issued_token_type, 'an RFC 6749 §5.1 response, not a token exchange one');
  const claims = decodeJwt(ok.json().access_token as string);
  t.match(claims, { sub: 'ticket-summarizer', aud: TICKETS, intent: 'summarize-tickets', scope: 'tickets:read' });
  t.ok((claims.exp as number) <= (decodeJwt(attestation).exp as number), 'never past the assertion');

  const replayed = await grant(attestation);
  t.same([replayed.statusCode, replayed.json().error], [400, 'invalid_grant'], 'a single-use assertion presented again');
  const wrongAudience = await grant(await b.attest(SA, NAMESPACE, { aud: 'someone-else' }));
  t.same([wrongAudience.statusCode, wrongAudience.json().error], [400, 'invalid_grant'], 'an assertion for another audience');
  const attacker = await keyPair('ES256', 'k8s-1');
  const forged = await grant(await b.attest(SA, NAMESPACE, { key: attacker.privateKey }));
  t.same([forged.statusCode, forged.json().error], [400, 'invalid_grant'], 'a bad signature');
  t.equal(forged.json().error_description, wrongAudience.json().error_description, 'one answer for every bad assertion');
  const missing = await b.token({ grant_type: JWT_BEARER, resource: TICKETS });
  t.same([missing.statusCode, missing.json().error], [400, 'invalid_request'], 'no assertion at all');
  const target = await grant(await b.attest(), { resource: 'https://payroll.test' });
  t.equal(target.json().error, 'invalid_target', 'the same grant checks: an audience no intent grants');
  // What new URL(TICKETS).href gives: the same resource (RFC 3986 §6.2.3); aud stays the policy's spelling.
  const rootSlash = await grant(await b.attest(), { resource: new URL(TICKETS).href });
  t.equal(rootSlash.statusCode, 200, rootSlash.body);
  t.equal(decodeJwt(rootSlash.json().access_token as string).aud, TICKETS);

  const meta = (await b.app.inject('/.well-known/oauth-authorization-server')).json();
  t.ok(meta.grant_types_supported.includes(JWT_BEARER), 'advertised in the metadata (RFC 8414)');
});

t.test('an unmodified standard client (openid-client) gets a token with the jwt-bearer grant', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const config = await oidc.discovery(new URL(broker.issuer), 'ticket-summarizer', undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests], // http on loopback only: the test broker's issuer
  });
  const attestation = await broker.attest(SA, NAMESPACE);
  const tokens = await oidc.genericGrantRequest(config, JWT_BEARER, { assertion: attestation, resource: TICKETS });
  t.equal(tokens.token_type.toLowerCase(), 'bearer');
  t.match(decodeJwt(tokens.access_token), { iss: broker.issuer, sub: 'ticket-summarizer', aud: TICKETS });
  const refused = await oidc.genericGrantRequest(config, JWT_BEARER, { assertion: `${attestation.slice(0, -4)}AAAA`, resource: TICKETS }).then(() => null, (error: unknown) => error);
  t.match(refused, { error: 'invalid_grant' }, 'its error is the RFC 7523 one');
});
