/**
 * The absolute URI of a request as the client addressed it, which a DPoP proof names in `htu`
 * (RFC 9449 §4.3 item 9). Built from the API's configured public base URL and the request's
 * path, never from the Host header: behind a proxy or a load balancer the Host is whatever the
 * client or the proxy says, and a proof for another host must not pass here.
 */
import { checkIdentifierUrl } from '../discovery/index.js';

/** An https URL (http on loopback) without query or fragment; kept without its trailing slash. */
export function publicBaseUrl(value: string): string {
  checkIdentifierUrl(value, 'publicBaseUrl');
  return value.replace(/\/+$/, '');
}

/** `base` + the request's path (query and fragment play no part in a proof). */
export function requestUrl(base: string, rawUrl: string): string {
  // Origin-form ("/path?query") is taken as sent, so "//x" stays a path; absolute-form
  // ("http://host/path", allowed by RFC 9112 §3.2.2) contributes its path only.
  const path = rawUrl.startsWith('/') ? (rawUrl.split(/[?#]/, 1)[0] as string) : new URL(rawUrl, 'http://absolute-form.invalid').pathname;
  return `${base}${path}`;
}

/** Every value of a header as sent, repeats included (node keeps only the first Authorization, and joins others). */
export function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === name) values.push(rawHeaders[i + 1] as string);
  }
  return values;
}
