import t from 'tap';
import { inspectToken } from '../../src/attestation/inspect-token.js';
import { MAX_TOKEN_BYTES } from '../../src/attestation/index.js';
import { b64, STS_ISSUER } from './helpers.js';

const header = b64({ alg: 'ES256' });
const payload = b64({ iss: 'https://i', sub: 's' });
const reasonOf = (token: unknown) => {
  const r = inspectToken(token, STS_ISSUER);
  return r.ok ? 'ok' : r.reason;
};

t.test('a well-formed compact JWT is decoded (unverified)', async (t) => {
  const r = inspectToken(`${header}.${payload}.c2ln`, STS_ISSUER);
  t.ok(r.ok);
  if (r.ok) t.same(r.payload, { iss: 'https://i', sub: 's' });
});

t.test('tokens over 16 KiB are refused before parsing', async (t) => {
  const pad = 'A'.repeat(MAX_TOKEN_BYTES);
  t.equal(reasonOf(`${header}.${payload}.${pad}`), 'too_large');
  t.equal(reasonOf('x'.repeat(MAX_TOKEN_BYTES + 1)), 'too_large', 'even when not a JWT at all');
  // Multi-byte characters count as bytes, not as characters.
  t.equal(reasonOf('é'.repeat(MAX_TOKEN_BYTES / 2 + 1)), 'too_large');
  const exact = `${header}.${payload}.`;
  t.equal(reasonOf(exact + 'A'.repeat(MAX_TOKEN_BYTES - exact.length)), 'ok', 'exactly 16384 bytes passes the size check');
});

t.test('malformed compact JWTs are a failure, never a throw', async (t) => {
  const cases: Record<string, unknown> = {
    'not a string': 42,
    empty: '',
    'two segments': `${header}.${payload}`,
    'four segments': `${header}.${payload}.c2ln.x`,
    'JWE-like five segments': 'a.b.c.d.e',
    'bad base64url in header': `${header}*.${payload}.c2ln`,
    'bad base64url in payload': `${header}.${payload}+/.c2ln`,
    'impossible base64 length': `${header}A.${payload}.c2ln`.replace(header + 'A', 'AAAAA'),
    'bad signature alphabet': `${header}.${payload}.c2l=`,
    'non-JSON header': `${b64('not json')}.${payload}.c2ln`,
    'non-JSON payload': `${header}.${b64('{"iss":')}.c2ln`,
    'array payload': `${header}.${b64([1, 2])}.c2ln`,
    'null header': `${b64('null')}.${payload}.c2ln`,
    'header without alg': `${b64({ typ: 'JWT' })}.${payload}.c2ln`,
    'invalid UTF-8 in payload': `${header}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.c2ln`,
    'empty header': `.${payload}.c2ln`,
  };
  for (const [name, token] of Object.entries(cases)) t.equal(reasonOf(token), 'malformed', name);
});

t.test('a token minted by the broker (typ at+jwt) is refused (RFC 8725 §3.11, RFC 9068 §4)', async (t) => {
  for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+Jwt']) {
    t.equal(reasonOf(`${b64({ alg: 'ES256', typ })}.${payload}.c2ln`), 'broker_token', typ);
  }
  t.equal(reasonOf(`${b64({ alg: 'ES256', typ: 'JWT' })}.${payload}.c2ln`), 'ok', 'typ JWT is fine');
  t.equal(reasonOf(`${header}.${b64({ iss: STS_ISSUER, sub: 'x' })}.c2ln`), 'broker_token', "the broker's own iss");
});
