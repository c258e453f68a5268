/**
 * The grants of the token endpoint, looked up by grant_type: a new way to get a token is one
 * more file and one more entry here.
 */
import { OAuthError } from '../../errors.js';
import type { FormParams } from '../../http/form-body.js';
import type { Grant, GrantRequest } from './grant.js';
import { clientCredentialsGrant, GRANT_CLIENT_CREDENTIALS } from './client-credentials.js';
import { GRANT_JWT_BEARER, jwtBearerGrant } from './jwt-bearer.js';
import { GRANT_TOKEN_EXCHANGE, tokenExchangeGrant } from './token-exchange.js';

export const GRANTS: ReadonlyMap<string, Grant<GrantRequest>> = new Map<string, Grant<GrantRequest>>([
  [GRANT_TOKEN_EXCHANGE, tokenExchangeGrant as Grant<GrantRequest>],
  [GRANT_CLIENT_CREDENTIALS, clientCredentialsGrant as Grant<GrantRequest>],
  [GRANT_JWT_BEARER, jwtBearerGrant as Grant<GrantRequest>],
]);

export const GRANT_TYPES_SUPPORTED: readonly string[] = [...GRANTS.keys()];

/** The grant a request names; RFC 6749 §5.2: unknown is unsupported_grant_type, missing or repeated invalid_request. */
export function grantFor(params: FormParams): Grant<GrantRequest> {
  const type = params.grant_type;
  if (Array.isArray(type)) throw new OAuthError('invalid_request', 'parameter grant_type must not be repeated', { reason: 'bad_request' });
  if (type === undefined || type === '') throw new OAuthError('invalid_request', 'grant_type is required', { reason: 'bad_request' });
  const grant = GRANTS.get(type);
  if (!grant) {
    throw new OAuthError('unsupported_grant_type', 'supported grants: token exchange (RFC 8693), jwt-bearer and client_credentials with a JWT assertion (RFC 7523)', { reason: 'bad_request' });
  }
  return grant;
}


export type { Authentication, Caller, Delegation, Grant, GrantContext, GrantRequest, Refusals, RequestHeaders } from './grant.js';
export { GRANT_CLIENT_CREDENTIALS, GRANT_JWT_BEARER, GRANT_TOKEN_EXCHANGE };
export { TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT } from './token-exchange.js';
export { onBehalfOfClaims } from './delegation.js';
