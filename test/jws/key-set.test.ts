/**
 * Signature verification with node:crypto: every algorithm family it accepts, the
 * key/algorithm binding (RFC 8725 §3.1), key-set answers, and agreement with jose's own
 * verifier on the same tokens, so verifying with node:crypto changed no decision; and the
 * thread-pool form (what key sets use) agrees with the calling-thread form on every input.
 */
import { compactVerify, createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { createPublicKey, generateKeyPairSync, sign as nodeSign, type JsonWebKey } from 'node:crypto';
import t from 'tap';
import { decodeJws, VERIFIABLE_ALGORITHMS, verifySignature, verifySignatureOffThread, verifyWithKeySet, type DecodedJws } from '../../src/jws/index.js';

const NOW_S = 1_800_000_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

interface Keyed { alg: string; privateKey: CryptoKey; jwk: Record<string, unknown> }

async function keyFor(alg: string, kid = alg): Promise<Keyed> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

const claims = (overrides: JWTPayload = {}): JWTPayload => ({ iss: 'https://issuer.example', sub: 'agent', aud: 'agent-sts', iat: NOW_S - 5, exp: NOW_S + 300, ...overrides });

async function token(key: Keyed, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims()).setProtectedHeader({ alg: key.alg, kid: key.jwk.kid as string, ...header }).sign(key.privateKey);
}

function decoded(jwt: string): DecodedJws {
  const result = decodeJws(jwt);
  if (!result.ok) throw new Error(`not decodable: ${result.detail}`);
  return result;
}

async function outcome(jwt: string, jwks: Array<Record<string, unknown>>, algorithms: readonly string[] = VERIFIABLE_ALGORITHMS): Promise<string> {
  const refused = await verifyWithKeySet(decoded(jwt), createLocalJWKSet({ keys: jwks }), algorithms);
  return refused === null ? 'ok' : refused.reason;
}

/** A token signed by hand, for what jose refuses to produce. */
function handSigned(header: Record<string, unknown>, sign: (input: Buffer) => Buffer): string {
  const input = `${b64(header)}.${b64(claims())}`;
  return `${input}.${sign(Buffer.from(input)).toString('base64url')}`;
}

const families = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519'];
const keys = new Map<string, Keyed>();
for (const alg of families) keys.set(alg, await keyFor(alg));
const key = (alg: string): Keyed => keys.get(alg) as Keyed;

t.test('every verifiable algorithm accepts a good signature and refuses a changed payload, as jose does', async (t) => {
  t.same([...VERIFIABLE_ALGORITHMS].sort(), [...families].sort());
  for (const alg of families) {
    const jwt = await token(key(alg));
    t.equal(await outcome(jwt, [key(alg).jwk]), 'ok', `${alg} verifies`);
    await t.resolves(compactVerify(jwt, createLocalJWKSet({ keys: [key(alg).jwk] })), `${alg}: jose agrees`);
    const [h, , s] = jwt.split('.');
    const forged = `${h}.${b64(claims({ sub: 'admin' }))}.${s}`;
    t.equal(await outcome(forged, [key(alg).jwk]), 'bad_signature', `${alg} refuses a changed payload`);
    await t.rejects(compactVerify(forged, createLocalJWKSet({ keys: [key(alg).jwk] })), `${alg}: jose agrees`);
  }
});

t.test('the allow-list decides: an algorithm outside it is refused before any key is used', async (t) => {
  const jwt = await token(key('RS256'));
  t.equal(await outcome(jwt, [key('RS256').jwk], ['ES256']), 'alg_not_allowed');
  // none and HS256 are refused even when a caller lists them (RFC 8725 §3.1).
  for (const alg of ['none', 'HS256']) {
    const jwt = `${b64({ alg, kid: 'ES256' })}.${b64(claims())}.c2ln`;
    t.equal(await outcome(jwt, [key('ES256').jwk], [alg, 'ES256']), 'alg_not_allowed', alg);
  }
});

t.test('a key is only used with its own algorithm family', async (t) => {
  // The key set is asked by kid; the header lies about alg.
  const mislabelled = { ...key('ES256').jwk, alg: undefined };
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
  const jwt = handSigned({ alg: 'ES384', kid: 'ES256' }, (input) => nodeSign('sha384', input, { key: p384, dsaEncoding: 'ieee-p1363' }));
  t.not(await outcome(jwt, [mislabelled]), 'ok', 'a P-256 key never checks ES384');
});

t.test('a key handed over for the wrong algorithm is refused even when the signature checks out under it', async (t) => {
  // These keys reach the verifier directly, as a buggy or hostile key source could hand them over.
  const cases: Array<[string, string, ReturnType<typeof generateKeyPairSync>, string | null]> = [
    ['a P-256 key for ES384', 'ES384', generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'sha384'],
    ['a P-384 key for ES256', 'ES256', generateKeyPairSync('ec', { namedCurve: 'P-384' }), 'sha256'],
    ['an Ed448 key for EdDSA', 'EdDSA', generateKeyPairSync('ed448'), null],
    ['an RSA key for ES256', 'ES256', generateKeyPairSync('rsa', { modulusLength: 2048 }), 'sha256'],
  ];
  for (const [name, alg, pair, hash] of cases) {
    const ec = pair.privateKey.asymmetricKeyType === 'ec';
    const jwt = handSigned({ alg }, (input) => nodeSign(hash, input, ec ? { key: pair.privateKey, dsaEncoding: 'ieee-p1363' } : pair.privateKey));
    const refused = await verifyWithKeySet(decoded(jwt), async () => pair.publicKey, VERIFIABLE_ALGORITHMS);
    t.equal(refused?.reason, 'bad_signature', name);
  }
  const fitting = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const good = handSigned({ alg: 'ES384' }, (input) => nodeSign('sha384', input, { key: fitting.privateKey, dsaEncoding: 'ieee-p1363' }));
  t.equal(await verifyWithKeySet(decoded(good), async () => fitting.publicKey, VERIFIABLE_ALGORITHMS), null, 'the same route with a fitting key verifies');
});

