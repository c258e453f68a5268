import t from 'tap';
import { isScopeToken, scopeMatchesGlob, scopeWithinCeiling } from '../../src/policy/index.js';

t.test('scopeMatchesGlob: * matches one or more characters', async (t) => {
  const cases: Array<{ glob: string; scope: string; want: boolean }> = [
    { glob: '*:read', scope: 'tickets:read', want: true },
    { glob: '*:read', scope: ':read', want: false }, // * needs at least one character
    { glob: '*:read', scope: 'tickets:write', want: false },
    { glob: '*:read', scope: 'tickets:read:all', want: false },
    { glob: '*:read', scope: 'a:read:read', want: true },
    { glob: 'tickets:*', scope: 'tickets:read', want: true },
    { glob: 'tickets:*', scope: 'tickets:', want: false },
    { glob: '*', scope: 'anything', want: true },
    { glob: '*', scope: '', want: false },
    { glob: 'a*b*c', scope: 'aXbYc', want: true },
    { glob: 'a*b*c', scope: 'abc', want: false },
    { glob: 'a*b*c', scope: 'aXbYcZ', want: false },
    { glob: 'a**', scope: 'ab', want: false },
    { glob: 'a**', scope: 'abc', want: true },
    { glob: 'exact', scope: 'exact', want: true },
    { glob: 'exact', scope: 'exactly', want: false },
    { glob: 'exact', scope: 'EXACT', want: false },
    // Regex metacharacters are literal: no regex is built from policy text.
    { glob: 'a.c', scope: 'abc', want: false },
    { glob: 'a|b', scope: 'a', want: false },
    { glob: '(x)+', scope: '(x)+', want: true },
    { glob: '[ab]', scope: 'a', want: false },
  ];
  for (const c of cases) t.equal(scopeMatchesGlob(c.glob, c.scope), c.want, `${c.glob} ~ ${c.scope}`);
});

t.test('scopeMatchesGlob stays fast on adversarial input', async (t) => {
  const glob = `${'*a'.repeat(20)}b`;
  const scope = 'a'.repeat(256);
  t.equal(scopeMatchesGlob(glob, scope), false);
});

t.test('scopeWithinCeiling: any glob of the ceiling', async (t) => {
  t.equal(scopeWithinCeiling('tickets:write', ['*:read', '*:write']), true);
  t.equal(scopeWithinCeiling('tickets:delete', ['*:read', '*:write']), false);
  t.equal(scopeWithinCeiling('tickets:read', []), false);
});

t.test('isScopeToken follows RFC 6749 §3.3', async (t) => {
  for (const ok of ['tickets:read', 'sts:introspect', 'a!#[]~', 'https://x/y']) t.equal(isScopeToken(ok), true, ok);
  for (const bad of ['', 'a b', 'a"b', 'a\\b', 'tab\t', 'é', 'x'.repeat(257)]) t.equal(isScopeToken(bad), false, JSON.stringify(bad));
});
