import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createIssuerKeyResolver, verifyIssuerToken, type AttestationResult } from '../../src/attestation/index.js';
import { manualClock } from '../../src/clock.js';
import { agent, compile, context, issuerEntry, jwksOf, k8sClaims, makeKey, NOW_MS, sign, startJwksServer, trustedIssuer } from './helpers.js';

const key = await makeKey('k1');
const rotated = await makeKey('k2');
const SUB = 'system:serviceaccount:agents:summarizer';
const bot = agent('summarizer', [issuerEntry(SUB)]);
const reason = (r: AttestationResult) => (r.ok ? 'ok' : r.reason);

t.test('keys are fetched from jwks_uri once and reused, across policy reloads', async (t) => {
  const server = await startJwksServer(jwksOf(key));
  t.teardown(() => server.close());
  const clock = manualClock(NOW_MS);
  const keys = createIssuerKeyResolver({ now: clock });
  const v1 = compile([trustedIssuer({ jwksUri: server.url })], [bot], 'v1');
  const token = await sign(key, k8sClaims());
  t.equal(reason(await verifyIssuerToken(token, context(v1, { keys }))), 'ok');
  t.equal(reason(await verifyIssuerToken(token, context(v1, { keys }))), 'ok');
  t.equal(server.requests, 1);
  const v2 = compile([trustedIssuer({ jwksUri: server.url })], [bot], 'v2');
  t.equal(reason(await verifyIssuerToken(token, context(v2, { keys }))), 'ok', 'after a reload');
  t.equal(server.requests, 1, 'a reload does not refetch');
});

t.test('an unknown kid cannot trigger a fetch storm (cooldown)', async (t) => {
  const server = await startJwksServer(jwksOf(key));
  t.teardown(() => server.close());
  const keys = createIssuerKeyResolver({ cooldownMs: 30_000 });
  const policy = compile([trustedIssuer({ jwksUri: server.url })], [bot]);
  const stranger = await makeKey('unknown');
  for (let i = 0; i < 20; i++) {
    const r = await verifyIssuerToken(await sign(stranger, k8sClaims({ jti: `j${i}` })), context(policy, { keys }));
    t.equal(reason(r), 'bad_signature');
  }
  t.equal(server.requests, 1, 'one fetch (the initial load), none per unknown kid within the cooldown');
  const burst = await Promise.all(Array.from({ length: 20 }, async (_, i) =>
    verifyIssuerToken(await sign(stranger, k8sClaims({ jti: `b${i}` })), context(policy, { keys }))));
  t.ok(burst.every((r) => !r.ok));
  t.equal(server.requests, 1, 'a concurrent burst does not refetch either');
});

t.test('after the cooldown, an unknown kid refetches once and finds a rotated key', async (t) => {
  const server = await startJwksServer(jwksOf(key));
  t.teardown(() => server.close());
  const keys = createIssuerKeyResolver({ cooldownMs: 0 });
  const policy = compile([trustedIssuer({ jwksUri: server.url })], [bot]);
  t.equal(reason(await verifyIssuerToken(await sign(key, k8sClaims()), context(policy, { keys }))), 'ok');
  server.body = jwksOf(key, rotated);
  t.equal(reason(await verifyIssuerToken(await sign(rotated, k8sClaims()), context(policy, { keys }))), 'ok');
  t.equal(server.requests, 2);
});

t.test('an unreachable jwks_uri is keys_unavailable, with a back-off', async (t) => {
  const server = await startJwksServer(jwksOf(key));
  t.teardown(() => server.close());
  server.status = 503;
  const clock = manualClock(NOW_MS);
  const keys = createIssuerKeyResolver({ now: clock, failureBackoffMs: 5_000 });
  const policy = compile([trustedIssuer({ jwksUri: server.url })], [bot]);
  const token = await sign(key, k8sClaims());
  const ctx = context(policy, { keys, now: NOW_MS });
  t.equal(reason(await verifyIssuerToken(token, ctx)), 'keys_unavailable');
  t.equal(reason(await verifyIssuerToken(token, ctx)), 'keys_unavailable');
  t.equal(server.requests, 1, 'no second fetch during the back-off');
  server.status = 200;
  clock.advance(5_001);
  t.equal(reason(await verifyIssuerToken(token, ctx)), 'ok', 'recovers after the back-off');
  t.equal(server.requests, 2);
  server.body = { not: 'a jwks' };
  const broken = createIssuerKeyResolver({ now: clock });
  t.equal(reason(await verifyIssuerToken(token, context(policy, { keys: broken }))), 'keys_unavailable', 'an invalid JWKS document');
});