t.test('RSA keys under 2048 bits are refused (RFC 7518 §3.3)', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'small', alg: 'RS256' };
  const jwt = handSigned({ alg: 'RS256', kid: 'small' }, (input) => nodeSign('sha256', input, privateKey));
  t.not(await outcome(jwt, [jwk]), 'ok');
});

t.test('ECDSA signatures must be R || S (RFC 7518 §3.4), not DER; an empty one fails', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'der', alg: 'ES256' };
  const header = { alg: 'ES256', kid: 'der' };
  t.equal(await outcome(handSigned(header, (input) => nodeSign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' })), [jwk]), 'ok');
  t.equal(await outcome(handSigned(header, (input) => nodeSign('sha256', input, { key: privateKey, dsaEncoding: 'der' })), [jwk]), 'bad_signature');
  t.equal(await outcome(handSigned(header, () => Buffer.alloc(0)), [jwk]), 'bad_signature', 'empty signature');
});

t.test('several keys matching (no kid): each is tried', async (t) => {
  const a = await keyFor('ES256', 'a');
  const b = await keyFor('ES256', 'b');
  const noKid = (k: Keyed) => ({ ...k.jwk, kid: undefined });
  const jwt = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256' }).sign(b.privateKey);
  t.equal(await outcome(jwt, [noKid(a), noKid(b)]), 'ok');
  const stranger = await keyFor('ES256', 'c');
  const other = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256' }).sign(stranger.privateKey);
  t.equal(await outcome(other, [noKid(a), noKid(b)]), 'bad_signature');
});

t.test("a key set's errors: no matching key, unavailable keys, anything else refused without a throw", async (t) => {
  const jwt = await token(key('ES256'), { kid: 'unknown' });
  t.equal(await outcome(jwt, [key('ES256').jwk]), 'no_matching_key');
  const unavailable = Object.assign(new Error('down'), { code: 'ERR_KEYS_UNAVAILABLE' });
  t.match(await verifyWithKeySet(decoded(jwt), async () => { throw unavailable; }, VERIFIABLE_ALGORITHMS), { reason: 'keys_unavailable' });
  t.match(await verifyWithKeySet(decoded(jwt), async () => { throw new TypeError('boom'); }, VERIFIABLE_ALGORITHMS), { reason: 'bad_signature' });
  t.match(await verifyWithKeySet(decoded(jwt), async () => 'not a key' as unknown as CryptoKey, VERIFIABLE_ALGORITHMS), { reason: 'bad_signature' });
  t.match(await verifyWithKeySet(decoded(jwt), async () => new Uint8Array(32), VERIFIABLE_ALGORITHMS), { reason: 'bad_signature' }, 'a symmetric secret');
});

t.test('only the key set is asked: jwk, jku and x5c headers are not followed (RFC 8725 §3.10)', async (t) => {
  const attacker = await keyFor('ES256', 'ES256');
  const jwt = await token(attacker, { jwk: attacker.jwk, jku: 'https://attacker.example/jwks' });
  t.equal(await outcome(jwt, [key('ES256').jwk]), 'bad_signature');
});

t.test('verification on the verification thread decides exactly as on the calling thread, and never rejects', async (t) => {
  for (const alg of families) {
    const publicKey = createPublicKey({ key: key(alg).jwk as JsonWebKey, format: 'jwk' });
    const jwt = await token(key(alg));
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const variants: Record<string, string> = {
      genuine: jwt,
      'changed payload': `${h}.${b64(claims({ sub: 'admin' }))}.${s}`,
      'truncated signature': `${h}.${p}.${s.slice(0, 20)}`,
      'empty signature': `${h}.${p}.`,
      'signature of zeros': `${h}.${p}.${Buffer.alloc(Buffer.from(s, 'base64url').length).toString('base64url')}`,
    };
    for (const [name, variant] of Object.entries(variants)) {
      const jws = decoded(variant);
      const onThread = verifySignature(jws, publicKey);
      const offThread = await verifySignatureOffThread(jws, publicKey);
      t.same(offThread, onThread, `${alg}, ${name}`);
      t.equal(offThread === null, name === 'genuine', `${alg}, ${name}: ${name === 'genuine' ? 'verifies' : 'refused'}`);
    }
  }
  // The key/algorithm binding is checked before the thread is asked.
  const es256 = createPublicKey({ key: key('ES256').jwk as JsonWebKey, format: 'jwk' });
  t.equal((await verifySignatureOffThread(decoded(await token(key('RS256'))), es256))?.reason, 'bad_signature');
});
