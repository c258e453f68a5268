/**
 * Turns the form parameters of POST /oauth/token into a typed request, or the RFC error
 * that a malformed one deserves. Pure: no I/O, no verification of the tokens themselves.
 */
import { OAuthError } from '../errors.js';
import { refuseRepeats, single, type FormParams } from '../http/form-body.js';

export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const GRANT_CLIENT_CREDENTIALS = 'client_credentials';
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
export const CLIENT_ASSERTION_TYPE_JWT = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Tokens over this size are refused before any parsing of their content. */
export const MAX_TOKEN_BYTES = 16 * 1024;
const MAX_INTENT_LENGTH = 128;
const MAX_SCOPES = 64;

interface Target {
  audience: string;
  scopes?: string[];
  intent?: string;
}

export type TokenRequest =
  | ({ grant: 'token_exchange'; subjectToken: string } & Target)
  | ({ grant: 'client_credentials'; clientAssertion: string; clientId?: string } & Target);

/** What the request says outside its body that matters to parsing (client authentication). */
export interface TokenRequestHeaders {
  authorization?: string | undefined;
}

export function parseTokenRequest(params: FormParams, headers: TokenRequestHeaders = {}): TokenRequest {
  // audience and resource may repeat per RFC 8693 §2.1; they are judged by readTarget.
  refuseRepeats(params, ['audience', 'resource']);
  const grantType = single(params, 'grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required', { reason: 'bad_request' });
  if (grantType === GRANT_TOKEN_EXCHANGE) return parseTokenExchange(params);
  if (grantType === GRANT_CLIENT_CREDENTIALS) return parseClientCredentials(params, headers);
  throw new OAuthError('unsupported_grant_type', 'supported grants: token exchange (RFC 8693) and client_credentials with a JWT assertion (RFC 7523)', { reason: 'bad_request' });
}

function parseTokenExchange(params: FormParams): TokenRequest {
  const subjectToken = single(params, 'subject_token');
  if (!subjectToken) throw new OAuthError('invalid_request', 'subject_token is required (RFC 8693 §2.1)', { reason: 'bad_request' });
  if (Buffer.byteLength(subjectToken) > MAX_TOKEN_BYTES) {
    throw new OAuthError('invalid_request', 'subject_token is too large', { reason: 'attestation_invalid' });
  }
  const subjectTokenType = single(params, 'subject_token_type');
  if (!subjectTokenType) throw new OAuthError('invalid_request', 'subject_token_type is required (RFC 8693 §2.1)', { reason: 'bad_request' });
  if (subjectTokenType !== TOKEN_TYPE_JWT) {
    throw new OAuthError('invalid_request', `unsupported subject_token_type; use ${TOKEN_TYPE_JWT}`, { reason: 'bad_request' });
  }
  if (single(params, 'actor_token') !== undefined || single(params, 'actor_token_type') !== undefined) {
    throw new OAuthError('invalid_request', 'delegation (actor_token) is not supported', { reason: 'bad_request' });
  }
  const requested = single(params, 'requested_token_type');
  if (requested !== undefined && requested !== TOKEN_TYPE_ACCESS_TOKEN) {
    throw new OAuthError('invalid_request', `unsupported requested_token_type; only ${TOKEN_TYPE_ACCESS_TOKEN} is issued`, { reason: 'bad_request' });
  }
  return { grant: 'token_exchange', subjectToken, ...readTarget(params) };
}

function parseClientCredentials(params: FormParams, headers: TokenRequestHeaders): TokenRequest {
  // RFC 6749 §2.3 and §5.2: more than one client authentication mechanism is invalid_request.
  if (single(params, 'client_secret') !== undefined || headers.authorization !== undefined) {
    throw new OAuthError('invalid_request', 'use exactly one client authentication method: private_key_jwt (RFC 7523 §2.2)', { reason: 'bad_request' });
  }
  const assertionType = single(params, 'client_assertion_type');
  const clientAssertion = single(params, 'client_assertion');
  if (!assertionType && !clientAssertion) {
    throw new OAuthError('invalid_client', 'client authentication is required: private_key_jwt (RFC 7523 §2.2)', { reason: 'attestation_invalid' });
  }
  if (assertionType !== CLIENT_ASSERTION_TYPE_JWT) {
    throw new OAuthError('invalid_client', `unsupported client_assertion_type; use ${CLIENT_ASSERTION_TYPE_JWT}`, { reason: 'attestation_invalid' });
  }
  if (!clientAssertion) throw new OAuthError('invalid_client', 'client_assertion is required', { reason: 'attestation_invalid' });
  if (Buffer.byteLength(clientAssertion) > MAX_TOKEN_BYTES) {
    throw new OAuthError('invalid_client', 'client_assertion is too large', { reason: 'attestation_invalid' });
  }
  const clientId = single(params, 'client_id');
  return { grant: 'client_credentials', clientAssertion, ...(clientId ? { clientId } : {}), ...readTarget(params) };
}

function readTarget(params: FormParams): Target {
  const audiences = values(params.audience);
  const resources = values(params.resource);
  // RFC 8707 §2: exactly one target; none, both or several is invalid_target.
  if (audiences.length + resources.length !== 1) {
    throw new OAuthError('invalid_target', 'name exactly one audience or one resource', { reason: 'audience' });
  }
  const resource = resources[0];
  if (resource !== undefined && !isAbsoluteUriWithoutFragment(resource)) {
    throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment (RFC 8707 §2)', { reason: 'audience' });
  }
  const audience = (audiences[0] ?? resource) as string;
  const scopes = parseScope(single(params, 'scope'));
  const intent = single(params, 'intent');
  if (intent !== undefined && (intent.length > MAX_INTENT_LENGTH || !/^[\x21-\x7e]+$/.test(intent))) {
    throw new OAuthError('invalid_request', 'intent is malformed', { reason: 'bad_request' });
  }
  return { audience, ...(scopes ? { scopes } : {}), ...(intent ? { intent } : {}) };
}

function values(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
}

/** RFC 6749 §3.3: scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
export function parseScope(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const tokens = scope.split(' ');
  if (tokens.length > MAX_SCOPES || tokens.some((t) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(t))) {
    throw new OAuthError('invalid_scope', 'scope is malformed (RFC 6749 §3.3)', { reason: 'scope' });
  }
  return [...new Set(tokens)];
}

function isAbsoluteUriWithoutFragment(value: string): boolean {
  try {
    const url = new URL(value);
    return url.hash === '' && !value.includes('#');
  } catch {
    return false;
  }
}
