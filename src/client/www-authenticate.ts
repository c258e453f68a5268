/**
 * Reading a resource server's `WWW-Authenticate` challenges (RFC 9110 §11.6.1): the
 * auth-params of one scheme's challenge, such as `error`, `scope` and RFC 9728's
 * `resource_metadata` of `Bearer` (RFC 6750 §3), or `error` and `algs` of `DPoP` (RFC 9449
 * §7.1). Other schemes in the same header are skipped.
 */

const MAX_HEADER = 8 * 1024;
const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const QUOTED = /"((?:[^"\\]|\\.)*)"/y;
const BARE_VALUE = /[^\s,]*/y;
const SEPARATORS = /[\s,]*/y;

/** The Bearer challenge's parameters (names lower-cased), or undefined when there is none. */
export function parseBearerChallenge(header: string | null | undefined): Record<string, string> | undefined {
  return parseChallenge(header, 'Bearer');
}

/** The parameters (names lower-cased) of the first challenge of `scheme`, or undefined when there is none. */
export function parseChallenge(header: string | null | undefined, scheme: string): Record<string, string> | undefined {
  const wanted = scheme.toLowerCase();
  if (!header || header.length > MAX_HEADER) return undefined;
  let position = 0;
  const take = (pattern: RegExp): RegExpExecArray | null => {
    pattern.lastIndex = position;
    const match = pattern.exec(header);
    if (match) position = pattern.lastIndex;
    return match;
  };
  let found: Record<string, string> | undefined;
  let current: Record<string, string> | undefined;
  while (position < header.length) {
    take(SEPARATORS);
    const word = take(TOKEN)?.[0];
    if (word === undefined) break;
    const afterWord = position;
    take(/\s*/y);
    if (header[position] === '=') {
      position++;
      take(/\s*/y);
      const quoted = take(QUOTED);
      const value = quoted ? (quoted[1] as string).replace(/\\(.)/g, '$1') : (take(BARE_VALUE)?.[0] ?? '');
      if (current) current[word.toLowerCase()] = value;
      continue;
    }
    position = afterWord;
    // A new challenge: its scheme. Only the first challenge of the scheme wanted is kept.
    current = word.toLowerCase() === wanted && !found ? (found = {}) : undefined;
  }
  return found;
}
