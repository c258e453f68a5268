/**
 * Scope ceilings are globs where `*` matches one or more characters. The matcher is
 * written by hand so no regular expression is ever built from policy text.
 */

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const MAX_SCOPE_LENGTH = 256;

export function isScopeToken(value: string): boolean {
  return value.length <= MAX_SCOPE_LENGTH && SCOPE_TOKEN.test(value);
}

/** True when `scope` matches `glob`; each `*` stands for one or more characters. */
export function scopeMatchesGlob(glob: string, scope: string): boolean {
  // Iterative matcher with single backtrack point (classic wildcard algorithm), O(n*m) worst case.
  let g = 0;
  let s = 0;
  let starG = -1;
  let starS = -1;
  while (s < scope.length) {
    if (g < glob.length && glob[g] === '*') {
      // `*` must consume at least one character.
      starG = g;
      starS = s + 1;
      g += 1;
      s += 1;
    } else if (g < glob.length && glob[g] === scope[s]) {
      g += 1;
      s += 1;
    } else if (starG >= 0 && starS < scope.length) {
      g = starG + 1;
      starS += 1;
      s = starS;
    } else {
      return false;
    }
  }
  return g === glob.length;
}

export function scopeWithinCeiling(scope: string, ceilingGlobs: readonly string[]): boolean {
  return ceilingGlobs.some((glob) => scopeMatchesGlob(glob, scope));
}
