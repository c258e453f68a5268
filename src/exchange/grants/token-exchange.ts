/**
 * RFC 8693 token exchange: the subject token is the agent's attestation (a platform token or
 * its own RFC 7523 assertion); a client assertion may authenticate the same agent alongside.
 */
import { verifySubjectToken } from '../../attestation/index.js';
import { OAuthError } from '../../errors.js';
import { refuseRepeats, single, type FormParams } from '../../http/form-body.js';
import { readClientAuthentication } from '../client-auth.js';
import { SUBJECT_TOKEN_REFUSALS } from '../refusals.js';
import { readTarget } from '../target.js';
import type { Grant, GrantRequest, RequestHeaders } from './grant.js';
import { boundedToken } from './bounded-token.js';
import { toAuthentication, withClientAssertion } from './prove.js';

export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

export interface TokenExchangeRequest extends GrantRequest {
  readonly subjectToken: string;
  readonly clientAssertion?: string;
}

function parse(params: FormParams, headers: RequestHeaders): TokenExchangeRequest {
  // audience and resource may repeat per RFC 8693 §2.1; readTarget judges them.
  refuseRepeats(params, ['audience', 'resource']);
  const subjectToken = boundedToken(single(params, 'subject_token'), 'subject_token', 'invalid_request');
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
  // The subject token authenticates the exchange; client_id alone is ignored (a public client),
  // but a client assertion that is sent must be valid and name the same agent.
  const { clientAssertion } = readClientAuthentication(params, headers.authorization, false);
  const target = readTarget(params);
  return clientAssertion === undefined
    ? { grant: 'token_exchange', subjectToken, ...target }
    : { grant: 'token_exchange', subjectToken, clientAssertion, ...target };
}

export const tokenExchangeGrant: Grant<TokenExchangeRequest> = {
  name: 'token_exchange',
  type: GRANT_TOKEN_EXCHANGE,
  parse,
  async authenticate(request, ctx) {
    const subject = toAuthentication(await verifySubjectToken(request.subjectToken, ctx), SUBJECT_TOKEN_REFUSALS);
    if (!subject.ok) return subject;
    // The issued token never outlives the attestation it was exchanged for.
    const caller = { ...subject.caller, notAfterMs: subject.caller.proof.expiresAtMs };
    return withClientAssertion(caller, request.clientAssertion, ctx);
  },
  refusals: SUBJECT_TOKEN_REFUSALS,
  issuedTokenType: TOKEN_TYPE_ACCESS_TOKEN,
};
