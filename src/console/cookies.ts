/**
 * The console's cookies: HttpOnly, SameSite=Strict, an expiry, and Secure with the `__Host-`
 * prefix (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain) except on plain HTTP to a
 * loopback address, where a browser would drop a Secure cookie (local development). A broker
 * whose issuer is https is published over TLS: behind a proxy on the same host its socket is
 * loopback too, and its cookies are Secure all the same.
 */

export interface CookieJar {
  session: string;
  /** The sign-in form's anti-CSRF token, before a session exists. */
  preSession: string;
  path: string;
  secure: boolean;
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Secure unless the request came over plain HTTP to a loopback address of a broker not published over https. */
export function cookieJar(protocol: string, localAddress: string | undefined, issuer: string): CookieJar {
  const secure = protocol === 'https' || issuer.startsWith('https://') || !isLoopbackAddress(localAddress);
  return secure
    ? { session: '__Host-sts_console', preSession: '__Host-sts_console_signin', path: '/', secure }
    : { session: 'sts_console', preSession: 'sts_console_signin', path: '/console', secure };
}

export function setCookie(jar: CookieJar, name: string, value: string, maxAgeS: number): string {
  return `${name}=${value}; Path=${jar.path}; Max-Age=${Math.max(0, Math.floor(maxAgeS))}; HttpOnly; SameSite=Strict${jar.secure ? '; Secure' : ''}`;
}

export function clearCookie(jar: CookieJar, name: string): string {
  return setCookie(jar, name, '', 0);
}

/** One cookie's value from a Cookie header (the first of that name), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 16_384) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
