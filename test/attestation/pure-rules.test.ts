import t from 'tap';
import { matchesBinding, resolvePath } from '../../src/attestation/claim-match.js';
import { filterShadowClaims } from '../../src/attestation/shadow-claims.js';
import { checkTimes, readTimes } from '../../src/attestation/time-checks.js';
import { binding } from './helpers.js';

t.test('bound claims match exactly', async (t) => {
  const payload = {
    ns: 'agents', n: 3, b: true, groups: ['agents'], 'a/b': { 'c~d': 'deep' },
    'kubernetes.io': { namespace: 'agents' },
  };
  t.ok(matchesBinding(payload, binding('ns', 'agents')));
  t.ok(matchesBinding(payload, binding('/kubernetes.io/namespace', 'agents')), 'nested JSON pointer');
  t.ok(matchesBinding(payload, binding('/a~1b/c~0d', 'deep')), 'RFC 6901 ~1 and ~0 escapes');
  t.ok(matchesBinding(payload, binding('/groups/0', 'agents')), 'array element by index');
  t.ok(matchesBinding(payload, binding('n', 3)));
  t.ok(matchesBinding(payload, binding('b', true)));
  t.notOk(matchesBinding(payload, binding('groups', 'agents')), 'an array never matches a scalar');
  t.notOk(matchesBinding(payload, binding('ns', 'Agents')), 'no case folding');
  t.notOk(matchesBinding(payload, binding('ns', 'agents\u0000')), 'trailing NUL differs');
  t.notOk(matchesBinding({ ns: 'agents\u0000' }, binding('ns', 'agents')), 'trailing NUL in the claim differs');
  t.notOk(matchesBinding(payload, binding('n', '3' as unknown as number)), 'number vs string');
  t.notOk(matchesBinding({ n: '3' }, binding('n', 3)), 'string vs number');
  t.notOk(matchesBinding({ b: 'true' }, binding('b', true)), 'string vs boolean');
  t.notOk(matchesBinding(payload, binding('/kubernetes.io', 'agents')), 'an object never matches a scalar');
  t.notOk(matchesBinding(payload, binding('missing', 'agents')));
  t.notOk(matchesBinding(payload, binding('/groups/00', 'agents')), 'non-canonical index');
  t.equal(resolvePath({}, ['constructor']), undefined, 'prototype members are not claims');
  t.equal(resolvePath({}, ['__proto__']), undefined);
});

t.test('shadow claims keep short non-secret scalars and one nested level', async (t) => {
  const claims = filterShadowClaims({
    iss: 'https://k8s', sub: 'system:serviceaccount:x:y', aud: ['agent-sts'], iat: 1, exp: 2, jti: 'abc',
    nonce: 'n', access_token: 't', client_secret: 's', api_key: 'k', password: 'p', Signature: 'x',
    long: 'x'.repeat(300), flag: true,
    'kubernetes.io': { namespace: 'agents', serviceaccount: { name: 'y' }, secretName: 'z', pod: 'p1' },
    empty: { token: 'x' },
  });
  t.same(claims, {
    iss: 'https://k8s', sub: 'system:serviceaccount:x:y', iat: 1, exp: 2, flag: true,
    'kubernetes.io': { namespace: 'agents', pod: 'p1' },
  });
  const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`c${i}`, i]));
  t.equal(Object.keys(filterShadowClaims(many)).length, 32, 'bounded entries');
  const proto = filterShadowClaims(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>);
  t.same(proto, { a: 1 });
  t.equal(({} as Record<string, unknown>).polluted, undefined);
});

t.test('time rules', async (t) => {
  const now = 1_000_000_000;
  const nowS = now / 1000;
  const hour = 3_600_000;
  const check = (iat: number, exp: number, extra: { nbf?: number; maxAgeMs?: number; maxLifetimeS?: number } = {}) => {
    const { nbf, ...rules } = extra;
    const r = checkTimes(nbf === undefined ? { iat, exp } : { iat, exp, nbf }, now, rules);
    return r.ok ? 'ok' : r.reason;
  };
  t.equal(check(nowS - 10, nowS + 600), 'ok');
  t.equal(check(nowS - 700, nowS - 60), 'expired', 'exp at the tolerance edge');
  t.equal(check(nowS - 700, nowS - 59), 'ok', 'within 60 s tolerance');
  t.equal(check(nowS + 61, nowS + 600), 'not_yet_valid', 'future iat');
  t.equal(check(nowS + 60, nowS + 600), 'ok', 'iat within tolerance');
  t.equal(check(nowS - 10, nowS + 600, { nbf: nowS + 61 }), 'not_yet_valid', 'future nbf');
  t.equal(check(nowS - 10, nowS + 600, { nbf: nowS + 60 }), 'ok');
  t.equal(check(nowS - 3661, nowS - 1, { maxAgeMs: hour }), 'too_old', 'older than max_age + tolerance');
  t.equal(check(nowS - 3660, nowS, { maxAgeMs: hour }), 'ok', 'exactly max_age + 60 s old');
  t.equal(check(nowS - 10, nowS - 10 + 3607, { maxAgeMs: hour }), 'ok', 'a Kubernetes token living 3607 s passes 1h');
  t.equal(check(nowS - 10, nowS - 10 + 3661, { maxAgeMs: hour }), 'too_old', 'living longer than max_age + tolerance');
  t.equal(check(nowS - 10, nowS - 10 + 300, { maxLifetimeS: 300 }), 'ok');
  t.equal(check(nowS - 10, nowS - 10 + 301, { maxLifetimeS: 300 }), 'bad_claims', 'assertion over 5 minutes');
  t.equal(check(nowS, nowS), 'bad_claims', 'exp not after iat');
  t.same(readTimes({ iat: 1, exp: 2 }), { iat: 1, exp: 2 });
  t.equal(readTimes({ iat: '1', exp: 2 }), null);
  t.equal(readTimes({ iat: 1 }), null);
  t.equal(readTimes({ iat: 1, exp: 2, nbf: 'x' }), null);
});
