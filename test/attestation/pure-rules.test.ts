import t from 'tap';
import { matchesBinding, resolvePath } from '../../src/attestation/claim-match.js';
import { filterShadowClaims } from '../../src/attestation/shadow-claims.js';
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
