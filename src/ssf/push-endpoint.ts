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

/** A literal link-local (169.254/16, fe80::/10), unspecified or metadata address, or a metadata service's well-known name. */
export function isMetadataHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (METADATA_NAMES.has(host)) return true;
  const version = isIP(host);
  if (version === 4) return host.startsWith('169.254.') || host.startsWith('0.');
  if (version !== 6) return false;
  const mapped = ipv4Mapped(host);
  if (mapped) return isMetadataHost(mapped);
  return host === '::' || /^fe[89ab][0-9a-f]?:/.test(host) || host === 'fd00:ec2::254';
}

/** One header value: visible ASCII and spaces only (no CR or LF), bounded. */
export function checkAuthorizationHeader(value: string): string {
  if (value.length === 0 || value.length > MAX_AUTHORIZATION_LENGTH || !/^[\x20-\x7e]+$/.test(value)) {
    throw new OAuthError('invalid_request', `delivery.authorization_header must be 1 to ${MAX_AUTHORIZATION_LENGTH} printable ASCII characters`);
  }
  return value;
}

/** The IPv4 address of an IPv4-mapped IPv6 one, dotted or as WHATWG URL parsing writes it (`::ffff:a9fe:a9fe`). */
function ipv4Mapped(host: string): string | null {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (dotted) return dotted[1] as string;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!hex) return null;
  const [high, low] = [parseInt(hex[1] as string, 16), parseInt(hex[2] as string, 16)];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
