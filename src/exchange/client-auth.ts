/**
 * How a token request authenticates its client (RFC 6749 §2.3). agent-sts accepts only
 * private_key_jwt (RFC 7523 §2.2): no client secrets, ever. A secret, an Authorization
 * header or two methods at once are refused rather than ignored, so a caller never believes a
 * token is bound to a client identity that was not checked.
 */
import { MAX_TOKEN_BYTES } from '../attestation/index.js';
import { OAuthError } from '../errors.js';
import { single, type FormParams } from '../http/form-body.js';

export const CLIENT_ASSERTION_TYPE_JWT = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface ClientAuthentication {
  clientAssertion?: string;
  clientId?: string;
}

export function readClientAuthentication(params: FormParams, authorization: string | undefined, required: boolean): ClientAuthentication {
  const secret = single(params, 'client_secret');
  const assertionType = single(params, 'client_assertion_type');
  const clientAssertion = single(params, 'client_assertion');
  const assertionSent = assertionType !== undefined || clientAssertion !== undefined;
  // RFC 6749 §2.3: a client MUST NOT use more than one authentication method in a request.
  if ([secret !== undefined, authorization !== undefined, assertionSent].filter(Boolean).length > 1) {
    throw new OAuthError('invalid_request', 'use exactly one client authentication method: private_key_jwt (RFC 7523 section 2.2)', { reason: 'bad_request' });
  }
  if (authorization !== undefined) {
    // RFC 6749 §5.2: authentication attempted in the Authorization header gets 401 and a challenge in its scheme.
    const scheme = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*/.exec(authorization)?.[0] ?? 'Basic';
    throw new OAuthError('invalid_client', 'client secrets are not accepted; authenticate with private_key_jwt', {
      reason: 'attestation_invalid',
      headers: { 'www-authenticate': `${scheme} realm="agent-sts"` },
    });
  }
  if (secret !== undefined) {
    throw new OAuthError('invalid_client', 'client secrets are not accepted; authenticate with private_key_jwt', { reason: 'attestation_invalid' });
  }
  const clientId = single(params, 'client_id');
  if (!assertionSent) {
    if (required) throw new OAuthError('invalid_client', 'client authentication is required: private_key_jwt (RFC 7523 section 2.2)', { reason: 'attestation_invalid' });
    return clientId ? { clientId } : {};
  }
  if (assertionType !== CLIENT_ASSERTION_TYPE_JWT) {
    throw new OAuthError('invalid_client', `unsupported client_assertion_type; use ${CLIENT_ASSERTION_TYPE_JWT}`, { reason: 'attestation_invalid' });
  }
  if (!clientAssertion) throw new OAuthError('invalid_client', 'client_assertion is required', { reason: 'attestation_invalid' });
  if (Buffer.byteLength(clientAssertion) > MAX_TOKEN_BYTES) {
    throw new OAuthError('invalid_client', 'client_assertion is too large', { reason: 'attestation_invalid' });
  }
  // Not `{ ...base, clientAssertion }`: a spread followed by a new property costs a new hidden class per call (see routes/token.ts).
  return clientId ? { clientId, clientAssertion } : { clientAssertion };
}
