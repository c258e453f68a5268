/**
 * Where the broker may push (RFC 8935 §2, SSF §6.1.1): an https URL (plain http only to a
 * loopback host, for development), without credentials or a fragment, and not a link-local
 * or unspecified address (a cloud's instance metadata service answers at 169.254.169.254 and
 * fd00:ec2::254: a receiver must not make the broker post there); a bounded
 * `authorization_header` that cannot smuggle another header in.
 */
import { isIP } from 'node:net';
import { isSafeUrl } from '../discovery/index.js';
import { OAuthError } from '../errors.js';

const MAX_URL_LENGTH = 2_048;
const MAX_AUTHORIZATION_LENGTH = 4_096;

/** The URL as given, or invalid_request saying what is wrong with it. */
export function checkPushEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OAuthError('invalid_request', 'delivery.endpoint_url is not a URL');
  }
  if (value.length > MAX_URL_LENGTH) throw new OAuthError('invalid_request', 'delivery.endpoint_url is too long');
  if (url.username || url.password) throw new OAuthError('invalid_request', 'delivery.endpoint_url must not carry credentials (use authorization_header)');
  if (url.hash) throw new OAuthError('invalid_request', 'delivery.endpoint_url must not have a fragment');
  if (!isSafeUrl(url)) throw new OAuthError('invalid_request', 'delivery.endpoint_url must be https (http only for a loopback host)');
  if (isMetadataHost(url.hostname)) throw new OAuthError('invalid_request', 'delivery.endpoint_url must not be a link-local, unspecified or instance metadata address');
  return value;
}

const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal']);
/** Instance metadata services outside the link-local range (Alibaba Cloud). */
const METADATA_IPV4 = new Set(['100.100.100.200']);

/** A literal link-local (169.254/16, fe80::/10), unspecified or metadata address, or a metadata service's well-known name. */
export function isMetadataHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (METADATA_NAMES.has(host)) return true;
  const version = isIP(host);
  if (version === 4) return host.startsWith('169.254.') || host.startsWith('0.') || METADATA_IPV4.has(host);
  if (version !== 6) return false;
  const canonical = canonicalIpv6(host);
  if (canonical === null) return true; // an address we cannot read is not posted to
  const embedded = embeddedIpv4(canonical);
  if (embedded) return isMetadataHost(embedded);
  return canonical === '::' || /^fe[89ab][0-9a-f]?:/.test(canonical) || canonical === 'fd00:ec2::254';
}

/** RFC 5952 text (as WHATWG URL writes it), without a zone: one spelling per address. */
function canonicalIpv6(host: string): string | null {
  try {
    return new URL(`http://[${host.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

/**
 * The IPv4 address inside an IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96, RFC 6052) or
 * IPv4-compatible (::/96) address, each of which can reach an IPv4 host.
 */
function embeddedIpv4(canonical: string): string | null {
  const match = /^(?:::ffff:|64:ff9b::|::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!match) return null;
  const [high, low] = [parseInt(match[1] as string, 16), parseInt(match[2] as string, 16)];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** One header value: visible ASCII and spaces only (no CR or LF), bounded. */
export function checkAuthorizationHeader(value: string): string {
  if (value.length === 0 || value.length > MAX_AUTHORIZATION_LENGTH || !/^[\x20-\x7e]+$/.test(value)) {
    throw new OAuthError('invalid_request', `delivery.authorization_header must be 1 to ${MAX_AUTHORIZATION_LENGTH} printable ASCII characters`);
  }
  return value;
}
