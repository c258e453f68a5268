/**
 * The `htu` of a DPoP proof against the request's URI (RFC 9449 §4.3 item 9): compared without
 * query and fragment, after the syntax- and scheme-based normalization of RFC 3986 §6.2.2 and
 * §6.2.3. The WHATWG URL parser does the scheme and host case, the default port and dot
 * segments; it leaves percent-encodings as written, so those are normalized here: hex digits
 * upper case, and an encoded unreserved character decoded (`%7e` and `~` are one path).
 * Userinfo never takes part (a proof must not carry a password).
 */
export function normalizeHtu(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  return `${url.protocol}//${url.host}${normalizePercentEncoding(url.pathname)}`;
}

const PERCENT_ENCODED = /%([0-9A-Fa-f]{2})/g;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/; // RFC 3986 §2.3

/** RFC 3986 §6.2.2.1 and §6.2.2.2. */
function normalizePercentEncoding(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(PERCENT_ENCODED, (_match, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

export function htuMatches(claimed: unknown, requestUri: string): boolean {
  if (typeof claimed !== 'string' || claimed.length > 2048) return false;
  const a = normalizeHtu(claimed);
  return a !== null && a === normalizeHtu(requestUri);
}
