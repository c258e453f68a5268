/** A required token parameter, refused unparsed when it is missing or too large. */
import { MAX_TOKEN_BYTES } from '../../attestation/index.js';
import { OAuthError, type OAuthErrorCode } from '../../errors.js';

export function boundedToken(value: string | undefined, name: string, code: OAuthErrorCode): string {
  if (!value) throw new OAuthError('invalid_request', `${name} is required`, { reason: 'bad_request' });
  // Length first, so a huge string is never scanned for its byte length.
  if (value.length > MAX_TOKEN_BYTES || Buffer.byteLength(value) > MAX_TOKEN_BYTES) {
    throw new OAuthError(code, `${name} is too large`, { reason: 'attestation_invalid' });
  }
  return value;
}