t.test('a jwks_uri that does not answer times out as keys_unavailable', async (t) => {
  const silent = createServer(() => { /* never answers */ });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { silent.closeAllConnections(); silent.close(() => resolve()); }));
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/jwks`;
  const keys = createIssuerKeyResolver({ timeoutMs: 100 });
  const policy = compile([trustedIssuer({ jwksUri: url })], [bot]);
  const r = await verifyIssuerToken(await sign(key, k8sClaims()), context(policy, { keys }));
  t.equal(reason(r), 'keys_unavailable');
  if (!r.ok) t.match(r.detail, /ERR_KEYS_UNAVAILABLE/);
});

t.test('the remote key-set cache is bounded', async (t) => {
  const keys = createIssuerKeyResolver({ maxRemoteSets: 2 });
  const urls = ['http://127.0.0.1:1/a', 'http://127.0.0.1:1/b', 'http://127.0.0.1:1/c'];
  for (const url of urls) {
    const getKey = keys.forIssuer(trustedIssuer({ jwksUri: url }));
    await Promise.resolve(getKey?.({ alg: 'ES256', kid: 'k1' }, { payload: '', signature: '' })).catch(() => undefined);
  }
  t.equal(keys.remoteCount, 2);
  t.equal(keys.forIssuer(trustedIssuer({ jwksUri: 'not a url' })), null, 'an unparsable URI gives no keys');
});

t.test('a jwks_token_file is sent as a bearer token with each fetch, read afresh each time', async (t) => {
  // An API server that serves its keys only to authenticated callers, as Kubernetes does.
  const seen: Array<string | undefined> = [];
  let accepted = 'token-one';
  let served = jwksOf(key);
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== `Bearer ${accepted}`) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openid/v1/jwks`;
  const dir = mkdtempSync(join(tmpdir(), 'sts-jwks-token-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'token-one\n');

  const keys = createIssuerKeyResolver({ cooldownMs: 0 });
  const withToken = compile([trustedIssuer({ jwksUri: url, jwksTokenFile: tokenFile })], [bot]);
  t.equal(reason(await verifyIssuerToken(await sign(key, k8sClaims()), context(withToken, { keys }))), 'ok');
  t.same(seen, ['Bearer token-one']);

  // The platform rotates the token: the next fetch (a new kid) sends the new one.
  writeFileSync(tokenFile, 'token-two');
  accepted = 'token-two';
  served = jwksOf(key, rotated);
  t.equal(reason(await verifyIssuerToken(await sign(rotated, k8sClaims({ jti: 'r' })), context(withToken, { keys }))), 'ok');
  t.equal(seen.at(-1), 'Bearer token-two', 'read at each fetch');

  const without = compile([trustedIssuer({ jwksUri: url })], [bot]);
  t.equal(reason(await verifyIssuerToken(await sign(key, k8sClaims({ jti: 'w' })), context(without, { keys: createIssuerKeyResolver() }))), 'keys_unavailable');
  t.equal(seen.at(-1), undefined, 'an issuer without a token file sends no credential');

  writeFileSync(tokenFile, 'not a token\nat all');
  const bad = await createIssuerKeyResolver().probe(url, tokenFile);
  t.match(bad, { ok: false, cause: /does not hold a bearer token/ });
  t.notMatch(JSON.stringify(bad), /token-two/, 'the outcome never carries a token');
  writeFileSync(tokenFile, 'a'.repeat(20_000));
  t.match(await createIssuerKeyResolver().probe(url, tokenFile), { ok: false, cause: /does not hold a bearer token/ }, 'bounded: a file past 16 KiB is refused');
  rmSync(tokenFile);
  t.match(await createIssuerKeyResolver().probe(url, tokenFile), { ok: false, cause: /cannot be read \(ENOENT\)/ });
});
