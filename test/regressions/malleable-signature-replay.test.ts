/**
 * Regression: a single-use issuer token without a jti was spent by the hash of the whole
 * token string. The signature segment can be re-spelled without the issuer's key (ECDSA
 * (r, s) and (r, n - s) both verify; base64url leaves spare bits in its last character),
 * so one token could be exchanged once per spelling. It is now spent by its signed part.
 */
import t from 'tap';
import { basePolicy, buildTestBroker, SA } from '../helpers/broker.js';

const NOT_ACCEPTED = { error: 'invalid_request', error_description: 'subject_token was not accepted' };
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

function splitSignature(token: string): { signed: string; sig: Buffer } {
  const dot = token.lastIndexOf('.');
  return { signed: token.slice(0, dot), sig: Buffer.from(token.slice(dot + 1), 'base64url') };
}

/** The other valid ES256 signature of the same input: s replaced by n - s. */
function mirroredSignature(token: string): string {
  const { signed, sig } = splitSignature(token);
  const s = BigInt(`0x${sig.subarray(32).toString('hex')}`);
  const mirrored = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex');
  return `${signed}.${Buffer.concat([sig.subarray(0, 32), mirrored]).toString('base64url')}`;
}

/** The same signature bytes, spelled with different spare bits in the last character. */
function respelledSignature(token: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = token.at(-1) as string;
  // 64 bytes take 86 characters: the last one carries 2 data bits and 4 spare ones.
  const respelled = alphabet[alphabet.indexOf(last) ^ 0b0001] as string;
  return token.slice(0, -1) + respelled;
}

function singleUsePolicy() {
  const doc = basePolicy();
  (doc.issuers as Array<Record<string, unknown>>)[0]!.single_use = true;
  return doc;
}

t.test('a single-use token without jti is spent whatever the spelling of its signature', async (t) => {
  const broker = await buildTestBroker({ policy: singleUsePolicy() });
  t.teardown(broker.close);
  const token = await broker.attest(SA, { 'kubernetes.io': { namespace: 'agents' }, jti: undefined });
  const mirrored = mirroredSignature(token);
  const respelled = respelledSignature(token);
  t.not(mirrored, token);
  t.not(respelled, token);
  t.same(splitSignature(respelled).sig, splitSignature(token).sig, 'the re-spelled signature decodes to the same bytes');

  t.equal((await broker.exchange(token)).statusCode, 200, 'first use');
  t.same((await broker.exchange(mirrored)).json(), NOT_ACCEPTED, 'mirrored ECDSA signature: a replay');
  t.same((await broker.exchange(respelled)).json(), NOT_ACCEPTED, 're-spelled base64url: a replay');
});

t.test('each variant is itself valid (the test above would prove nothing otherwise)', async (t) => {
  const broker = await buildTestBroker({ policy: singleUsePolicy() });
  t.teardown(broker.close);
  const claims = { 'kubernetes.io': { namespace: 'agents' }, jti: undefined };
  t.equal((await broker.exchange(mirroredSignature(await broker.attest(SA, claims)))).statusCode, 200, 'mirrored: accepted on its first use');
  // Another iat, another token (later: single-use tokens issued before the store's epoch are refused).
  const other = await broker.attest(SA, claims, { iatOffsetS: 1 });
  t.equal((await broker.exchange(respelledSignature(other))).statusCode, 200, 're-spelled: accepted on its first use');
});
