import t from 'tap';
import { decodeJws, MAX_JWS_BYTES } from '../../src/jws/index.js';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const header = b64({ alg: 'ES256', kid: 'k1' });
const payload = b64({ iss: 'https://i', sub: 's' });
const reasonOf = (token: unknown) => {
  const r = decodeJws(token);
  return r.ok ? 'ok' : r.reason;
};

t.test('a compact JWS is decoded once: header, payload, the signed input as sent, the signature', async (t) => {
  const r = decodeJws(`${header}.${payload}.c2ln`);
  t.same(r, { ok: true, header: { alg: 'ES256', kid: 'k1' }, payload: { iss: 'https://i', sub: 's' }, signingInput: `${header}.${payload}`, signature: 'c2ln' });
  t.equal(reasonOf(`${header}.${payload}.`), 'ok', 'an empty signature is left to the algorithm allow-list');
});

t.test('size is bounded before anything is decoded', async (t) => {
  t.equal(reasonOf(`${header}.${payload}.${'A'.repeat(MAX_JWS_BYTES)}`), 'too_large');
  t.equal(reasonOf('é'.repeat(MAX_JWS_BYTES / 2 + 1)), 'too_large', 'bytes, not characters');
  const exact = `${header}.${payload}.`;
  t.equal(reasonOf(exact + 'A'.repeat(MAX_JWS_BYTES - exact.length)), 'ok', 'exactly the limit passes');
  t.equal(decodeJws(`${header}.${payload}.c2ln`, 10).ok, false, 'a caller may lower the bound');
});

t.test('malformed structures are a failure, never a throw', async (t) => {
  const cases: Record<string, unknown> = {
    'not a string': 42,
    empty: '',
    'one segment': header,
    'two segments': `${header}.${payload}`,
    'four segments': `${header}.${payload}.c2ln.x`,
    'JWE-like five segments': 'a.b.c.d.e',
    'bad base64url in header': `${header}*.${payload}.c2ln`,
    'padding in payload': `${header}.${payload}=.c2ln`,
    'impossible base64 length': `AAAAA.${payload}.c2ln`,
    'bad signature alphabet': `${header}.${payload}.c2l=`,
    'non-JSON header': `${b64('not json')}.${payload}.c2ln`,
    'non-JSON payload': `${header}.${b64('{"iss":')}.c2ln`,
    'array payload': `${header}.${b64([1, 2])}.c2ln`,
    'string payload': `${header}.${b64('"s"')}.c2ln`,
    'null header': `${b64('null')}.${payload}.c2ln`,
    'header without alg': `${b64({ typ: 'JWT' })}.${payload}.c2ln`,
    'empty alg': `${b64({ alg: '' })}.${payload}.c2ln`,
    'alg not a string': `${b64({ alg: ['ES256'] })}.${payload}.c2ln`,
    'invalid UTF-8 in payload': `${header}.${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.c2ln`,
    'empty header': `.${payload}.c2ln`,
    'empty payload': `${header}..c2ln`,
  };
  for (const [name, token] of Object.entries(cases)) t.equal(reasonOf(token), 'malformed', name);
});

t.test('crit, b64, zip and cty are refused (RFC 7515 §4.1.11, RFC 7797, RFC 7516 §4.1.3, RFC 7515 §4.1.10)', async (t) => {
  const refused: Array<Record<string, unknown>> = [
    { crit: ['exp'] }, { crit: [] }, { crit: ['b64'], b64: false }, { b64: true }, { zip: 'DEF' }, { cty: 'JWT' }, { cty: 'application/json' },
  ];
  for (const extra of refused) {
    const r = decodeJws(`${b64({ alg: 'ES256', ...extra })}.${payload}.c2ln`);
    t.match(r, { ok: false, reason: 'refused_header', detail: new RegExp(`"${Object.keys(extra)[0]}"`) }, JSON.stringify(extra));
  }
  t.equal(reasonOf(`${b64({ alg: 'ES256', typ: 'JWT', kid: 'k', 'x-extra': 1 })}.${payload}.c2ln`), 'ok', 'other parameters are ignored (RFC 7515 §4)');
});

t.test('a repeated member name in the header or the payload is refused, not last-wins', async (t) => {
  const raw = (text: string) => Buffer.from(text).toString('base64url');
  const table: Array<[string, string, string]> = [
    ['header alg twice', raw('{"alg":"none","alg":"ES256"}'), payload],
    ['header kid twice', raw('{"alg":"ES256","kid":"a","kid":"b"}'), payload],
    ['payload sub twice', header, raw('{"iss":"i","sub":"victim","sub":"attacker"}')],
    ['payload escaped twin', header, raw('{"iss":"i","sub":"a","\\u0073ub":"b"}')],
    ['payload nested twin', header, raw('{"iss":"i","kubernetes.io":{"namespace":"a","namespace":"b"}}')],
  ];
  for (const [name, h, p] of table) {
    t.match(decodeJws(`${h}.${p}.c2ln`), { ok: false, reason: 'duplicate_member' }, name);
  }
});

t.test('JSON nested as deep as the size bound allows is checked without exhausting the stack', async (t) => {
  const depth = 2000;
  const nested = (inner: string) => `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;
  t.equal(reasonOf(`${header}.${b64(nested('1'))}.c2ln`), 'ok');
  t.equal(reasonOf(`${header}.${b64(nested('{"b":1,"b":2}'))}.c2ln`), 'duplicate_member');
  t.equal(reasonOf(`${header}.${b64(`{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`)}.c2ln`), 'ok', 'arrays too');
});
