import t from 'tap';
import { randomBytes } from 'node:crypto';
import { KeyRingDecryptError, decryptRing, encryptRing } from '../../src/signing/index.js';
import { openRing, sealRing } from '../../src/signing/ring-persistence.js';
import { advanceRing, generateKeyMaterial } from '../../src/signing/index.js';
import { EMPTY_RING } from '../../src/signing/ring-state.js';

const kek = randomBytes(32);
const timing = { rotationMs: 10_000, publishAheadMs: 2_000, maxTokenTtlMs: 5_000 };

t.test('round trip of a whole ring, private keys included', async (t) => {
  const ring = advanceRing(EMPTY_RING, 1_800_000_000_000, timing, () => generateKeyMaterial('ES256'));
  const blob = sealRing(ring, kek);
  t.notMatch(blob, new RegExp(String(ring.keys[0]?.privateJwk.d)), 'the private key is not in the clear');
  t.notMatch(blob, /privateJwk|kid/, 'nor the structure');
  t.same(openRing(blob, kek), ring);
});

t.test('a fresh random 96-bit IV on every write', async (t) => {
  const a = JSON.parse(encryptRing('same', kek)) as { v: number; iv: string; ct: string };
  const b = JSON.parse(encryptRing('same', kek)) as { v: number; iv: string; ct: string };
  t.equal(a.v, 1);
  t.equal(Buffer.from(a.iv, 'base64url').length, 12);
  t.not(a.iv, b.iv);
  t.not(a.ct, b.ct);
});

t.test('tampering is detected', async (t) => {
  const blob = encryptRing('{"secret":true}', kek);
  const envelope = JSON.parse(blob) as Record<string, string>;
  for (const field of ['ct', 'tag', 'iv']) {
    const bytes = Buffer.from(envelope[field]!, 'base64url');
    bytes[0] = bytes[0]! ^ 0x01; // flip one bit
    const altered = JSON.stringify({ ...envelope, [field]: bytes.toString('base64url') });
    t.throws(() => decryptRing(altered, kek), KeyRingDecryptError, `flipped bit in ${field}`);
  }
  t.throws(() => decryptRing(JSON.stringify({ ...envelope, v: 2 }), kek), /known version/);
  t.throws(() => decryptRing('not json', kek), /known version/);
});

t.test('a wrong KEK fails with the clear message', async (t) => {
  const blob = encryptRing('{}', kek);
  t.throws(() => decryptRing(blob, randomBytes(32)), {
    name: 'KeyRingDecryptError',
    message: /STS_KEY_ENCRYPTION_KEY does not decrypt the key ring in the store/,
  });
});

t.test('the KEK must be 32 bytes', async (t) => {
  t.throws(() => encryptRing('{}', randomBytes(16)), /32 bytes/);
});

t.test('a blob encrypted for another purpose (other associated data) does not open', async (t) => {
  const { createCipheriv } = await import('node:crypto');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from('agent-sts:other:v1'));
  const ct = Buffer.concat([cipher.update('{}'), cipher.final()]);
  const blob = JSON.stringify({ v: 1, iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url'), ct: ct.toString('base64url') });
  t.throws(() => decryptRing(blob, kek), KeyRingDecryptError);
});
