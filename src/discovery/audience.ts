/**
 * When a requested audience names an intent's audience. Exact, except for the one spelling
 * difference RFC 3986 §6.2.3 defines away for http(s): an empty path is "/", so
 * `https://api.example` and `https://api.example/` name one resource. Clients that build the
 * resource indicator with `new URL(...).href` send the latter; the policy usually says the
 * former. The token's `aud` is always the policy's spelling.
 */
export function sameAudience(requested: string, declared: string): boolean {
  return requested === declared || withoutRootSlash(requested) === withoutRootSlash(declared);
}

const ROOT_WITH_SLASH = /^https?:\/\/[^/?#]+\/$/i;

function withoutRootSlash(value: string): string {
  return ROOT_WITH_SLASH.test(value) ? value.slice(0, -1) : value;
}

/** An audience as the policy may spell it, and its other spelling when that differs by a root slash. */
export function spellingsOf(audience: string): string[] {
  if (ROOT_WITH_SLASH.test(audience)) return [audience, audience.slice(0, -1)];
  return ROOT_WITH_SLASH.test(`${audience}/`) ? [audience, `${audience}/`] : [audience];
}
