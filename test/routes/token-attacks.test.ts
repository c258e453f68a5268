/**
 * Attacks on attestation through the token endpoint (issue 2 "Attestation" and the
 * RFC 8725 hardening list): algorithm confusion, key injection through JOSE headers,
 * issuer/key binding, time claims, bound claims, and the broker's own tokens.
 * Every failed attestation gets the same answer (no oracle).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { exportSPKI, importJWK, SignJWT, type CryptoKey } from 'jose';
import { agentDoc, basePolicy, buildTestBroker, K8S, keyPair, SA, STS, type TestBroker } from '../helpers/broker.js';

type Reply = Awaited<ReturnType<TestBroker['token']>>;

const NOT_ACCEPTED = 'subject_token was not accepted';
const CLIENT_FAILED = 'client authentication failed';
const CI = 'https://ci.test';
const NAMESPACE = { 'kubernetes.io': { namespace: 'agents' } };

function refusedExchange(t: Test, res: Reply, msg = ''): void {
  t.equal(res.statusCode, 400, msg || res.body);
  t.equal(res.headers['cache-control'], 'no-store');
  t.same(res.json(), { error: 'invalid_request', error_description: NOT_ACCEPTED }, msg);
}

function refusedClient(t: Test, res: Reply, msg = ''): void {
  t.equal(res.statusCode, 401, msg || res.body);
  t.equal(res.headers['cache-control'], 'no-store');
  t.same(res.json(), { error: 'invalid_client', error_description: CLIENT_FAILED }, msg);
}

function issued(t: Test, res: Reply, msg = ''): void {
  t.equal(res.statusCode, 200, res.statusCode === 200 ? msg || 'issued' : res.body);
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const seconds = (broker: TestBroker): number => Math.floor(broker.clock() / 1000);

function claimsFor(broker: TestBroker, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = seconds(broker);
  return { iss: K8S, sub: SA, aud: 'agent-sts', iat, exp: iat + 600, jti: `j-${Math.random()}`, ...NAMESPACE, ...extra };
}

async function publicKeyBytes(jwk: Parameters<typeof importJWK>[0]): Promise<Uint8Array[]> {
  const pem = await exportSPKI((await importJWK(jwk, 'ES256')) as CryptoKey);
  return [new TextEncoder().encode(pem), new TextEncoder().encode(JSON.stringify(jwk))];
}

t.test('algorithm confusion', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);

  t.test('alg none is refused, as subject_token and as client_assertion', async (t) => {
    refusedExchange(t, await broker.exchange(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsFor(broker))}.`));
    refusedExchange(t, await broker.exchange(`${b64({ alg: 'none', kid: 'k8s-1' })}.${b64(claimsFor(broker))}.`));
    const iat = seconds(broker);
    const assertion = { iss: 'ticket-summarizer', sub: 'ticket-summarizer', aud: STS, iat, exp: iat + 60, jti: 'none-1' };
    refusedClient(t, await broker.clientCredentials(`${b64({ alg: 'none' })}.${b64(assertion)}.`));
  });

  t.test('HS256 signed with the public key bytes as the HMAC secret is refused', async (t) => {
    for (const secret of await publicKeyBytes(broker.issuerKey.publicJwk)) {
      const token = await new SignJWT(claimsFor(broker)).setProtectedHeader({ alg: 'HS256', kid: 'k8s-1', typ: 'JWT' }).sign(secret);
      refusedExchange(t, await broker.exchange(token));
    }
    const agentJwk = broker.agentKeys.get('ticket-summarizer')?.publicJwk;
    if (!agentJwk) throw new Error('no agent key');
    for (const secret of await publicKeyBytes(agentJwk)) {
      const assertion = await new SignJWT({ jti: `hs-${Math.random()}` })
        .setProtectedHeader({ alg: 'HS256', kid: 'ticket-summarizer-k1' })
        .setIssuer('ticket-summarizer').setSubject('ticket-summarizer').setAudience(STS)
        .setIssuedAt(seconds(broker)).setExpirationTime(seconds(broker) + 60)
        .sign(secret);
      refusedClient(t, await broker.clientCredentials(assertion));
      refusedExchange(t, await broker.exchange(assertion));
    }
  });
});

t.test('issuer, audience and time claims', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  // The store refuses attestations issued before its epoch (its start): start it 2 h ago so
  // that tokens issued in the past can be presented (see test/regressions/).
  broker.clock.advance(7_200_000);
  const attacker = await keyPair('ES256', 'k8s-1');

  t.test('a token from an issuer not configured is refused', async (t) => {
    refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { iss: 'https://evil.test', key: attacker.privateKey })));
    // Even signed by the real issuer's key: the issuer string itself is not trusted.
    refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { iss: 'https://evil.test' })));
  });

  t.test('issuers compare as exact strings', async (t) => {
    for (const iss of [`${K8S}/`, 'HTTPS://K8S.TEST', 'https://K8s.test', `${K8S} `, `${K8S}\u0000`]) {
      refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { iss })), JSON.stringify(iss));
    }
  });

  t.test("the real issuer's kid signed by another key is refused", async (t) => {
    refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { key: attacker.privateKey })));
  });

  t.test('wrong aud is refused', async (t) => {
    refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { aud: 'someone-else' })));
    refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { aud: 'AGENT-STS' })));
    issued(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { aud: ['other', 'agent-sts'] })), 'aud array containing ours');
  });

  t.test('expired is refused; one about to expire gets a token that dies with it', async (t) => {
    const closing = await broker.exchange(await broker.attest(SA, NAMESPACE, { iatOffsetS: -595, ttlS: 600 }));
    issued(t, closing, '5 s left');
    t.equal(closing.json().expires_in, 5, 'the token never outlives its subject token');
    // Within the 60 s tolerance the attestation verifies, but it has no life left to give.
    refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { iatOffsetS: -600, ttlS: 600 })));
    refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { iatOffsetS: -661, ttlS: 600 })));
    const fresh = await broker.attest();
    issued(t, await broker.exchange(fresh), 'fresh (and now in the verified-token cache)');
    broker.clock.advance(661_000);
    refusedExchange(t, await broker.exchange(fresh), 'expired while cached as verified');
    broker.clock.advance(-661_000);
  });

  t.test('future iat or nbf beyond 60 s is refused', async (t) => {
    issued(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { iatOffsetS: 59 })), 'iat 59 s ahead');
    refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { iatOffsetS: 61 })));
    issued(t, await broker.exchange(await broker.attest(SA, { ...NAMESPACE, nbf: seconds(broker) + 59 })), 'nbf 59 s ahead');
    refusedExchange(t, await broker.exchange(await broker.attest(SA, { ...NAMESPACE, nbf: seconds(broker) + 61 })));
  });

  t.test('max_age: older by iat, or living longer, is refused', async (t) => {
    // Lifetime 3660 s (1h + tolerance) and still unexpired: only the age by iat decides.
    issued(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { iatOffsetS: -3650, ttlS: 3660 })), 'issued 3650 s ago');
    refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { iatOffsetS: -3661, ttlS: 3660 })), 'issued 3661 s ago');
    refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { ttlS: 3661 })), 'lives 3661 s');
    refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { ttlS: 86_400 })), 'lives a day');
  });

  t.test('a Kubernetes token living 3607 s passes a 1h max_age', async (t) => {
    const token = await broker.attest(SA, NAMESPACE, { ttlS: 3607 });
    issued(t, await broker.exchange(token), 'fresh');
    broker.clock.advance(3000_000);
    issued(t, await broker.exchange(token), 'after 50 minutes');
    broker.clock.advance(-3000_000);
  });
});

t.test('keys come only from the configured issuer keys: JOSE key headers are never followed', async (t) => {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const attacker = await keyPair('ES256', 'attacker-1');
  const der = (await exportSPKI((await importJWK(attacker.publicJwk, 'ES256')) as CryptoKey)).replace(/-----[^-]+-----|\s/g, '');
  const headers: Record<string, Record<string, unknown>> = {
    jwk: { jwk: attacker.publicJwk },
    jku: { jku: `${url}/jwks.json` },
    x5u: { x5u: `${url}/cert.pem` },
    x5c: { x5c: [der] },
  };
  for (const [name, header] of Object.entries(headers)) {
    for (const kid of ['attacker-1', 'k8s-1']) {
      const token = await broker.attest(SA, NAMESPACE, { key: attacker.privateKey, kid, header });
      refusedExchange(t, await broker.exchange(token), `${name} header with kid ${kid}`);
    }
  }
  // The same headers on a genuinely signed token trigger no fetch either.
  await broker.exchange(await broker.attest(SA, NAMESPACE, { header: { jku: `${url}/jwks.json`, x5u: `${url}/cert.pem` } }));
  await new Promise((resolve) => setImmediate(resolve));
  t.same(hits, [], 'the attacker URL received no request');
});

t.test('keys are bound to their issuer', async (t) => {
  const ciKey = await keyPair('ES256', 'ci-1');
  const doc = basePolicy();
  (doc.issuers as unknown[]).push({ issuer: CI, jwks_file: 'ci.jwks.json', audience: 'agent-sts', algorithms: ['ES256'], max_age: '1h', single_use: false });
  const agent = agentDoc('ticket-summarizer');
  agent.attestation = [...(agent.attestation as unknown[]), { issuer: CI, subject: 'repo:acme/agents' }];
  doc.agents = [agent];
  const broker = await buildTestBroker({ policy: doc, files: { 'ci.jwks.json': { keys: [ciKey.publicJwk] } } });
  t.teardown(broker.close);
  issued(t, await broker.exchange(await broker.attest('repo:acme/agents', {}, { iss: CI, kid: 'ci-1', key: ciKey.privateKey })), 'issuer B with its own key');
  refusedExchange(t, await broker.exchange(await broker.attest('repo:acme/agents', {}, { iss: CI, kid: 'k8s-1' })), "issuer B token signed by issuer A's key, A's kid");
  refusedExchange(t, await broker.exchange(await broker.attest('repo:acme/agents', {}, { iss: CI, kid: 'ci-1' })), "issuer B token signed by issuer A's key, B's kid");
  refusedExchange(t, await broker.exchange(await broker.attest(SA, NAMESPACE, { kid: 'ci-1', key: ciKey.privateKey })), "issuer A token signed by issuer B's key");
});

t.test('bound claims match exactly', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  issued(t, await broker.exchange(await broker.attest(SA, NAMESPACE)), 'exact match');
  const variants: unknown[] = [['agents'], 'Agents', 'AGENTS', 'agents\u0000', 'agents ', ' agents', { value: 'agents' }, null];
  for (const namespace of variants) {
    refusedExchange(t, await broker.exchange(await broker.attest(SA, { 'kubernetes.io': { namespace } })), JSON.stringify(namespace));
  }
  refusedExchange(t, await broker.exchange(await broker.attest(SA, {})), 'claim absent');
  refusedExchange(t, await broker.exchange(await broker.attest(SA, { 'kubernetes.io': [{ namespace: 'agents' }] })), 'parent is an array');
  refusedExchange(t, await broker.exchange(await broker.attest(SA, { 'kubernetes.io/namespace': 'agents' })), 'flat claim is not the pointer');
  refusedExchange(t, await broker.exchange(await broker.attest(`${SA}\u0000`, NAMESPACE)), 'subject with trailing NUL');
  refusedExchange(t, await broker.exchange(await broker.attest(SA.toUpperCase(), NAMESPACE)), 'subject in another case');
});

t.test("the broker's own access tokens are never accepted as attestations", async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const res = await broker.exchange(await broker.attest());
  issued(t, res);
  const accessToken = res.json().access_token as string;
  // Presented back without an actor it is not an attestation: the agent acting on it must prove itself.
  for (const type of ['urn:ietf:params:oauth:token-type:access_token', 'urn:ietf:params:oauth:token-type:jwt']) {
    const back = await broker.exchange(accessToken, { subject_token_type: type });
    t.equal(back.statusCode, 400, back.body);
    t.equal(back.json().error, 'invalid_request');
    t.notOk(back.json().access_token);
  }
  refusedClient(t, await broker.clientCredentials(accessToken), 'as client_assertion');
});
