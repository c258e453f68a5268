/**
 * Where the broker may push (RFC 8935 §2, SSF §6.1.1): an https URL (plain http only to a
 * loopback host, for development), without credentials or a fragment, to an address the push
 * target policy allows (push-address.ts: never link-local, unspecified or metadata; loopback
 * and private ones only where the operator allows them); a bounded `authorization_header` that
 * cannot smuggle another header in.
 */
import { isSafeUrl } from '../discovery/index.js';
import { OAuthError } from '../errors.js';
import { classifyHost, pushHostAllowed, type PushTargetPolicy } from './push-address.js';

const MAX_URL_LENGTH = 2_048;
const MAX_AUTHORIZATION_LENGTH = 4_096;

/** The URL as given, or invalid_request saying what is wrong with it. */
export function checkPushEndpoint(value: string, policy: PushTargetPolicy): string {
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
  if (!pushHostAllowed(url.hostname, policy)) {
    throw new OAuthError('invalid_request', classifyHost(url.hostname) === 'never'
      ? 'delivery.endpoint_url must not be a link-local, unspecified or instance metadata address'
      : 'delivery.endpoint_url must not be a loopback or private address');
  }
  return value;
}

/** One header value: visible ASCII and spaces only (no CR or LF), bounded. */
export function checkAuthorizationHeader(value: string): string {
  if (value.length === 0 || value.length > MAX_AUTHORIZATION_LENGTH || !/^[\x20-\x7e]+$/.test(value)) {
    throw new OAuthError('invalid_request', `delivery.authorization_header must be 1 to ${MAX_AUTHORIZATION_LENGTH} printable ASCII characters`);
  }
  return value;
}
