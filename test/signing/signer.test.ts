import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, compactVerify, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  SIGNING_ALGS, createLocalSigner, generateKeyMaterial, jwkThumbprint, publicJwkMembers, signJwt,
} from '../../src/signing/index.js';
import { createPrivateKey } from 'node:crypto';

for (const alg of SIGNING_ALGS) {
  t.test(`${alg}: kid is the RFC 7638 thumbprint and signatures verify with jose`, async (t) => {
    const material = generateKeyMaterial(alg);
    const publicJwk = publicJwkMembers(material.privateJwk);
    t.equal(material.kid, await calculateJwkThumbprint(publicJwk as Parameters<typeof calculateJwkThumbprint>[0], 'sha256'));
    t.equal(jwkThumbprint(material.privateJwk), material.kid, 'private members do not change the thumbprint');
    const signer = createLocalSigner(createPrivateKey({ key: material.privateJwk, format: 'jwk' }), alg);
    t.equal(signer.kid, material.kid);
    const token = signJwt({ alg, kid: signer.kid, typ: 'at+jwt' }, { iss: 'x', sub: 'y' }, signer);
    t.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    t.same(decodeProtectedHeader(token), { alg, kid: signer.kid, typ: 'at+jwt' });
    const jwks = createLocalJWKSet({ keys: [{ ...publicJwk, kid: signer.kid, alg }] });
    const { payload } = await jwtVerify(token, jwks, { algorithms: [alg] });
    t.same(payload, { iss: 'x', sub: 'y' });
    const verified = await compactVerify(token, jwks);
    t.equal(Buffer.from(verified.payload).toString(), '{"iss":"x","sub":"y"}', 'the exact payload bytes');
  });
}

t.test('ES256 signatures are raw R||S (64 bytes), not DER', async (t) => {
  const signer = createLocalSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ES256');
  t.equal(signer.sign(Buffer.from('data')).length, 64);
});

t.test('signJwt refuses a header that disagrees with the signer', async (t) => {
  const signer = createLocalSigner(generateKeyPairSync('ed25519').privateKey, 'EdDSA');
  t.throws(() => signJwt({ alg: 'ES256', kid: signer.kid }, {}, signer), /do not match/);
  t.throws(() => signJwt({ alg: 'EdDSA', kid: 'other' }, {}, signer), /do not match/);
});

t.test('createLocalSigner refuses a key that does not fit the algorithm, or a public key', async (t) => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  t.throws(() => createLocalSigner(ec.privateKey, 'ES256'), /does not fit/);
  t.throws(() => createLocalSigner(generateKeyPairSync('ed25519').privateKey, 'RS256'), /does not fit/);
  t.throws(() => createLocalSigner(ec.publicKey, 'ES256'), /private key/);
});

t.test('publicJwkMembers keeps only public members', async (t) => {
  for (const alg of SIGNING_ALGS) {
    const members = publicJwkMembers(generateKeyMaterial(alg).privateJwk);
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) t.notOk(secret in members, `${alg} has no ${secret}`);
  }
  t.throws(() => publicJwkMembers({ kty: 'oct', k: 'c2VjcmV0' }), /unsupported/);
});
