/**
 * Turns the form parameters of POST /oauth/token into a typed request, or the RFC error
 * that a malformed one deserves. Pure: no I/O, no verification of the tokens themselves.
 */
import type { GrantName } from '../context.js';
import { OAuthError } from '../errors.js';
import { refuseRepeats, single, type FormParams } from '../http/form-body.js';
import { MAX_TOKEN_BYTES, readClientAuthentication } from './client-auth.js';

export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const GRANT_CLIENT_CREDENTIALS = 'client_credentials';
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
export { CLIENT_ASSERTION_TYPE_JWT, MAX_TOKEN_BYTES } from './client-auth.js';
const MAX_INTENT_LENGTH = 128;
const MAX_AUDIENCE_LENGTH = 512;
const MAX_SCOPES = 64;

interface Target {
  audience: string;
  scopes?: string[];
  intent?: string;
}

export type TokenRequest =
  | ({ grant: 'token_exchange'; subjectToken: string; clientAssertion?: string } & Target)
  | ({ grant: 'client_credentials'; clientAssertion: string; clientId?: string } & Target);

/** What the request says outside its body that matters to parsing (client authentication). */
export interface TokenRequestHeaders {
  authorization?: string | undefined;
}

/**
 * The grant a request asks for, read before the rest is checked so that a malformed token
 * exchange is still counted and audited as one. Only a single, exact grant_type names one.
 */
export function requestedGrant(params: FormParams): GrantName {
  const grantType = params.grant_type;
  if (grantType === GRANT_TOKEN_EXCHANGE) return 'token_exchange';
  if (grantType === GRANT_CLIENT_CREDENTIALS) return 'client_credentials';
  return 'unsupported';
}

export function parseTokenRequest(params: FormParams, headers: TokenRequestHeaders = {}): TokenRequest {
  // audience and resource may repeat per RFC 8693 §2.1; they are judged by readTarget.
  refuseRepeats(params, ['audience', 'resource']);
  const grantType = single(params, 'grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required', { reason: 'bad_request' });
  if (grantType === GRANT_TOKEN_EXCHANGE) return parseTokenExchange(params, headers);
  if (grantType === GRANT_CLIENT_CREDENTIALS) return parseClientCredentials(params, headers);
  throw new OAuthError('unsupported_grant_type', 'supported grants: token exchange (RFC 8693) and client_credentials with a JWT assertion (RFC 7523)', { reason: 'bad_request' });
}

function parseTokenExchange(params: FormParams, headers: TokenRequestHeaders): TokenRequest {
  const subjectToken = single(params, 'subject_token');
  if (!subjectToken) throw new OAuthError('invalid_request', 'subject_token is required (RFC 8693 section 2.1)', { reason: 'bad_request' });
  if (Buffer.byteLength(subjectToken) > MAX_TOKEN_BYTES) {
    throw new OAuthError('invalid_request', 'subject_token is too large', { reason: 'attestation_invalid' });
  }
  const subjectTokenType = single(params, 'subject_token_type');
  if (!subjectTokenType) throw new OAuthError('invalid_request', 'subject_token_type is required (RFC 8693 section 2.1)', { reason: 'bad_request' });
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
  // The subject token authenticates the exchange; client_id alone is ignored (public client),
  // but a client assertion that is sent must be valid and name the same agent.
  const auth = readClientAuthentication(params, headers.authorization, false);
  return { grant: 'token_exchange', subjectToken, ...(auth.clientAssertion ? { clientAssertion: auth.clientAssertion } : {}), ...readTarget(params) };
}

function parseClientCredentials(params: FormParams, headers: TokenRequestHeaders): TokenRequest {
  const auth = readClientAuthentication(params, headers.authorization, true);
  return { grant: 'client_credentials', clientAssertion: auth.clientAssertion as string, ...(auth.clientId ? { clientId: auth.clientId } : {}), ...readTarget(params) };
}

function readTarget(params: FormParams): Target {
  const audiences = values(params.audience);
  const resources = values(params.resource);
  if (audiences.some((a) => a === '') || resources.some((r) => r === '')) {
    throw new OAuthError('invalid_target', 'audience and resource must not be empty', { reason: 'audience' });
  }
  // RFC 8707 §2: exactly one target; none, both or several is invalid_target.
  if (audiences.length + resources.length !== 1) {
    throw new OAuthError('invalid_target', 'name exactly one audience or one resource', { reason: 'audience' });
  }
  const resource = resources[0];
  if (resource !== undefined && !isAbsoluteUriWithoutFragment(resource)) {
    throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment (RFC 8707 section 2)', { reason: 'audience' });
  }
  const audience = (audiences[0] ?? resource) as string;
  if (audience.length > MAX_AUDIENCE_LENGTH || !/^[\x21-\x7e]+$/.test(audience)) {
    throw new OAuthError('invalid_target', 'audience is malformed', { reason: 'audience' });
  }
  const scopes = parseScope(single(params, 'scope'));
  const intent = single(params, 'intent');
  if (intent !== undefined && (intent.length > MAX_INTENT_LENGTH || !/^[\x21-\x7e]+$/.test(intent))) {
    throw new OAuthError('invalid_request', 'intent is malformed', { reason: 'bad_request' });
  }
  return { audience, ...(scopes ? { scopes } : {}), ...(intent ? { intent } : {}) };
}

function values(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** RFC 6749 §3.3: scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
export function parseScope(scope: string | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const tokens = scope.split(' ');
  if (tokens.length > MAX_SCOPES || tokens.some((t) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(t))) {
    throw new OAuthError('invalid_scope', 'scope is malformed (RFC 6749 section 3.3)', { reason: 'scope' });
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
