/**
 * The `htu` of a DPoP proof against the request's URI (RFC 9449 §4.3 item 9): compared without
 * query and fragment, after the syntax- and scheme-based normalization of RFC 3986 §6.2.2 and
 * §6.2.3 (the WHATWG URL parser does both: case of scheme and host, default port, dot segments,
 * percent-encoding case). Userinfo never takes part (a proof must not carry a password).
 */
export function normalizeHtu(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function htuMatches(claimed: unknown, requestUri: string): boolean {
  if (typeof claimed !== 'string' || claimed.length > 2048) return false;
  const a = normalizeHtu(claimed);
  return a !== null && a === normalizeHtu(requestUri);
}
